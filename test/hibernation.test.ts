// Rooms survive eviction: their sockets hibernate, their members and history
// are rebuilt from attachments and SQLite when they wake.

import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { JoinedEvent, MessageEvent } from "../src/shared/events";
import { connect, inBandMember, uniqueRoom } from "./client";
import { isEvent } from "./events";

describe("eviction and hibernation", () => {
  it("in-band-join path: a room evicted between two messages still delivers to every member under the right nick", async () => {
    const room = uniqueRoom();
    const batman = await inBandMember(room, "batman");
    const robin = await inBandMember(room, "robin");
    batman.send({ action: "send_to_room", msg: "before", nick: "batman" });
    expect(await robin.next()).toBe("batman : before");
    expect(await batman.next()).toBe("batman : before");

    await evictDurableObject(env.ROOMS.getByName(room));

    robin.send({ action: "send_to_room", msg: "after", nick: "robin" });
    expect(await batman.next()).toBe("robin : after");
    expect(await robin.next()).toBe("robin : after");
  });

  it("direct path: members, nicks and seq are unchanged after eviction", async () => {
    const room = uniqueRoom();
    const a = await connect(`/ws?room=${room}&nick=alice`, { json: true });
    const aJoined = (await a.event()) as JoinedEvent;
    const b = await connect(`/ws?room=${room}&nick=bob`, { json: true });
    const bJoined = (await b.event()) as JoinedEvent;
    await a.until(isEvent("presence"));
    a.send({ action: "send_to_room", msg: "one" });
    const first = (await b.event()) as MessageEvent;
    expect(await a.event()).toEqual(first);

    await evictDurableObject(env.ROOMS.getByName(room));

    const c = await connect(`/ws?room=${room}&nick=carol`, { json: true });
    const joined = (await c.event()) as JoinedEvent;
    expect(joined.members.map((m) => m.nick).sort()).toEqual(["alice", "bob", "carol"]);
    expect(joined.members).toContainEqual(aJoined.self);
    expect(joined.members).toContainEqual(bJoined.self);
    expect(joined.lastSeq).toBe(first.seq);

    b.send({ action: "send_to_room", msg: "two" });
    const second = (await a.until((e) => e.type === "message")) as MessageEvent;
    expect(second).toMatchObject({ seq: first.seq + 1, text: "two", from: { id: bJoined.self.id, nick: bJoined.self.nick } });
  });

  it("a member whose socket closes while the room is evicted still produces a presence leave", async () => {
    const room = uniqueRoom();
    const a = await connect(`/ws?room=${room}&nick=alice`, { json: true });
    await a.event();
    const b = await connect(`/ws?room=${room}&nick=bob`, { json: true });
    const bSelf = ((await b.event()) as JoinedEvent).self;
    await a.until(isEvent("presence"));

    await evictDurableObject(env.ROOMS.getByName(room));

    // (A TCP drop without a close frame is tested against wrangler dev in test/node/formats.test.ts.)
    b.close(4001, "gone");
    const leave = await a.until(isEvent("presence"));
    expect(leave).toMatchObject({ event: "leave", member: bSelf, count: 1 });
  });
});
