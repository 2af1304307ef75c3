// Signed identities: which tokens get in, on every path, and what they make of a member.
import { describe, expect, it, vi } from "vitest";
import type { ErrorEvent, JoinedEvent, MessageEvent } from "../../src/shared/events";
import { call, connect, uniqueRoom } from "../client";
import { isEvent } from "../events";
import { API_KEY, type Claims, expired, notYet, token, unsigned } from "./tokens";

const claims = (room: string, extra: Partial<Claims> = {}): Claims => ({ sub: "u-alice", name: "Alice", room, ...extra });

/** What a room holds, read with the API key (which may read any room). */
async function stored(room: string): Promise<number> {
  const res = await call(`/api/rooms/${encodeURIComponent(room)}`, { headers: { Authorization: `Bearer ${API_KEY}` } });
  return ((await res.json()) as { lastSeq: number }).lastSeq;
}

/** The bad tokens for `room`, each with the code it must get. */
async function badTokens(room: string): Promise<[string, string, string][]> {
  return [
    ["forged (another secret)", await token(claims(room), "not-the-server-secret-0123456789"), "unauthenticated"],
    ["alg none", unsigned(claims(room)), "unauthenticated"],
    ["expired", await expired(claims(room)), "unauthenticated"],
    ["not yet valid", await notYet(claims(room)), "unauthenticated"],
    ["malformed", "not.a-token", "unauthenticated"],
    ["for another room", await token(claims(`${room}-other`)), "forbidden"],
    ["for another prefix", await token(claims("private-elsewhere-*")), "forbidden"],
  ];
}

describe("tokens on a direct socket", () => {
  it("refuses each bad token with HTTP 401 or 403 before any upgrade, storing nothing", async () => {
    const room = uniqueRoom("private-t");
    for (const [what, bad, code] of await badTokens(room)) {
      const res = await call(`/ws?room=${room}&token=${encodeURIComponent(bad)}`, { headers: { Upgrade: "websocket" } });
      expect(res.status, what).toBe(code === "forbidden" ? 403 : 401);
      expect(res.webSocket, what).toBeNull();
      expect(((await res.json()) as { error: { code: string } }).error.code, what).toBe(code);
    }
    expect(await stored(room)).toBe(0);
  });

  it("lets a token in under its sub and name, whatever nick the client sends", async () => {
    const room = uniqueRoom("private-t");
    const c = await connect(`/ws?room=${room}&nick=mallory&token=${await token(claims(room))}`, { json: true });
    const joined = (await c.event()) as JoinedEvent;
    expect(joined.self).toEqual({ id: "u-alice", nick: "Alice", role: "member" });
    c.send({ action: "send_to_room", msg: "hi", id: "m1" });
    expect(await c.until(isEvent("message"))).toMatchObject({ from: { id: "u-alice", nick: "Alice" } });
  });

  it("takes a prefix claim for every room under it", async () => {
    const room = uniqueRoom("private-team-");
    const c = await connect(`/ws?room=${room}&token=${await token(claims("private-team-*"))}`, { json: true });
    expect(await c.event()).toMatchObject({ type: "joined", room });
  });
});

describe("tokens on the in-band join", () => {
  it("refuses each bad token with an error, and the connection stays usable", async () => {
    const room = uniqueRoom("private-t");
    const c = await connect("/ws", { json: true });
    for (const [what, bad, code] of await badTokens(room)) {
      c.send({ action: "join", msg: room, token: bad });
      expect(((await c.event()) as ErrorEvent).code, what).toBe(code);
    }
    const good = await token(claims(room));
    c.send({ action: "join", msg: room, token: good });
    expect(await c.event()).toMatchObject({ type: "joined", self: { id: "u-alice", nick: "Alice" } });
    expect(await stored(room)).toBe(0);
  });

  it("gives a text client the token's name in its lines", async () => {
    const room = uniqueRoom("private-t");
    const c = await connect("/ws");
    c.send({ action: "join", msg: room, nick: "mallory", token: await token(claims(room)) });
    expect(await c.next()).toBe(`Alice join room ${room} success .`);
    c.send({ action: "send_to_room", msg: "hello", nick: "mallory" });
    expect(await c.next()).toBe("Alice : hello");
  });
});

describe("private rooms", () => {
  it("refuse anonymous members on both socket paths and over HTTP", async () => {
    const room = uniqueRoom("private-");
    const direct = await call(`/ws?room=${room}&nick=anon`, { headers: { Upgrade: "websocket" } });
    expect(direct.status).toBe(401);
    const inBand = await connect("/ws", { json: true });
    inBand.send({ action: "join", msg: room, nick: "anon" });
    expect(await inBand.event()).toMatchObject({ type: "error", code: "unauthenticated" });
    expect((await call(`/api/rooms/${room}/messages`)).status).toBe(401);
    expect((await call(`/api/rooms/${room}`)).status).toBe(401);
  });

  it("can be read over HTTP with a token that covers them, and with the API key", async () => {
    const room = uniqueRoom("private-");
    const reader = await token(claims(room, { role: "reader" }));
    expect((await call(`/api/rooms/${room}/messages`, { headers: { Authorization: `Bearer ${reader}` } })).status).toBe(200);
    expect((await call(`/api/rooms/${room}/messages`, { headers: { Authorization: `Bearer ${API_KEY}` } })).status).toBe(200);
  });

  it("leave public rooms open to anonymous members", async () => {
    const c = await connect(`/ws?room=${uniqueRoom()}&nick=anon`, { json: true });
    expect(await c.event()).toMatchObject({ type: "joined", self: { nick: "anon", role: "member" } });
  });
});

describe("roles", () => {
  it("a reader receives but every send is refused with forbidden", async () => {
    const room = uniqueRoom("private-r");
    const member = await connect(`/ws?room=${room}&token=${await token(claims(room))}`, { json: true });
    await member.event();
    const reader = await connect(`/ws?room=${room}&token=${await token({ sub: "u-rita", name: "Rita", room, role: "reader" })}`, {
      json: true,
    });
    await reader.event();
    reader.send({ action: "send_to_room", msg: "may I?", id: "r1" });
    expect(await reader.until(isEvent("error"))).toMatchObject({ code: "forbidden", ref: "r1" });
    member.send({ action: "send_to_room", msg: "you may listen", id: "m1" });
    expect(await reader.until(isEvent("message"))).toMatchObject({ id: "m1" });
    expect(await stored(room)).toBe(1);
  });
});

describe("HTTP with an API key set", () => {
  const post = (room: string, body: unknown, auth?: string) =>
    call(`/api/rooms/${encodeURIComponent(room)}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(auth ? { Authorization: `Bearer ${auth}` } : {}) },
      body: JSON.stringify(body),
    });

  it("refuses anonymous writes, takes the key's and a member token's, and refuses a reader's and a forged one", async () => {
    const room = uniqueRoom();
    expect((await post(room, { nick: "anon", text: "x" })).status).toBe(401);
    expect((await post(room, { nick: "bot", text: "from the app" }, API_KEY)).status).toBe(201);
    const user = await post(room, { nick: "ignored", text: "from alice" }, await token(claims(room)));
    expect(user.status).toBe(201);
    expect(((await user.json()) as MessageEvent).from).toEqual({ id: "u-alice", nick: "Alice" });
    expect((await post(room, { text: "x" }, await token(claims(room, { role: "reader" })))).status).toBe(403);
    expect((await post(room, { text: "x" }, await token(claims(room), "wrong-secret-0123456789abcdef"))).status).toBe(401);
    expect(await stored(room)).toBe(2);
  });

  it("POST /api/tokens mints a token with the key, and only with it", async () => {
    const room = uniqueRoom("private-m");
    const body = JSON.stringify({ sub: "u-bob", name: "Bob", room, role: "moderator", ttl: 600 });
    const headers = { "Content-Type": "application/json" };
    expect((await call("/api/tokens", { method: "POST", headers, body })).status).toBe(401);
    const minted = await call("/api/tokens", { method: "POST", headers: { ...headers, Authorization: `Bearer ${API_KEY}` }, body });
    expect(minted.status).toBe(201);
    const { token: t } = (await minted.json()) as { token: string };
    const c = await connect(`/ws?room=${room}&token=${t}`, { json: true });
    expect(await c.event()).toMatchObject({ type: "joined", self: { id: "u-bob", nick: "Bob", role: "moderator" } });
  });
});

describe("logs", () => {
  it("carry no token, on any path", async () => {
    const lines: string[] = [];
    const spies = (["log", "error", "warn", "info"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" "))),
    );
    const room = uniqueRoom("private-l");
    const good = await token(claims(room));
    const bad = await expired(claims(room));
    try {
      const c = await connect(`/ws?room=${room}&token=${good}`, { json: true });
      await c.event();
      c.send({ action: "send_to_room", msg: "hi", id: "l1" });
      await c.until(isEvent("message"));
      await call(`/ws?room=${room}&token=${bad}`, { headers: { Upgrade: "websocket" } });
      const inBand = await connect("/ws", { json: true });
      inBand.send({ action: "join", msg: room, token: bad });
      await inBand.event();
      await call(`/api/rooms/${room}/messages`, { method: "POST", headers: { Authorization: `Bearer ${bad}` }, body: "{}" });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toContain(good);
      expect(line).not.toContain(bad);
      expect(line).not.toContain(API_KEY);
    }
  });
});
