// Every limit changed through its var (see the workers-tuned project in vitest.config.ts).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ErrorEvent, JoinedEvent } from "../../src/shared/events";
import { limitsFrom } from "../../src/shared/limits";
import { call, connect, inBandMember, uniqueRoom } from "../client";
import { isEvent } from "../events";
import { waitForTokenRefill } from "../wait";

describe("limits set through vars", () => {
  it("the vars reach the Worker", () => {
    expect(limitsFrom(env)).toMatchObject({ MAX_MESSAGE_CHARS: 50, MAX_NICK_CHARS: 8, MAX_ROOM_MEMBERS: 3, RATE_LIMIT_BURST: 5 });
  });

  it("MAX_MESSAGE_CHARS: refused as a JSON error, an error line and an HTTP 400", async () => {
    const room = uniqueRoom();
    const json = await connect(`/ws?room=${room}&nick=j`, { json: true });
    await json.event();
    json.send({ action: "send_to_room", msg: "x".repeat(50), id: "fits" });
    expect(await json.until(isEvent("message"))).toMatchObject({ id: "fits" });
    json.send({ action: "send_to_room", msg: "x".repeat(51), id: "long" });
    expect(await json.event()).toMatchObject({ type: "error", code: "invalid_message", ref: "long" });

    const text = await inBandMember(room, "t");
    text.send({ action: "send_to_room", msg: "y".repeat(51), nick: "t" });
    expect(await text.next()).toBe("error: msg is longer than 50 characters");

    const res = await call(`/api/rooms/${room}/messages`, { method: "POST", body: JSON.stringify({ nick: "h", text: "z".repeat(51) }) });
    expect(res.status).toBe(400);
  });

  it("MAX_NICK_CHARS: 8 fits, 9 is refused on join", async () => {
    const inBand = await connect("/ws");
    inBand.send({ action: "join", msg: uniqueRoom(), nick: "ninechars" });
    expect(await inBand.next()).toBe("error: nick is longer than 8 characters");
    inBand.send({ action: "join", msg: "r8", nick: "eightchr" });
    expect(await inBand.next()).toBe("eightchr join room r8 success .");
  });

  it("MAX_ROOM_MEMBERS: the next direct socket gets room_full and a 1013 close; a relay client stays usable", async () => {
    const room = uniqueRoom();
    for (const n of ["a", "b", "c"]) {
      const c = await connect(`/ws?room=${room}&nick=${n}`, { json: true });
      expect(((await c.event()) as JoinedEvent).type).toBe("joined");
    }
    const fourth = await connect(`/ws?room=${room}&nick=d`, { json: true });
    expect(await fourth.event()).toMatchObject({ type: "error", code: "room_full" });
    expect((await fourth.closedWith()).code).toBe(1013);

    const inBand = await connect("/ws");
    inBand.send({ action: "join", msg: room, nick: "e" });
    expect(await inBand.next()).toMatch(/^error: room .* is full/);
    inBand.send({ action: "join", msg: uniqueRoom(), nick: "e" });
    expect(await inBand.next()).toMatch(/^e join room .* success \.$/);
  });

  it("RATE_LIMIT_BURST and RATE_LIMIT_PER_SECOND: 5 at once, then about 2 a second", async () => {
    const room = uniqueRoom();
    const c = await connect(`/ws?room=${room}&nick=r`, { json: true });
    await c.event();
    const started = Date.now();
    for (let i = 0; i < 8; i++) c.send({ action: "send_to_room", msg: `m${i}`, id: `m${i}` });
    const first = [];
    for (let i = 0; i < 8; i++) first.push(await c.event());
    const refilled = Math.ceil(((Date.now() - started) / 1000) * 2);
    const said = first.filter(isEvent("message")).length;
    expect(said).toBeGreaterThanOrEqual(5);
    expect(said).toBeLessThanOrEqual(5 + refilled);
    const refused = first.filter(isEvent("error"));
    expect(refused.map((e) => e.code)).toEqual(Array(8 - said).fill("rate_limited"));
    // Each refusal names the send it refused, so the client knows what to retry.
    const saidIds = first.filter(isEvent("message")).map((m) => m.id);
    expect([...saidIds, ...refused.map((e) => e.ref)].sort()).toEqual(Array.from({ length: 8 }, (_, i) => `m${i}`));
    await waitForTokenRefill(limitsFrom(env).RATE_LIMIT_PER_SECOND);
    c.send({ action: "send_to_room", msg: "after a pause" });
    expect(await c.event()).toMatchObject({ type: "message", text: "after a pause" });
  });

  it("CONNECTS_PER_MINUTE: the fifth connection from one address in a minute gets 429; other addresses are unaffected", async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}`;
    const open = (addr: string) => call(`/ws?room=${uniqueRoom()}&nick=n`, { headers: { Upgrade: "websocket", "CF-Connecting-IP": addr } });
    for (let i = 0; i < 4; i++) {
      const res = await open(ip);
      expect(res.status).toBe(101);
      res.webSocket!.accept();
      res.webSocket!.close(1000);
    }
    expect((await open(ip)).status).toBe(429);
    const other = await open(`${ip}1`);
    expect(other.status).toBe(101);
    other.webSocket!.accept();
    other.webSocket!.close(1000);
    // The in-band-join path counts too.
    const inBand = await call("/ws", { headers: { Upgrade: "websocket", "CF-Connecting-IP": ip } });
    expect(inBand.status).toBe(429);
  });
});

describe("Origin", () => {
  const upgrade = (origin?: string) =>
    call(`/ws?room=${uniqueRoom()}&nick=o`, { headers: { Upgrade: "websocket", ...(origin ? { Origin: origin } : {}) } });

  it.each([
    ["no Origin (a non-browser client)", undefined, 101],
    ["the page's own origin", "http://127.0.0.1", 101],
    ["an origin listed in ALLOWED_ORIGINS", "https://friend.example", 101],
    ["another site", "https://evil.example", 403],
    ["the same host on another scheme", "https://127.0.0.1", 403],
  ])("upgrade from %s → %s", async (_n, origin, status) => {
    const res = await upgrade(origin);
    expect(res.status).toBe(status);
    if (res.webSocket) {
      res.webSocket.accept();
      res.webSocket.close(1000);
    } else {
      expect(((await res.json()) as { error: ErrorEvent }).error.code).toBe("forbidden_origin");
    }
  });

  it("the in-band-join path follows the same rule", async () => {
    expect((await call("/ws", { headers: { Upgrade: "websocket", Origin: "https://evil.example" } })).status).toBe(403);
  });

  it("the HTTP API's writes follow it too; reads do not need it", async () => {
    const room = uniqueRoom();
    const post = (origin: string) =>
      call(`/api/rooms/${room}/messages`, { method: "POST", headers: { Origin: origin }, body: JSON.stringify({ nick: "n", text: "t" }) });
    expect((await post("https://evil.example")).status).toBe(403);
    expect((await post("https://friend.example")).status).toBe(201);
    expect((await call(`/api/rooms/${room}/messages`, { headers: { Origin: "https://evil.example" } })).status).toBe(200);
  });
});

describe("limits reach clients", () => {
  it("joined carries the effective limits, and GET /api/limits answers the same", async () => {
    const expected = { maxMessageChars: 50, maxNickChars: 8, rateLimitBurst: 5, rateLimitPerSecond: 2 };
    const c = await connect(`/ws?room=${uniqueRoom()}&nick=lim`, { json: true });
    expect(((await c.event()) as JoinedEvent).limits).toEqual(expected);
    const res = await call("/api/limits");
    expect(await res.json()).toEqual(expected);
  });
});

describe("HTTP reads per address", () => {
  it("HTTP_READS_PER_MINUTE: 5 reads, then 429 with Retry-After; another address is not held back", async () => {
    const room = uniqueRoom();
    const read = (ip: string) => call(`/api/rooms/${room}/messages`, { headers: { "CF-Connecting-IP": ip } });
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await read("2001:db8::5ead")).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await read("2001:db8::5ead");
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toMatchObject({ error: { code: "too_many_requests" } });
    expect((await read("2001:db8::07e5")).status).toBe(200);
  });
});

describe("CORS for apps on allowed origins", () => {
  it("an origin in ALLOWED_ORIGINS gets CORS headers on reads and preflights; another origin gets none", async () => {
    const room = uniqueRoom();
    const friend = await call(`/api/rooms/${room}/messages`, { headers: { Origin: "https://friend.example" } });
    expect(friend.headers.get("Access-Control-Allow-Origin")).toBe("https://friend.example");
    const preflight = await call(`/api/rooms/${room}/messages`, {
      method: "OPTIONS",
      headers: {
        Origin: "https://friend.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("authorization");
    const evil = await call(`/api/rooms/${room}/messages`, { headers: { Origin: "https://evil.example" } });
    expect(evil.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });
});
