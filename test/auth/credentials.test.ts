// Guessing credentials: every credential check, on every route that makes one,
// spends from its address's budget of failures (CREDENTIAL_FAILURES_PER_MINUTE),
// then answers 429; and a token the parse refuses is a bad token like any other.
import { afterEach, describe, expect, it, vi } from "vitest";
import { CREDENTIAL_FAILURES_PER_MINUTE } from "../../src/server/http/guards";
import type { ErrorEvent } from "../../src/shared/events";
import { call, connect, uniqueRoom } from "../client";
import { isEvent } from "../events";
import { waitUntil } from "../wait";
import { API_KEY, token } from "./tokens";

let addresses = 0;
/** An address no other test uses: each test spends a budget of its own. */
const freshAddress = () => `2001:db8:c0de::${(++addresses).toString(16)}`;

const mint = (ip: string, key: string) =>
  call("/api/tokens", {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json", "CF-Connecting-IP": ip },
    body: JSON.stringify({ sub: "u-1", name: "One", room: "r" }),
  });

/** Spends `ip`'s whole budget with wrong API keys, each answered 401. */
async function spend(ip: string): Promise<void> {
  for (let i = 0; i < CREDENTIAL_FAILURES_PER_MINUTE; i++) expect((await mint(ip, `wrong-key-${i}`)).status).toBe(401);
}

describe("failed credentials per address", () => {
  it("answers wrong API keys 401 up to the budget, then 429 with Retry-After", async () => {
    const ip = freshAddress();
    await spend(ip);
    const refused = await mint(ip, "wrong-key-again");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("too_many_requests");
  });

  it("refuses the right key too once the budget is spent, so guessing on tells nothing", async () => {
    const ip = freshAddress();
    await spend(ip);
    expect((await mint(ip, API_KEY)).status).toBe(429);
  });

  it("spends nothing on a right key", async () => {
    const ip = freshAddress();
    for (let i = 0; i < CREDENTIAL_FAILURES_PER_MINUTE * 2; i++) expect((await mint(ip, API_KEY)).status).toBe(201);
  });

  it("leaves other addresses alone", async () => {
    await spend(freshAddress());
    expect((await mint(freshAddress(), "wrong-key")).status).toBe(401);
  });

  it("counts a bad token on an HTTP read in the same budget", async () => {
    const ip = freshAddress();
    const room = uniqueRoom("private-c");
    const read = () => call(`/api/rooms/${room}/messages`, { headers: { Authorization: "Bearer not.a-token", "CF-Connecting-IP": ip } });
    for (let i = 0; i < CREDENTIAL_FAILURES_PER_MINUTE; i++) expect((await read()).status).toBe(401);
    expect((await read()).status).toBe(429);
    expect((await mint(ip, API_KEY)).status).toBe(429);
  });

  it("counts a bad token on a direct socket in the same budget", async () => {
    const ip = freshAddress();
    const room = uniqueRoom("private-c");
    const open = () => call(`/ws?room=${room}&token=not.a-token`, { headers: { Upgrade: "websocket", "CF-Connecting-IP": ip } });
    for (let i = 0; i < CREDENTIAL_FAILURES_PER_MINUTE; i++) expect((await open()).status).toBe(401);
    const refused = await open();
    expect(refused.status).toBe(429);
    expect(refused.webSocket).toBeNull();
  });

  it("does not count a socket or request without a credential", async () => {
    const ip = freshAddress();
    const room = uniqueRoom("private-c");
    for (let i = 0; i <= CREDENTIAL_FAILURES_PER_MINUTE; i++) {
      const res = await call(`/ws?room=${room}&nick=n`, { headers: { Upgrade: "websocket", "CF-Connecting-IP": ip } });
      expect(res.status).toBe(401);
    }
    expect((await mint(ip, API_KEY)).status).toBe(201);
  });
});

describe("a token too long to be ours", () => {
  const long = "x".repeat(4097);

  it("is refused on a direct socket with HTTP 401 before any upgrade", async () => {
    const res = await call(`/ws?room=${uniqueRoom()}&token=${long}`, { headers: { Upgrade: "websocket" } });
    expect(res.status).toBe(401);
    expect(res.webSocket).toBeNull();
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthenticated");
  });

  it("is refused on the in-band join with an error, the connection staying open", async () => {
    const c = await connect("/ws", { json: true });
    c.send({ action: "join", msg: uniqueRoom(), token: long });
    expect(((await c.event()) as ErrorEvent).code).toBe("unauthenticated");
    c.send({ action: "join", msg: uniqueRoom(), nick: "n" });
    expect(await c.event()).toMatchObject({ type: "joined" });
  });

  it("is refused over HTTP with 401", async () => {
    const res = await call(`/api/rooms/${uniqueRoom()}/messages`, { headers: { Authorization: `Bearer ${long}` } });
    expect(res.status).toBe(401);
  });
});

describe("logs", () => {
  afterEach(() => vi.restoreAllMocks());

  it("never carry a token member's sub as it is", async () => {
    const lines: string[] = [];
    for (const level of ["log", "error", "warn", "info"] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    }
    const sub = "alice@example.com";
    const room = uniqueRoom("private-l");
    const c = await connect(`/ws?room=${room}&token=${await token({ sub, name: "Alice", room })}`, { json: true });
    await c.until(isEvent("joined"));
    const presence = (what: string) => lines.some((l) => l.includes('"presence"') && l.includes(room) && l.includes(what));
    // Its arrival logged in a window of its own, so that its departure is logged with its id.
    await waitUntil("the room logs who came", () => presence('"joined":1'), 5_000);
    // A refusal names the connection, the presence line the member.
    c.send({ action: "nonsense" });
    await c.until(isEvent("error"));
    c.close();
    await waitUntil(
      "the room logs who left",
      () => presence('"left":1'),
      5_000,
      () => lines.join("\n"),
    );
    const carried = lines.filter((l) => l.includes('"presence"') || l.includes('"refusal"'));
    expect(carried.length).toBeGreaterThan(1);
    for (const line of lines) expect(line).not.toContain(sub);
  });
});
