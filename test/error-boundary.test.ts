// The room's error boundary: a throw at any of its entry points is answered
// with the `internal` error and the room goes on serving. Each test makes one
// piece of the room throw (a spy on its prototype, restored after the test).

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { History } from "../src/server/room/history";
import type { Room } from "../src/server/room/room";
import { Sanctions } from "../src/server/room/sanctions";
import type { MessageEvent, StoredEvent } from "../src/shared/events";
import { call, connect, uniqueRoom } from "./client";
import { isEvent } from "./events";
import { waitUntil } from "./wait";

afterEach(() => vi.restoreAllMocks());

async function jsonMember(room: string, nick: string) {
  const c = await connect(`/ws?room=${encodeURIComponent(room)}&nick=${nick}`, { json: true });
  await c.event();
  return c;
}

function postMessage(room: string, body: unknown): Promise<Response> {
  return call(`/api/rooms/${room}/messages`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function stored(room: string): Promise<StoredEvent[]> {
  const res = await call(`/api/rooms/${room}/messages`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { messages: StoredEvent[] }).messages;
}

/** Makes the `nth` call of a History method throw (the others run as they would). */
function failNth(method: "append" | "after" | "recent", nth: number) {
  const original = History.prototype[method] as (...args: unknown[]) => unknown;
  let calls = 0;
  vi.spyOn(History.prototype, method).mockImplementation(function (this: History, ...args: unknown[]) {
    if (++calls === nth) throw new Error("storage failed");
    return original.apply(this, args);
  } as never);
}

/** Holds the room's next group commit (its 0 ms wait) until released; `queued` says a send has started it. */
function holdNextCommit() {
  const state = { queued: false, release: () => {} };
  const released = new Promise<void>((resolve) => {
    state.release = resolve;
  });
  const spy = vi.spyOn(scheduler, "wait").mockImplementation(async () => {
    state.queued = true;
    spy.mockRestore();
    await released;
  });
  return state;
}

/** Delivers each member's frame to the room in one turn, as if from its socket. */
function inOneTurn(room: string, frames: { nick: string; frame: unknown }[]): Promise<void> {
  return runInDurableObject(env.ROOMS.getByName(room), (instance: Room, state) => {
    for (const { nick, frame } of frames) {
      const ws = state.getWebSockets().find((s) => JSON.stringify(s.deserializeAttachment()).includes(`"nick":"${nick}"`));
      if (!ws) throw new Error(`no socket for ${nick}`);
      instance.webSocketMessage(ws, JSON.stringify(frame));
    }
  });
}

describe("the group commit's error boundary", () => {
  it("a batch that fails to store is rolled back whole, every sender in it is told, and the room goes on", async () => {
    const room = uniqueRoom();
    const a = await jsonMember(room, "a");
    const b = await jsonMember(room, "b");
    const commit = holdNextCommit();
    // The HTTP post is the batch's first message; a's send, its second, fails to store.
    failNth("append", 2);
    const posted = postMessage(room, { nick: "bot", text: "by http", id: "h1" });
    await waitUntil("the post is queued", () => commit.queued, 5_000);
    await inOneTurn(room, [
      { nick: "a", frame: { action: "send_to_room", msg: "from a", id: "a1" } },
      { nick: "b", frame: { action: "send_to_room", msg: "from b", id: "b1" } },
    ]);
    commit.release();

    expect(await a.until(isEvent("error"))).toEqual({ type: "error", code: "internal", message: "internal error", ref: "a1" });
    expect(await b.until(isEvent("error"))).toEqual({ type: "error", code: "internal", message: "internal error", ref: "b1" });
    const answer = await posted;
    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ error: { code: "internal", message: "internal error" } });
    expect(await stored(room)).toEqual([]);

    vi.restoreAllMocks();
    a.send({ action: "send_to_room", msg: "after", id: "a2" });
    for (const c of [a, b]) expect(await c.until(isEvent("message"))).toMatchObject({ id: "a2", seq: 1, text: "after" });
    expect((await stored(room)).map((e) => (e as MessageEvent).id)).toEqual(["a2"]);
  });
});

describe("the socket handlers' error boundary", () => {
  it("a frame whose handling throws is answered with internal, naming its id, and the next one is handled", async () => {
    const room = uniqueRoom();
    const a = await jsonMember(room, "a");
    vi.spyOn(Sanctions.prototype, "binding").mockImplementationOnce(() => {
      throw new Error("sanctions failed");
    });
    a.send({ action: "send_to_room", msg: "first", id: "s1" });
    expect(await a.until(isEvent("error"))).toEqual({ type: "error", code: "internal", message: "internal error", ref: "s1" });
    a.send({ action: "send_to_room", msg: "second", id: "s2" });
    expect(await a.until(isEvent("message"))).toMatchObject({ id: "s2", seq: 1 });
  });

  it("a connect whose greeting throws gets a 500 and leaves no member behind", async () => {
    const room = uniqueRoom();
    failNth("recent", 1);
    const res = await call(`/ws?room=${room}&nick=a`, { headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": "parley.v1" } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: "internal", message: "internal error" } });
    const b = await jsonMember(room, "b");
    b.send({ action: "members" });
    expect(await b.until(isEvent("members"))).toMatchObject({ count: 1, members: [{ nick: "b" }] });
  });
});

describe("a change that writes twice", () => {
  it("a delete whose event fails to store leaves the message as it was: both writes or neither", async () => {
    const room = uniqueRoom();
    const a = await jsonMember(room, "a");
    a.send({ action: "send_to_room", msg: "keep me", id: "k1" });
    const sent = (await a.until(isEvent("message"))) as MessageEvent;
    vi.spyOn(History.prototype, "record").mockImplementationOnce(() => {
      throw new Error("storage failed");
    });
    a.send({ action: "delete", seq: sent.seq });
    expect(await a.until(isEvent("error"))).toMatchObject({ code: "internal" });
    // The tombstone was rolled back with the event it came with.
    expect(await stored(room)).toEqual([expect.objectContaining({ seq: sent.seq, text: "keep me" })]);
    a.send({ action: "delete", seq: sent.seq });
    expect(await a.until(isEvent("delete"))).toMatchObject({ target: sent.seq, seq: sent.seq + 1 });
  });
});

describe("the RPC methods' error boundary", () => {
  it("a read that throws answers 500 with the internal error; the next read is served", async () => {
    const room = uniqueRoom();
    failNth("after", 1);
    const res = await call(`/api/rooms/${room}/messages`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: "internal", message: "internal error" } });
    expect(await stored(room)).toEqual([]);
  });
});
