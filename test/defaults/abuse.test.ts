// What an outside attacker tried against the shipped limits (the
// "Hardening II" issue): each test here failed before its fix.
import { describe, expect, it } from "vitest";
import type { ServerEvent } from "../../src/shared/events";
import { MAX_FRAME_BYTES } from "../../src/shared/limits";
import { call, connect, uniqueRoom } from "../client";
import { isEvent } from "../events";

const json = (body: unknown) => ({ "Content-Type": "application/json", body: JSON.stringify(body) });
function post(room: string, body: unknown, address: string): Promise<Response> {
  const { body: text, ...headers } = json(body);
  return call(`/api/rooms/${encodeURIComponent(room)}/messages`, {
    method: "POST",
    headers: { ...headers, "CF-Connecting-IP": address },
    body: text,
  });
}

describe("abuse at the default limits", () => {
  it("HTTP posts from one address: a burst of 20, then 429 with Retry-After, nothing more stored", async () => {
    const room = uniqueRoom();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 30; i++) {
      const res = await post(room, { nick: "bot", text: `m${i}`, id: `m${i}` }, "2001:db8::f1");
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter ??= res.headers.get("Retry-After");
        expect(await res.json()).toMatchObject({ error: { code: "too_many_requests" } });
      }
    }
    const created = statuses.filter((s) => s === 201).length;
    expect(created).toBeGreaterThanOrEqual(20);
    expect(created).toBeLessThan(25); // the burst, and what refilled at 5 a second meanwhile
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    const info = (await (await call(`/api/rooms/${room}`)).json()) as { lastSeq: number };
    expect(info.lastSeq).toBe(created);
    // Another address is not held back.
    expect((await post(room, { nick: "other", text: "hi" }, "2001:db8::f2")).status).toBe(201);
  });

  it("a body over 16 KiB is refused with 413 before it is read", async () => {
    const room = uniqueRoom();
    const huge = "x".repeat(20 * 1024 * 1024);
    const res = await post(room, { nick: "bot", text: huge }, "2001:db8::f3");
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "body_too_large" } });
  });

  it("a streamed body without a length is cut off at 16 KiB with 413", async () => {
    const room = uniqueRoom();
    const chunk = new TextEncoder().encode("x".repeat(4096));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 1024)
          controller.close(); // 4 MiB at the most
        else controller.enqueue(chunk);
        sent++;
      },
    });
    const res = await call(`/api/rooms/${room}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "CF-Connecting-IP": "2001:db8::f4" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(sent * chunk.byteLength).toBeLessThan(1024 * 4096); // the reader stopped early
    expect(MAX_FRAME_BYTES).toBe(16 * 1024);
  });

  it("a steady flood just over the limit is closed with 1008, and its refusals are bounded", async () => {
    const c = await connect(`/ws?room=${uniqueRoom()}&nick=steady`, { json: true });
    await c.event();
    const started = Date.now();
    let sent = 0;
    // About 90 frames a second against 5 a second.
    const timer = setInterval(() => {
      for (let i = 0; i < 9; i++) c.send({ action: "send_to_room", msg: `m${sent}`, id: `m${sent++}` });
    }, 100);
    try {
      expect((await c.closedWith(5_000)).code).toBe(1008);
    } finally {
      clearInterval(timer);
    }
    expect(Date.now() - started).toBeLessThan(5_000);
    const events = c.frames.slice(1).map((f) => JSON.parse(f) as ServerEvent);
    expect(events.filter(isEvent("error")).length).toBeLessThanOrEqual(2 * 20 + 1);
  });

  it("a repeated join with since 0 is charged by the size of its greeting: the bytes it can pull are bounded", async () => {
    const room = uniqueRoom();
    // 200 messages of ~200 bytes, from 200 addresses (a post is limited per address).
    for (let i = 0; i < 200; i++) await post(room, { nick: "filler", text: `${i} ${"y".repeat(180)}` }, `2001:db8::1:${i.toString(16)}`);
    const c = await connect(`/ws?room=${room}&nick=greedy`, { json: true });
    await c.event();
    for (let i = 0; i < 200; i++) c.send({ action: "join", msg: room, nick: "greedy", since: 0 });
    await c.closedWith(10_000);
    const bytes = c.frames.reduce((n, f) => n + f.length, 0);
    const greetings = c.frames.filter((f) => f.startsWith('{"type":"joined"')).length;
    // Unbounded, 200 greetings of ~50 KiB each would be ~10 MiB.
    expect(greetings).toBeLessThan(20);
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
  });

  it("typing frames count against the rate limit like any other", async () => {
    const c = await connect(`/ws?room=${uniqueRoom()}&nick=typist`, { json: true });
    await c.event();
    for (let i = 0; i < 25; i++) c.send({ action: "typing" });
    expect(await c.until(isEvent("error"))).toMatchObject({ code: "rate_limited" });
  });
});
