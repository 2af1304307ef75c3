// A sharded room loses and doubles nothing: a member on a shard resumes by
// `since`, and a shard or the writer evicted mid-traffic keeps every member's
// stream whole and in order.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { uniqueRoom } from "../frames";
import { expectNothingFor, waitUntil } from "../wait";
import {
  assertHeardExactly,
  DELIVERY_MS,
  everyoneHears,
  fill,
  infoUntil,
  type Joined,
  join,
  messagesOf,
  pick,
  placement,
  SHARD_CAP,
  say,
  shard,
  storedMessages,
  writer,
} from "./room";

describe("resume by since on a shard", () => {
  it.each(["v1", "v2"] as const)("a %s member of shard 1 reconnects with since=5 and gets exactly what came after", async (format) => {
    const room = uniqueRoom("resume");
    const members = await fill(room, 2 * SHARD_CAP + 5, "m", (i) => (i === 15 ? format : "v1"));
    const [onWriter, onShard2] = pick(members, 3, 22);
    const away = members[15] as Joined;
    for (let i = 1; i <= 5; i++) say(onWriter, `before-${i}`);
    await waitUntil("shard 1's member heard 5", () => messagesOf(away).length === 5, DELIVERY_MS);
    away.c.close();
    await infoUntil(room, "it has left", (i) => i.members === 2 * SHARD_CAP + 4);
    for (let i = 1; i <= 7; i++) say(i % 2 ? onWriter : onShard2, `while-away-${i}`);
    await waitUntil("12 are stored", async () => (await storedMessages(room)).length === 12, DELIVERY_MS);

    const back = await join(room, { nick: away.nick }, format, { since: "5" });
    // The writer is still full: the resumed member is on a shard again.
    expect(await placement(room, 2)).toEqual([SHARD_CAP, SHARD_CAP, 5]);
    const stored = await storedMessages(room);
    expect(back.joined?.history).toEqual(stored.slice(5));
    expect(back.joined?.lastSeq).toBe(12);
    expect(back.joined?.more).toBeUndefined();
    say(onShard2, "after");
    await waitUntil("the resumed member heard seq 13 live", () => messagesOf(back).length >= 1, DELIVERY_MS);
    await expectNothingFor("the resumed member heard another message", () => messagesOf(back).length > 1, 300);
    expect(messagesOf(back).map((m) => m.seq)).toEqual([13]);
  });
});

describe("eviction mid-traffic", () => {
  it.each([
    ["shard 1", (room: string) => shard(room, 1)],
    ["shard 2", (room: string) => shard(room, 2)],
    ["the writer", (room: string) => writer(room)],
  ])("%s evicted between bursts from three objects: every member hears every message once, in seq order", async (_name, stubOf) => {
    const room = uniqueRoom("evict");
    const members = await fill(room, 3 * SHARD_CAP);
    const senders = pick(members, 0, 13, 26); // writer, shard 1, shard 2
    const per = 10;
    const burst = (tag: string) => {
      for (let i = 0; i < per; i++) for (const s of senders) say(s, `${s.nick}-${tag}${i}`);
    };
    burst("a");
    await evictDurableObject(stubOf(room)); // frames of the first burst still on their way
    burst("b");
    await everyoneHears(members, 2 * per * senders.length);
    // And once more, with the object woken from its eviction.
    await evictDurableObject(stubOf(room));
    burst("c");
    const total = 3 * per * senders.length;
    await everyoneHears(members, total);
    const stored = await storedMessages(room);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(stored.map((m) => m.id)).size).toBe(total);
    assertHeardExactly(members, stored);
  });

  it("the writer and a shard evicted together mid-burst: nothing lost, nothing doubled", async () => {
    const room = uniqueRoom("evict");
    const members = await fill(room, 3 * SHARD_CAP, "m", (i) => (i % 2 ? "v2" : "text"));
    const senders = pick(members, 1, 14, 27);
    for (let i = 0; i < 15; i++) for (const s of senders) say(s, `${s.nick}-${i}`);
    await Promise.all([evictDurableObject(writer(room)), evictDurableObject(shard(room, 1))]);
    for (let i = 15; i < 30; i++) for (const s of senders) say(s, `${s.nick}-${i}`);
    const total = 30 * senders.length;
    await everyoneHears(members, total);
    const stored = await storedMessages(room);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    assertHeardExactly(members, stored);
  });
});
