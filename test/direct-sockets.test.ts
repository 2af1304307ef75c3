// Direct room sockets (/ws?room=&nick=) and the parley.v1 JSON format.
import { describe, expect, it } from "vitest";
import type { ErrorEvent, JoinedEvent } from "../src/shared/events";
import { connect, inBandMember, uniqueRoom } from "./client";
import { isEvent } from "./events";

describe("direct room sockets", () => {
  it("names parley.v1 in the 101 when offered, and greets with a joined event", async () => {
    const room = uniqueRoom();
    const c = await connect(`/ws?room=${room}&nick=batman`, { json: true });
    expect(c.protocol).toBe("parley.v1");
    const joined = (await c.event()) as JoinedEvent;
    expect(joined).toMatchObject({ type: "joined", room, self: { nick: "batman" }, history: [], lastSeq: 0 });
    expect(joined.members).toEqual([joined.self]);
  });

  it("greets a text client with the original join line", async () => {
    const room = uniqueRoom();
    const c = await connect(`/ws?room=${room}&nick=batman`);
    expect(c.protocol).toBeNull();
    expect(await c.next()).toBe(`batman join room ${room} success .`);
  });

  it("refuses bad connect parameters with an error a browser can read, then closes with 1008", async () => {
    for (const query of ["room=&nick=x", `room=a/b&nick=x`, `room=ok`, `room=ok&nick=%20`, `room=ok&nick=x&since=-1`]) {
      const c = await connect(`/ws?${query}`, { json: true });
      expect(((await c.event()) as ErrorEvent).code, query).toMatch(/^invalid_/);
      expect((await c.closedWith()).code, query).toBe(1008);
    }
    const text = await connect("/ws?room=ok&nick=");
    expect(await text.next()).toBe("error: nick must not be empty");
    expect((await text.closedWith()).code).toBe(1008);
  });

  it("leave: the left event, then the server closes with 1000", async () => {
    const room = uniqueRoom();
    const c = await connect(`/ws?room=${room}&nick=batman`, { json: true });
    await c.event();
    c.send({ action: "leave", msg: "", nick: "batman" });
    expect(await c.event()).toEqual({ type: "left", room });
    expect((await c.closedWith()).code).toBe(1000);
  });

  it("a join of another room gets room_bound and the socket stays put", async () => {
    const room = uniqueRoom();
    const c = await connect(`/ws?room=${room}&nick=batman`, { json: true });
    await c.event();
    c.send({ action: "join", msg: "elsewhere", nick: "batman", id: "j1" });
    const err = (await c.event()) as ErrorEvent;
    expect(err).toMatchObject({ type: "error", code: "room_bound" });
    c.send({ action: "send_to_room", msg: "still here", nick: "batman" });
    expect(await c.event()).toMatchObject({ type: "message", room, text: "still here" });
  });

  it("tells other JSON members about joins and leaves, with the count; text members hear nothing of it", async () => {
    const room = uniqueRoom();
    const watcher = await connect(`/ws?room=${room}&nick=watcher`, { json: true });
    await watcher.event();
    const text = await inBandMember(room, "texter");
    const joinOfText = await watcher.until(isEvent("presence"));
    expect(joinOfText).toMatchObject({ event: "join", member: { nick: "texter" }, count: 2 });
    const comer = await connect(`/ws?room=${room}&nick=comer`, { json: true });
    const comerSelf = ((await comer.event()) as JoinedEvent).self;
    expect(await watcher.until(isEvent("presence"))).toEqual({ type: "presence", room, event: "join", member: comerSelf, count: 3 });
    comer.send({ action: "leave" });
    expect(await watcher.until(isEvent("presence"))).toEqual({ type: "presence", room, event: "leave", member: comerSelf, count: 2 });
    await text.quiet();
  });

  it("a member that goes away without leave produces a presence leave", async () => {
    const room = uniqueRoom();
    const a = await connect(`/ws?room=${room}&nick=alice`, { json: true });
    await a.event();
    const b = await connect(`/ws?room=${room}&nick=bob`, { json: true });
    await b.event();
    await a.until(isEvent("presence"));
    b.close(1001, "going away");
    expect(await a.until(isEvent("presence"))).toMatchObject({ event: "leave", member: { nick: "bob" }, count: 1 });
  });
});

describe("two formats, one room", () => {
  it("JSON clients on both paths and a text client each see every message in their own format", async () => {
    const room = uniqueRoom();
    const direct = await connect(`/ws?room=${room}&nick=direct`, { json: true });
    await direct.event();
    const relayed = await connect("/ws", { json: true });
    expect(relayed.protocol).toBe("parley.v1");
    relayed.send({ action: "join", msg: room, nick: "relayed" });
    expect(await relayed.event()).toMatchObject({ type: "joined", room, self: { nick: "relayed" } });
    const text = await inBandMember(room, "texter");

    direct.send({ action: "send_to_room", msg: "from direct", id: "d1" });
    relayed.send({ action: "send_to_room", msg: "from relayed", id: "r1" });
    text.send({ action: "send_to_room", msg: "from text", nick: "texter" });

    for (const json of [direct, relayed]) {
      const got = [await json.until(isEvent("message")), await json.until(isEvent("message")), await json.until(isEvent("message"))];
      expect(got.map((m) => `${m.from.nick}:${m.text}`).sort()).toEqual(["direct:from direct", "relayed:from relayed", "texter:from text"]);
      expect(got.map((m) => m.seq)).toEqual([1, 2, 3]);
    }
    const lines = [await text.next(), await text.next(), await text.next()];
    expect(lines.sort()).toEqual(["direct : from direct", "relayed : from relayed", "texter : from text"]);
  });
});
