// What an outside attacker found (the "Hardening II" issue), with the room's
// own limits raised: each test here failed before its fix.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import type { MessageEvent } from "../src/shared/events";
import { call, connect, inBandMember, member, uniqueRoom } from "./client";
import { isEvent } from "./events";

/** The tables a room's SQLite storage holds (runs inside the room, which it wakes but does not write). */
function roomTables(room: string): Promise<string[]> {
  return runInDurableObject(env.ROOMS.getByName(room), (_instance, state) =>
    state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .map((r) => r.name),
  );
}

describe("reads and visits leave nothing stored", () => {
  it("GET of an unknown room and its messages writes nothing", async () => {
    const room = uniqueRoom();
    expect(await (await call(`/api/rooms/${room}`)).json()).toEqual({ room, members: 0, lastSeq: 0, shards: 1 });
    expect(await (await call(`/api/rooms/${room}/messages`)).json()).toEqual({ room, messages: [] });
    expect(await roomTables(room)).not.toContain("messages");
  });

  it("a member that joins and leaves without a word leaves nothing stored", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "visitor");
    c.send({ action: "leave" });
    await c.closedWith();
    expect(await roomTables(room)).not.toContain("messages");
  });

  it("an anonymous member whose every action is refused leaves nothing stored", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "nobody");
    for (const frame of [
      { action: "edit", seq: 7, msg: "no such message" },
      { action: "react", seq: 7, emoji: "👍" },
      { action: "kick", member: "someone" },
    ]) {
      c.send(frame);
      await c.until(isEvent("error"));
    }
    expect(await roomTables(room)).toEqual([]);
  });

  it("the first message creates the room's history", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "talker");
    c.send({ action: "send_to_room", msg: "hi", id: "a" });
    await c.until(isEvent("message"));
    expect(await roomTables(room)).toContain("messages");
  });
});

describe("message ids belong to their sender", () => {
  it("another member's predictable id neither suppresses a message nor hands its text to the sender", async () => {
    const room = uniqueRoom();
    const { c: mallory } = await member(room, "mallory");
    const { c: alice } = await member(room, "alice");
    mallory.send({ action: "send_to_room", msg: "evil", id: "c-17" });
    await alice.until((e) => e.type === "message" && e.text === "evil");
    alice.send({ action: "send_to_room", msg: "hello", id: "c-17" });
    expect(await alice.until(isEvent("message"))).toMatchObject({ id: "c-17", text: "hello", seq: 2, from: { nick: "alice" } });
  });

  it("a resend with the same key after a reconnect is recognised; without the key it is not the same sender", async () => {
    const room = uniqueRoom();
    const key = "browser-key-0123456789";
    const { c: first } = await member(room, "alice", { key });
    first.send({ action: "send_to_room", msg: "once", id: "c-1" });
    const original = await first.until(isEvent("message"));
    first.close();
    const { c: again } = await member(room, "alice", { key });
    again.send({ action: "send_to_room", msg: "once", id: "c-1" });
    expect(await again.until(isEvent("message"))).toEqual(original);
    const { c: stranger } = await member(room, "eve", { key: "another-key-0123456789" });
    stranger.send({ action: "send_to_room", msg: "mine", id: "c-1" });
    expect(await stranger.until((e) => e.type === "message" && e.text === "mine")).toMatchObject({ seq: 2 });
  });

  it("the in-band join carries a key too", async () => {
    const room = uniqueRoom();
    const key = "relay-key-0123456789";
    const join = async () => {
      const c = await connect("/ws", { json: true });
      c.send({ action: "join", msg: room, nick: "bob", key });
      await c.until(isEvent("joined"));
      return c;
    };
    const first = await join();
    first.send({ action: "send_to_room", msg: "hey", id: "r-1" });
    const original = await first.until(isEvent("message"));
    first.close();
    const again = await join();
    again.send({ action: "send_to_room", msg: "hey", id: "r-1" });
    expect(await again.until(isEvent("message"))).toEqual(original);
  });
});

describe("one rule for names on every path", () => {
  it("NFC and NFD spellings of a room are one room", async () => {
    const base = uniqueRoom("caf");
    const nfc = `${base}\u00e9`;
    const nfd = `${base}e\u0301`;
    const { c: a } = await member(nfc, "a");
    a.send({ action: "send_to_room", msg: "bonjour", id: "b" });
    await a.until(isEvent("message"));
    const page = (await (await call(`/api/rooms/${encodeURIComponent(nfd)}/messages`)).json()) as {
      room: string;
      messages: MessageEvent[];
    };
    expect(page.room).toBe(nfc);
    expect(page.messages.map((m) => m.text)).toEqual(["bonjour"]);
  });

  it.each([".", ".."])("the room %s is refused on the direct socket, the in-band join and over HTTP", async (room) => {
    const direct = await connect(`/ws?room=${encodeURIComponent(room)}&nick=n`, { json: true });
    expect(await direct.event()).toMatchObject({ type: "error", code: "invalid_room" });
    const inBand = await connect("/ws", { json: true });
    inBand.send({ action: "join", msg: room, nick: "n" });
    expect(await inBand.event()).toMatchObject({ type: "error", code: "invalid_room" });
    const res = await call(`/api/rooms/${encodeURIComponent(room).replaceAll(".", "%2E")}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ nick: "n", text: "x" }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it("a nick with a bidi override is refused on both socket paths", async () => {
    const direct = await connect(`/ws?room=${uniqueRoom()}&nick=${encodeURIComponent("evil\u202Eecila")}`, { json: true });
    expect(await direct.event()).toMatchObject({ type: "error", code: "invalid_nick" });
    const inBand = await connect("/ws");
    inBand.send({ action: "join", msg: uniqueRoom(), nick: "evil\u202Eecila" });
    expect(await inBand.next()).toMatch(/^error: nick may not contain invisible format characters/);
  });

  it("an id with an unpaired surrogate is refused, not stored as U+FFFD", async () => {
    const { c } = await member(uniqueRoom(), "a");
    c.send('{"action":"send_to_room","msg":"x","id":"\\ud800"}');
    expect(await c.event()).toMatchObject({ type: "error", code: "invalid_id" });
  });
});

describe("text clients", () => {
  it("get a message with line breaks as one line; JSON clients get it as sent", async () => {
    const room = uniqueRoom();
    const forged = "hi\r\nbatman : meet me at the docks";
    const text = await inBandMember(room, "robin");
    const { c: jsonMember } = await member(room, "mallory");
    jsonMember.send({ action: "send_to_room", msg: forged, id: "f" });
    expect(await jsonMember.until(isEvent("message"))).toMatchObject({ text: forged });
    const line = await text.next();
    expect(line).toBe("mallory : hi \u21B5 batman : meet me at the docks");
    await text.quiet();
  });
});

describe("docs and code agree", () => {
  it("a JSON body that is not an object is bad_frame over HTTP, as on a socket", async () => {
    const res = await call(`/api/rooms/${uniqueRoom()}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "[1,2]",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "bad_frame" } });
  });

  it("a numeric nick on send_to_room is ignored, as the docs say", async () => {
    const { c } = await member(uniqueRoom(), "alice");
    c.send({ action: "send_to_room", msg: "hi", nick: 7, id: "n" });
    expect(await c.event()).toMatchObject({ type: "message", text: "hi", from: { nick: "alice" } });
  });

  it("refusal logs carry no client address or Origin", async () => {
    const logged: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: string) => void logged.push(String(line)));
    try {
      const res = await call("/ws", {
        headers: { Upgrade: "websocket", Origin: "https://evil.example", "CF-Connecting-IP": "203.0.113.77" },
      });
      expect(res.status).toBe(403);
    } finally {
      spy.mockRestore();
    }
    const refusals = logged.filter((l) => l.includes('"refusal"'));
    expect(refusals.length).toBeGreaterThan(0);
    for (const line of refusals) expect(line).not.toMatch(/203\.0\.113\.77|evil\.example/);
  });
});
