// The HTTP API agrees with what the sockets see.
import { describe, expect, it } from "vitest";
import type { JoinedEvent, MessageEvent } from "../src/shared/events";
import { call, connect, inBandMember, uniqueRoom } from "./client";
import { isEvent } from "./events";

function post(room: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(`/api/rooms/${encodeURIComponent(room)}/messages`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("HTTP API", () => {
  it("GET /api/rooms/:room counts live members and reports lastSeq", async () => {
    const room = uniqueRoom();
    expect(await (await call(`/api/rooms/${room}`)).json()).toEqual({ room, members: 0, lastSeq: 0, shards: 1 });
    const a = await connect(`/ws?room=${room}&nick=a`, { json: true });
    await a.event();
    await inBandMember(room, "b");
    a.send({ action: "send_to_room", msg: "hi" });
    await a.until(isEvent("message"));
    expect(await (await call(`/api/rooms/${room}`)).json()).toEqual({ room, members: 2, lastSeq: 1, shards: 1 });
  });

  it("POST stores and broadcasts to both formats; 201 with the stored message", async () => {
    const room = uniqueRoom();
    const json = await connect(`/ws?room=${room}&nick=j`, { json: true });
    await json.event();
    const text = await inBandMember(room, "t");
    const res = await post(room, { nick: "bot", text: "deploy done ✅", id: "deploy-42" });
    expect(res.status).toBe(201);
    const stored = (await res.json()) as MessageEvent;
    expect(stored).toMatchObject({
      type: "message",
      room,
      seq: 1,
      id: "deploy-42",
      from: { id: "http", nick: "bot" },
      text: "deploy done ✅",
    });
    expect(await json.until(isEvent("message"))).toEqual(stored);
    expect(await text.next()).toBe("bot : deploy done ✅");
  });

  it("POST with an id the same address already stored returns the original with 200 and broadcasts nothing", async () => {
    const room = uniqueRoom();
    const from = { "CF-Connecting-IP": "2001:db8::b07" };
    const first = (await (await post(room, { nick: "bot", text: "once", id: "x1" }, from)).json()) as MessageEvent;
    const watcher = await connect(`/ws?room=${room}&nick=w`, { json: true });
    await watcher.event();
    const again = await post(room, { nick: "bot", text: "twice", id: "x1" }, from);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(first);
    await watcher.quiet();
  });

  it("POST ids belong to their address: another address's same id is its own message", async () => {
    const room = uniqueRoom();
    await post(room, { nick: "mallory", text: "evil", id: "c-17" }, { "CF-Connecting-IP": "2001:db8::bad" });
    const victim = await post(room, { nick: "alice", text: "hello", id: "c-17" }, { "CF-Connecting-IP": "2001:db8::a11" });
    expect(victim.status).toBe(201);
    expect(await victim.json()).toMatchObject({ seq: 2, text: "hello", from: { nick: "alice" } });
  });

  it("GET messages pages in seq order with since and limit, agreeing with what sockets saw", async () => {
    const room = uniqueRoom();
    const c = await connect(`/ws?room=${room}&nick=w`, { json: true });
    await c.event();
    const seen: MessageEvent[] = [];
    for (let i = 1; i <= 7; i++) c.send({ action: "send_to_room", msg: `m${i}`, id: `id${i}` });
    while (seen.length < 7) seen.push(await c.until(isEvent("message")));
    const all = (await (await call(`/api/rooms/${room}/messages`)).json()) as { room: string; messages: MessageEvent[] };
    expect(all).toEqual({ room, messages: seen });
    const page = (await (await call(`/api/rooms/${room}/messages?since=2&limit=3`)).json()) as { messages: MessageEvent[] };
    expect(page.messages).toEqual(seen.slice(2, 5));
    const late = await connect(`/ws?room=${room}&nick=late`, { json: true });
    expect(((await late.event()) as JoinedEvent).history).toEqual(seen);
  });

  it.each([
    ["a bad room", "/api/rooms/%01bad/messages", undefined, 400, "invalid_room"],
    ["a bad limit", "/api/rooms/r/messages?limit=500", undefined, 400, "bad_frame"],
    ["a bad since", "/api/rooms/r/messages?since=x", undefined, 400, "invalid_since"],
    ["an unknown route", "/api/nothing", undefined, 404, "not_found"],
  ])("answers %s with a JSON error", async (_n, path, _b, status, code) => {
    const res = await call(path);
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it.each([
    ["not JSON", "nope", "bad_json"],
    ["no nick", { text: "x" }, "invalid_nick"],
    ["blank text", { nick: "n", text: " " }, "invalid_message"],
    ["a long id", { nick: "n", text: "x", id: "i".repeat(65) }, "invalid_id"],
  ])("refuses a POST with %s", async (_n, body, code) => {
    const res = await post(uniqueRoom(), body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });
});
