// Read receipts ("seen by"): in a small room the others are told how far a member read; in a big one nobody is.
import { describe, expect, it } from "vitest";
import type { JoinedEvent, ReceiptsEvent } from "../../src/shared/events";
import { RECEIPTS_MAX_MEMBERS } from "../../src/shared/limits";
import { type Client, connect, member, uniqueRoom } from "../client";
import { isEvent } from "../events";
import { expectNothingFor } from "../wait";
import { token } from "./tokens";

const person = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;

/** `sub` on a direct socket in `room`, and its greeting. */
async function enter(room: string, sub: string): Promise<{ c: Client; joined: JoinedEvent }> {
  const t = await token({ sub, name: sub.slice(0, 8), room: "*", role: "member" });
  const c = await connect(`/ws?room=${room}&token=${t}`, { json: true });
  return { c, joined: await c.until(isEvent("joined")) };
}

/** Sends a message and waits for it to come back; returns its seq. */
async function say(c: Client, text: string): Promise<number> {
  c.send({ action: "send_to_room", msg: text });
  return (await c.until(isEvent("message"))).seq;
}

describe("read receipts", () => {
  it("a member's read reaches the others in a small room, coalesced to its newest marker", async () => {
    const room = uniqueRoom();
    const [ann, bob] = [person("ann"), person("bob")];
    const a = (await enter(room, ann)).c;
    const b = (await enter(room, bob)).c;
    const one = await say(b, "one");
    const two = await say(b, "two");
    await a.until(isEvent("message"));
    a.send({ action: "read", seq: one });
    a.send({ action: "read", seq: two });
    const told = (await b.until(isEvent("receipts"))) as ReceiptsEvent;
    expect(told.reads).toEqual([{ member: ann, seq: two }]);
  });

  it("a newcomer's greeting shows how far the members present have read", async () => {
    const room = uniqueRoom();
    const ann = person("ann");
    const a = (await enter(room, ann)).c;
    const seq = await say(a, "hello");
    a.send({ action: "read", seq });
    await a.until(isEvent("receipts"));
    const { joined } = await enter(room, person("cat"));
    expect(joined.receipts).toEqual([{ member: ann, seq }]);
  });

  it(`a room of more than ${RECEIPTS_MAX_MEMBERS} members tells no receipts`, async () => {
    const room = uniqueRoom();
    const ann = person("ann");
    const a = (await enter(room, ann)).c;
    const crowd = [];
    for (let i = 0; i < RECEIPTS_MAX_MEMBERS; i++) crowd.push((await member(room, `m${i}`)).c);
    const seq = await say(a, "hello");
    a.send({ action: "read", seq });
    // A window is at most 200 ms in a room this size (presenceWindowMs); three of them pass.
    const watcher = crowd[0] as Client;
    await expectNothingFor("a receipts event", () => watcher.frames.some((f) => f.includes('"receipts"')), 600);
    const { joined } = await enter(room, person("cat"));
    expect(joined.receipts).toBeUndefined();
  });
});
