// The limits as wrangler.toml ships them.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { MessageEvent, ServerEvent } from "../../src/shared/events";
import { DEFAULT_LIMITS, limitsFrom } from "../../src/shared/limits";
import { call, connect, inBandMember, uniqueRoom } from "../client";
import { isEvent } from "../events";

describe("default limits", () => {
  it("wrangler.toml ships the same defaults the code falls back to", () => {
    expect(limitsFrom(env)).toEqual(DEFAULT_LIMITS);
  });

  it("rate limit: a burst of 20, then rate_limited (not stored), then a flooder is closed with 1008", async () => {
    const room = uniqueRoom();
    const c = await connect(`/ws?room=${room}&nick=flood`, { json: true });
    await c.event();
    const started = Date.now();
    for (let i = 0; i < 60; i++) c.send({ action: "send_to_room", msg: `m${i}`, id: `m${i}` });
    expect((await c.closedWith()).code).toBe(1008);
    const elapsed = (Date.now() - started) / 1000;
    const events = c.frames.slice(1).map((f) => JSON.parse(f) as ServerEvent);
    const stored = events.filter(isEvent("message"));
    // The burst, plus whatever refilled at 5 a second while the frames arrived.
    expect(stored.length).toBeGreaterThanOrEqual(20);
    expect(stored.length).toBeLessThanOrEqual(20 + Math.ceil(elapsed * 5));
    expect(events.filter(isEvent("error")).every((e) => e.code === "rate_limited")).toBe(true);
    expect(stored.length + events.filter(isEvent("error")).length).toBe(events.length);
    const page = (await (await call(`/api/rooms/${room}/messages?limit=200`)).json()) as { messages: MessageEvent[] };
    expect(page.messages.map((m) => m.id)).toEqual(stored.map((m) => m.id));
  });

  it("the in-band-join path is rate limited the same way, with error lines", async () => {
    const room = uniqueRoom();
    const c = await inBandMember(room, "flood");
    const started = Date.now();
    for (let i = 0; i < 22; i++) c.send({ action: "send_to_room", msg: `m${i}`, nick: "flood" });
    const lines: string[] = [];
    for (let i = 0; i < 22; i++) lines.push(await c.next());
    const refilled = Math.ceil(((Date.now() - started) / 1000) * 5);
    // The relay's bucket of 20 for this connection counts every frame: the join took one.
    const said = lines.filter((l) => l.startsWith("flood : ")).length;
    expect(said).toBeGreaterThanOrEqual(19);
    expect(said).toBeLessThanOrEqual(19 + refilled);
    expect(lines.filter((l) => l.startsWith("error: slow down")).length).toBe(22 - said);
  });

  it("an in-band-join client that keeps flooding is closed with 1008", async () => {
    const c = await inBandMember(uniqueRoom(), "flood");
    for (let i = 0; i < 60; i++) c.send({ action: "send_to_room", msg: `m${i}`, nick: "flood" });
    expect((await c.closedWith()).code).toBe(1008);
    expect(c.frames.at(-1)).toBe("error: too many messages; closing this connection");
  });

  it(`messages up to ${DEFAULT_LIMITS.MAX_MESSAGE_CHARS} characters pass; longer ones are refused`, async () => {
    const room = uniqueRoom();
    const c = await connect(`/ws?room=${room}&nick=long`, { json: true });
    await c.event();
    c.send({ action: "send_to_room", msg: "é".repeat(4000), id: "ok" });
    expect(await c.until(isEvent("message"))).toMatchObject({ id: "ok" });
    c.send({ action: "send_to_room", msg: "é".repeat(4001), id: "too-long" });
    expect(await c.event()).toMatchObject({ type: "error", code: "invalid_message", ref: "too-long" });
  });

  it("nicks up to 32 characters pass; longer ones are refused", async () => {
    const room = uniqueRoom();
    const ok = await connect(`/ws?room=${room}&nick=${"n".repeat(32)}`, { json: true });
    expect(await ok.event()).toMatchObject({ type: "joined" });
    const long = await connect(`/ws?room=${room}&nick=${"n".repeat(33)}`, { json: true });
    expect(await long.event()).toMatchObject({ type: "error", code: "invalid_nick" });
    expect((await long.closedWith()).code).toBe(1008);
  });

  it("a frame over 16 KiB is refused with frame_too_large and the connection stays usable", async () => {
    const room = uniqueRoom();
    const c = await connect(`/ws?room=${room}&nick=big`, { json: true });
    await c.event();
    c.send(JSON.stringify({ action: "send_to_room", msg: "x", pad: "p".repeat(17 * 1024) }));
    expect(await c.event()).toMatchObject({ type: "error", code: "frame_too_large" });
    c.send({ action: "send_to_room", msg: "small" });
    expect(await c.until(isEvent("message"))).toMatchObject({ text: "small" });
  });

  it("binary frames are refused with an error on both paths", async () => {
    const room = uniqueRoom();
    const direct = await connect(`/ws?room=${room}&nick=bin`, { json: true });
    await direct.event();
    direct.ws.send(new Uint8Array([1, 2, 3]));
    expect(await direct.event()).toMatchObject({ type: "error", code: "binary_unsupported" });
    const inBand = await inBandMember(room, "bin2");
    inBand.ws.send(new Uint8Array([1, 2, 3]));
    expect(await inBand.next()).toMatch(/^error: binary/);
  });

  it("60 new connections a minute per address, then 429", async () => {
    const headers = { "CF-Connecting-IP": `198.51.100.${Math.floor(Math.random() * 250)}`, Upgrade: "websocket" };
    const room = uniqueRoom();
    const started = Date.now();
    let admitted = 0;
    let refused: Response | undefined;
    while (!refused && admitted < 80) {
      const res = await call(`/ws?room=${room}&nick=n${admitted}`, { headers });
      if (res.status !== 101) {
        refused = res;
        break;
      }
      admitted++;
      res.webSocket!.accept();
      res.webSocket!.close(1000);
    }
    // The bucket refills one connection a second while the loop runs.
    const refilled = Math.ceil((Date.now() - started) / 1000);
    expect(admitted).toBeGreaterThanOrEqual(60);
    expect(admitted).toBeLessThanOrEqual(60 + refilled);
    expect(refused?.status).toBe(429);
    expect(((await refused!.json()) as { error: { code: string } }).error.code).toBe("too_many_connections");
  });
});

describe("liveness", () => {
  it("a text frame ping is answered pong by the room, on both paths", async () => {
    const room = uniqueRoom();
    const direct = await connect(`/ws?room=${room}&nick=p`, { json: true });
    await direct.event();
    direct.send("ping");
    expect(await direct.next()).toBe("pong");
    const inBand = await connect("/ws");
    inBand.send("ping");
    expect(await inBand.next()).toBe("pong");
  });
});
