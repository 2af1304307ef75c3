// The original chat room protocol on /ws, exactly as its clients expect it.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Room } from "../src/server/room/room";
import { call, connect, inBandMember, uniqueRoom } from "./client";

describe("in-band join on /ws", () => {
  it("answers a plain GET /ws with 426 and the JSON error body every refusal has", async () => {
    const res = await call("/ws");
    expect(res.status).toBe(426);
    expect(await res.json()).toEqual({ error: { code: "upgrade_required", message: expect.stringMatching(/upgrade/i) } });
  });

  it("greets only the joiner", async () => {
    const room = uniqueRoom();
    const robin = await inBandMember(room, "robin");
    const batman = await connect("/ws");
    batman.send({ action: "join", msg: room, nick: "batman" });
    expect(await batman.next()).toBe(`batman join room ${room} success .`);
    await robin.quiet();
  });

  it("broadcasts send_to_room to every member, the sender included", async () => {
    const room = uniqueRoom();
    const batman = await inBandMember(room, "batman");
    const robin = await inBandMember(room, "robin");
    batman.send({ action: "send_to_room", msg: "hello", nick: "batman" });
    expect(await batman.next()).toBe("batman : hello");
    expect(await robin.next()).toBe("batman : hello");
  });

  it("refuses send_to_room before join with one error line and broadcasts nothing", async () => {
    const lonely = await connect("/ws");
    lonely.send({ action: "send_to_room", msg: "anyone?", nick: "joker" });
    expect(await lonely.next()).toMatch(/^error: .*join/);
    await lonely.quiet();
  });

  it("replies to leave, then hears nothing more from the room, and can join again", async () => {
    const room = uniqueRoom();
    const batman = await inBandMember(room, "batman");
    const robin = await inBandMember(room, "robin");
    batman.send({ action: "leave", msg: "", nick: "batman" });
    expect(await batman.next()).toBe(`batman leave room ${room} success .`);
    robin.send({ action: "send_to_room", msg: "still there?", nick: "robin" });
    expect(await robin.next()).toBe("robin : still there?");
    await batman.quiet();
    batman.send({ action: "join", msg: room, nick: "batman" });
    expect(await batman.next()).toBe(`batman join room ${room} success .`);
    robin.send({ action: "send_to_room", msg: "welcome back", nick: "robin" });
    expect(await batman.next()).toBe("robin : welcome back");
  });

  it("moves a socket that joins another room: it hears only the new room", async () => {
    const [a, b] = [uniqueRoom("a"), uniqueRoom("b")];
    const mover = await inBandMember(a, "mover");
    const stayA = await inBandMember(a, "alice");
    const stayB = await inBandMember(b, "bob");
    mover.send({ action: "join", msg: b, nick: "mover" });
    expect(await mover.next()).toBe(`mover join room ${b} success .`);
    stayA.send({ action: "send_to_room", msg: "in a", nick: "alice" });
    expect(await stayA.next()).toBe("alice : in a");
    stayB.send({ action: "send_to_room", msg: "in b", nick: "bob" });
    expect(await mover.next()).toBe("bob : in b");
    await mover.quiet();
  });

  it("keeps rooms isolated", async () => {
    const [a, b] = [uniqueRoom("a"), uniqueRoom("b")];
    const alice = await inBandMember(a, "alice");
    const bob = await inBandMember(b, "bob");
    alice.send({ action: "send_to_room", msg: "secret", nick: "alice" });
    expect(await alice.next()).toBe("alice : secret");
    await bob.quiet();
  });

  it("uses the nick a member joined with, whatever later frames claim", async () => {
    const room = uniqueRoom();
    const batman = await inBandMember(room, "batman");
    batman.send({ action: "send_to_room", msg: "i am", nick: "superman" });
    expect(await batman.next()).toBe("batman : i am");
  });

  it("delivers long and non-Latin messages whole", async () => {
    const room = uniqueRoom();
    const a = await inBandMember(room, "小明");
    const b = await inBandMember(room, "🦇");
    const long = "长消息🙂".repeat(900); // 3,600 code points, far past the original server's 1 KiB buffer
    a.send({ action: "send_to_room", msg: long, nick: "小明" });
    expect(await b.next()).toBe(`小明 : ${long}`);
    b.send({ action: "send_to_room", msg: "你好，世界 👋🏽", nick: "🦇" });
    expect(await a.next()).toBe(`小明 : ${long}`);
    expect(await a.next()).toBe("🦇 : 你好，世界 👋🏽");
  });

  it.each([
    ["not JSON", "hello there"],
    ["a JSON array", "[1,2]"],
    ["an unknown action", JSON.stringify({ action: "dance", msg: "x", nick: "n" })],
    ["a join without a nick", JSON.stringify({ action: "join", msg: "8888" })],
    ["a join with a numeric room", JSON.stringify({ action: "join", msg: 8888, nick: "n" })],
    ["a send with a non-string msg", JSON.stringify({ action: "send_to_room", msg: { x: 1 }, nick: "n" })],
  ])("answers %s with one error line and stays usable", async (_name, frame) => {
    const room = uniqueRoom();
    const c = await inBandMember(room, "batman");
    c.send(frame);
    const line = await c.next();
    expect(line).toMatch(/^error: /);
    expect(line).not.toMatch(/at .*\.(ts|js)/); // no stack trace
    c.send({ action: "send_to_room", msg: "still here", nick: "batman" });
    expect(await c.next()).toBe("batman : still here");
  });

  it("completes a client's close handshake with its own code", async () => {
    const room = uniqueRoom();
    const c = await inBandMember(room, "batman");
    c.close(1000, "bye");
    expect((await c.closedWith()).code).toBe(1000);
  });
});

describe("in-band join: the relay's upstream", () => {
  it("messages a turn stores together reach the text client as one line each, in order", async () => {
    const room = uniqueRoom();
    const c = await inBandMember(room, "reader");
    const writer = await connect(`/ws?room=${room}&nick=writer`, { json: true });
    await writer.event();
    await runInDurableObject(env.ROOMS.getByName(room), (instance: Room, state) => {
      const ws = state.getWebSockets().find((s) => JSON.stringify(s.deserializeAttachment()).includes('"nick":"writer"'));
      if (!ws) throw new Error("no socket for writer");
      for (let i = 1; i <= 4; i++) instance.webSocketMessage(ws, JSON.stringify({ action: "send_to_room", msg: `line ${i}`, id: `l${i}` }));
    });
    for (let i = 1; i <= 4; i++) expect(await c.next()).toBe(`writer : line ${i}`);
  });
});
