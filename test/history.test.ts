// History in SQLite: seq order, resume with `since`, idempotent sends.
import { describe, expect, it } from "vitest";
import type { JoinedEvent, MessageEvent } from "../src/shared/events";
import { type Client, call, connect, member, uniqueRoom } from "./client";
import { isEvent } from "./events";

async function messages(c: Client, n: number): Promise<MessageEvent[]> {
  const out: MessageEvent[] = [];
  while (out.length < n) out.push(await c.until(isEvent("message")));
  return out;
}

describe("history", () => {
  it("seq rises by exactly 1 across all senders and every member sees seq order", async () => {
    const room = uniqueRoom();
    const members = await Promise.all(["a", "b", "c"].map((n) => member(room, n)));
    for (let i = 0; i < 10; i++) for (const m of members) m.c.send({ action: "send_to_room", msg: `${m.joined.self.nick}${i}` });
    for (const m of members) {
      const seen = await messages(m.c, 30);
      expect(seen.map((x) => x.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    }
  });

  it("joined carries the last 50 messages to a JSON client, and nothing to a text client", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "writer");
    for (let i = 1; i <= 60; i++) c.send({ action: "send_to_room", msg: `m${i}` });
    await messages(c, 60);
    const { joined } = await member(room, "reader");
    expect(joined.lastSeq).toBe(60);
    expect(joined.history.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 11));
    expect(joined.history[0]).toMatchObject({ type: "message", room, text: "m11", from: { nick: "writer" } });
    const text = await connect(`/ws?room=${room}&nick=texter`);
    expect(await text.next()).toBe(`texter join room ${room} success .`);
    await text.quiet();
  });

  it("a client that drops and resumes with since gets exactly what it missed, in order", async () => {
    const room = uniqueRoom();
    const { c: sender } = await member(room, "sender");
    const { c: dropper } = await member(room, "dropper");
    sender.send({ action: "send_to_room", msg: "before", id: "before" });
    const last = (await dropper.until(isEvent("message"))).seq;
    dropper.close(1000);
    await dropper.closedWith();
    for (let i = 0; i < 20; i++) sender.send({ action: "send_to_room", msg: `missed ${i}`, id: `missed-${i}` });
    await messages(sender, 21);
    const { c: back, joined } = await member(room, "dropper", { since: last });
    expect(joined.history.map((m) => (m.type === "message" ? m.id : m.type))).toEqual(Array.from({ length: 20 }, (_, i) => `missed-${i}`));
    expect(joined.history.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => last + 1 + i));
    expect(joined.more).toBeUndefined();
    sender.send({ action: "send_to_room", msg: "live", id: "live" });
    expect(await back.until(isEvent("message"))).toMatchObject({ id: "live", seq: last + 21 });
  });

  it("resume over the in-band-join path: join with since", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "writer");
    for (let i = 1; i <= 5; i++) c.send({ action: "send_to_room", msg: `m${i}` });
    await messages(c, 5);
    const relayed = await connect("/ws", { json: true });
    relayed.send({ action: "join", msg: room, nick: "late", since: 3 });
    const joined = (await relayed.event()) as JoinedEvent;
    expect(joined.history.map((m) => (m.type === "message" ? m.text : m.type))).toEqual(["m4", "m5"]);
  });

  it("says so when a resume missed more than the cap, and the rest pages over HTTP", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "writer");
    for (let i = 1; i <= 230; i++) c.send({ action: "send_to_room", msg: `m${i}` });
    await messages(c, 230);
    const { joined } = await member(room, "late", { since: 0 });
    expect(joined.history).toHaveLength(200);
    expect(joined.more).toBe(true);
    const res = await call(`/api/rooms/${room}/messages?since=200&limit=200`);
    const page = (await res.json()) as { messages: MessageEvent[] };
    expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: 30 }, (_, i) => 201 + i));
  });

  it("a resent id is not stored or broadcast again; the sender gets the original back", async () => {
    const room = uniqueRoom();
    const { c: a } = await member(room, "alice");
    const { c: b } = await member(room, "bob");
    a.send({ action: "send_to_room", msg: "once", id: "dup-1" });
    const original = await b.until(isEvent("message"));
    expect(await a.until(isEvent("message"))).toEqual(original);
    a.send({ action: "send_to_room", msg: "once (resent)", id: "dup-1" });
    expect(await a.until(isEvent("message"))).toEqual(original);
    a.send({ action: "send_to_room", msg: "next", id: "dup-2" });
    expect(await b.until(isEvent("message"))).toMatchObject({ id: "dup-2", seq: original.seq + 1 });
    const res = await call(`/api/rooms/${room}/messages`);
    const page = (await res.json()) as { messages: MessageEvent[] };
    expect(page.messages.map((m) => m.id)).toEqual(["dup-1", "dup-2"]);
  });

  it("error events carry the offending frame's id as ref", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "alice");
    c.send({ action: "send_to_room", msg: "   ", id: "blank-1" });
    expect(await c.event()).toMatchObject({ type: "error", code: "invalid_message", ref: "blank-1" });
  });
});
