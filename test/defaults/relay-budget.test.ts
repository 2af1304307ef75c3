// Issue "Hardening III", class 1: an in-band connection's rate limit is one
// budget, whichever rooms it moves through and whatever it sends. Before the
// fix every in-band `join` opened an upstream with a fresh room bucket, so a
// join before each burst of 19 sends was never refused.
import { describe, expect, it } from "vitest";
import type { ErrorEvent, MessageEvent, ServerEvent } from "../../src/shared/events";
import { type Client, call, connect, member, uniqueRoom } from "../client";
import { isEvent } from "../events";

/** The room's stored messages, read over HTTP. */
async function stored(room: string): Promise<MessageEvent[]> {
  const res = await call(`/api/rooms/${encodeURIComponent(room)}/messages?limit=200`);
  return ((await res.json()) as { messages: MessageEvent[] }).messages;
}

/** Every frame a JSON client heard after its greeting, as events. */
const heard = (c: Client): ServerEvent[] => c.frames.slice(1).map((f) => JSON.parse(f) as ServerEvent);

/** A JSON client in `room` on either path, greeted. */
async function joined(path: "direct" | "in-band", room: string, nick: string): Promise<Client> {
  if (path === "direct") return (await member(room, nick)).c;
  const c = await connect("/ws", { json: true });
  c.send({ action: "join", msg: room, nick });
  expect(await c.event()).toMatchObject({ type: "joined", room });
  return c;
}

describe("an in-band connection has one rate limit", () => {
  it("a join before every burst does not refill it: the hopper is refused, then closed with 1008", async () => {
    const room = uniqueRoom("hop");
    const c = await connect("/ws");
    const started = Date.now();
    let sent = 0;
    // The attack: join the room again (history far ahead, so the greeting is small), then 19 sends.
    for (let round = 0; round < 10; round++) {
      c.send({ action: "join", msg: room, nick: "hopper", since: 1_000_000_000 });
      for (let i = 0; i < 19; i++) c.send({ action: "send_to_room", msg: `m${sent}`, id: `m${sent++}` });
    }
    expect((await c.closedWith()).code).toBe(1008);
    const elapsed = (Date.now() - started) / 1000;
    expect(c.frames).toContain("error: too many messages; closing this connection");
    // A burst of 20 (the first join took one), and what refilled at 5 a second.
    expect((await stored(room)).length).toBeLessThanOrEqual(19 + Math.ceil(elapsed * 5));
  });

  it("moving to another room keeps what was spent in the first", async () => {
    const [a, b] = [uniqueRoom("a"), uniqueRoom("b")];
    const c = await joined("in-band", a, "mover");
    for (let i = 0; i < 15; i++) c.send({ action: "send_to_room", msg: `a${i}`, id: `a${i}` });
    c.send({ action: "join", msg: b, nick: "mover" });
    for (let i = 0; i < 15; i++) c.send({ action: "send_to_room", msg: `b${i}`, id: `b${i}` });
    // 20 tokens: the join into a, 15 sends, the join into b, and 3 sends in b; the rest are refused.
    await c.until((e) => e.type === "error" && e.ref === "b14");
    const refused = heard(c).filter(isEvent("error"));
    expect(refused.length).toBeGreaterThanOrEqual(10);
    expect(refused.every((e) => e.code === "rate_limited" && e.ref?.startsWith("b"))).toBe(true);
  });

  it("the greeting comes before the refusals of the frames sent after the join, as on a direct socket", async () => {
    const room = uniqueRoom();
    const c = await connect("/ws");
    c.send({ action: "join", msg: room, nick: "quick" });
    for (let i = 0; i < 25; i++) c.send({ action: "send_to_room", msg: `m${i}`, nick: "quick" });
    expect(await c.next()).toBe(`quick join room ${room} success .`);
    const rest: string[] = [];
    for (let i = 0; i < 25; i++) rest.push(await c.next());
    expect(rest.filter((l) => l.startsWith("error: slow down")).length).toBeGreaterThanOrEqual(5);
  });

  it("frames sent in no room spend the same budget", async () => {
    const c = await connect("/ws", { json: true });
    for (let i = 0; i < 25; i++) c.send({ action: "send_to_room", msg: "anyone?", id: `n${i}` });
    c.send({ action: "join", msg: uniqueRoom(), nick: "late" });
    const answers: ServerEvent[] = [];
    for (let i = 0; i < 26; i++) answers.push(await c.event());
    expect(answers.filter((e) => e.type === "error" && e.code === "not_in_room").length).toBeLessThanOrEqual(21);
    // The join came after the burst was spent: refused too, and no room was entered.
    expect(answers.at(-1)).toMatchObject({ type: "error", code: "rate_limited" });
  });
});

describe.each(["direct", "in-band"] as const)("over the limit on the %s path", (path) => {
  it("a frame past the burst is answered rate_limited, naming its id; nothing of it is stored", async () => {
    const room = uniqueRoom();
    const c = await joined(path, room, "eager");
    for (let i = 0; i < 22; i++) c.send({ action: "send_to_room", msg: `m${i}`, id: `m${i}` });
    const first = (await c.until(isEvent("error"))) as ErrorEvent;
    expect(first.ref).toMatch(/^m\d+$/);
    expect(first).toEqual({ type: "error", code: "rate_limited", message: "slow down: at most 5 messages a second", ref: first.ref });
    await c.until((e) => (e.type === "error" || e.type === "message") && (e.type === "error" ? e.ref : e.id) === "m21");
    expect((await stored(room)).map((m) => m.id)).not.toContain(first.ref);
  });

  it("a flooder hears the flooding error naming its frame, then 1008", async () => {
    const c = await joined(path, uniqueRoom(), "flood");
    for (let i = 0; i < 80; i++) c.send({ action: "send_to_room", msg: `m${i}`, id: `m${i}` });
    expect((await c.closedWith()).code).toBe(1008);
    const last = heard(c).at(-1) as ErrorEvent;
    expect(last).toEqual({ type: "error", code: "rate_limited", message: "too many messages; closing this connection", ref: last.ref });
    expect(last.ref).toMatch(/^m\d+$/);
  });
});
