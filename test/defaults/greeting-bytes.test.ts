// Issue "Hardening III", class 7: a greeting the client asks for again is
// charged by the bytes that go on the wire (UTF-8), not by its JavaScript
// length. Before the fix an emoji (4 bytes, 2 UTF-16 units) cost half.
import { describe, expect, it } from "vitest";
import type { JoinedEvent, ServerEvent } from "../../src/shared/events";
import { REPLY_BYTES_PER_TOKEN } from "../../src/shared/limits";
import { type Client, call, connect, member, uniqueRoom } from "../client";

/** 14 messages of 3,000 emoji each: about 170 kB of greeting in UTF-8, about 86,000 UTF-16 units. */
async function emojiRoom(): Promise<string> {
  const room = uniqueRoom("emoji");
  for (let i = 0; i < 14; i++) {
    // Each post from an address of its own (call's default): posts are limited per address.
    const res = await call(`/api/rooms/${room}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ nick: "poet", text: "🙂".repeat(3000) }),
    });
    expect(res.status).toBe(201);
  }
  return room;
}

/** Sends `n` `members` requests at once; returns how many were answered (the rest are refused). */
async function answeredOf(c: Client, n: number): Promise<number> {
  for (let i = 0; i < n; i++) c.send({ action: "members" });
  let answered = 0;
  for (let i = 0; i < n; i++) if (((await c.event()) as ServerEvent).type === "members") answered++;
  return answered;
}

describe.each(["direct", "in-band"] as const)("a greeting asked for again, on the %s path", (path) => {
  it("costs one token per 16 KiB of UTF-8: what an emoji history pulls is charged in full", async () => {
    const room = await emojiRoom();
    let c: Client;
    if (path === "direct") c = (await member(room, "greedy")).c;
    else c = await connect("/ws", { json: true });
    // Direct: joining the room it is in repeats the greeting. In-band: every join is greeted.
    c.send({ action: "join", msg: room, nick: "greedy", since: 0 });
    const greeting = (await c.event()) as JoinedEvent;
    expect(greeting.history).toHaveLength(14);
    const wire = JSON.stringify(greeting);
    const bytes = new TextEncoder().encode(wire).byteLength;
    const cost = Math.floor(bytes / REPLY_BYTES_PER_TOKEN);
    expect(cost).toBeGreaterThan(Math.floor(wire.length / REPLY_BYTES_PER_TOKEN) + 3);
    // Of the burst of 20: one for the join, `cost` for the greeting; the rest (and a token of refill at most) answer.
    const answered = await answeredOf(c, 20);
    expect(answered).toBeGreaterThanOrEqual(20 - 1 - cost);
    expect(answered).toBeLessThanOrEqual(20 - 1 - cost + 1);
  });
});
