// A room past one object: members of every format spread over the writer and
// its shards, every message to every member once, in seq order; two sharded
// rooms side by side; the relay's in-band join onto a shard.
import { describe, expect, it } from "vitest";
import type { MessageEvent } from "../../src/shared/events";
import { inBandMember } from "../client";
import { uniqueRoom } from "../frames";
import { waitUntil } from "../wait";
import {
  assertHeardExactly,
  DELIVERY_MS,
  everyoneHears,
  fill,
  info,
  type Joined,
  join,
  messagesOf,
  pick,
  placement,
  SHARD_CAP,
  say,
  storedMessages,
} from "./room";

/** Each sender sends `per` messages, the senders taking turns, without waiting for any echo. */
function burst(senders: Joined[], per: number, tag = "b"): void {
  for (let i = 0; i < per; i++) for (const s of senders) say(s, `${s.nick}-${tag}${i}`);
}

describe("a room of 50 over five objects", () => {
  it("fills the writer, then each shard up to the cap, lowest first", async () => {
    const room = uniqueRoom("wide");
    await fill(room, 5 * SHARD_CAP);
    const now = await info(room);
    expect(now).toMatchObject({ members: 5 * SHARD_CAP, shards: 5 });
    expect(await placement(room, 4)).toEqual([SHARD_CAP, SHARD_CAP, SHARD_CAP, SHARD_CAP, SHARD_CAP]);
  });

  it("v1, v2 and text members on every object hear every message once, in seq order, from senders on four objects", async () => {
    const room = uniqueRoom("wide");
    const members = await fill(room, 5 * SHARD_CAP);
    expect((await info(room)).shards).toBeGreaterThanOrEqual(5);
    // One sender on each of four objects, of each format: the writer's member 0, shard 1's 13, shard 2's 26, shard 4's 48.
    const senders = [0, 13, 26, 48].map((i) => members[i] as Joined);
    expect(senders.map((s) => s.format)).toEqual(["v1", "v2", "text", "v1"]);
    const per = 10;
    burst(senders, per);
    const total = senders.length * per;
    await everyoneHears(members, total);
    const stored = await storedMessages(room);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(stored.map((m) => m.id)).size).toBe(total);
    assertHeardExactly(members, stored);
    // And each JSON member heard the same events the room stored, not only the same seqs.
    for (const m of members.filter((m) => m.format !== "text")) expect(messagesOf(m), m.nick).toEqual(stored);
  });

  it("a text member on a shard sends, and every member hears it as its own format shows it", async () => {
    const room = uniqueRoom("wide");
    const members = await fill(room, 3 * SHARD_CAP);
    const texter = members[SHARD_CAP + 4] as Joined; // shard 1, a text member
    expect(texter.format).toBe("text");
    texter.c.send({ action: "send_to_room", msg: "plain words", nick: texter.nick });
    await everyoneHears(members, 1);
    const [stored] = await storedMessages(room);
    expect(stored).toMatchObject({ seq: 1, text: "plain words", from: { nick: texter.nick } });
    assertHeardExactly(members, [stored as MessageEvent]);
  });
});

describe("joining while messages flow", () => {
  it("members that land on shards mid-burst get the history up to their greeting and every later message live, once", async () => {
    const room = uniqueRoom("flow");
    const members = await fill(room, SHARD_CAP + 2, "m", () => "v1");
    const senders = pick(members, 0, 11); // the writer's, shard 1's
    const comers: Joined[] = [];
    let sent = 0;
    for (let i = 0; i < 15; i++) {
      for (const s of senders) say(s, `${s.nick}-${sent++}`);
      comers.push(await join(room, { nick: `c${String(i).padStart(2, "0")}` }, i % 2 ? "v2" : "v1"));
    }
    for (const s of senders) say(s, `${s.nick}-${sent++}`);
    expect((await info(room)).shards).toBe(3);
    await everyoneHears(members, sent);
    const stored = await storedMessages(room);
    for (const c of comers) {
      const lastSeq = c.joined?.lastSeq ?? -1;
      const live = messagesOf(c).map((m) => m.seq);
      const seen = [...(c.joined?.history ?? []).map((e) => e.seq), ...live];
      // The greeting ends at lastSeq; what came after arrives live, each once, in order.
      expect(c.joined?.history.at(-1)?.seq ?? 0, c.nick).toBe(lastSeq);
      expect(live, c.nick).toEqual(stored.filter((m) => m.seq > lastSeq).map((m) => m.seq));
      expect(seen, c.nick).toEqual(stored.map((m) => m.seq).slice(-seen.length));
    }
  });
});

describe("two sharded rooms at once", () => {
  it("each room's members hear that room's messages exactly, and nothing of the other", async () => {
    const [a, b] = [uniqueRoom("twin-a"), uniqueRoom("twin-b")];
    const inA: Joined[] = [];
    const inB: Joined[] = [];
    // Joins interleaved, so both rooms grow shards at the same time.
    for (let i = 0; i < 3 * SHARD_CAP; i++) {
      inA.push(...(await fill(a, 1, `a${i}-`, () => (i % 2 ? "v2" : "v1"))));
      inB.push(...(await fill(b, 1, `b${i}-`, () => (i % 2 ? "v1" : "text"))));
    }
    expect((await info(a)).shards).toBe(3);
    expect((await info(b)).shards).toBe(3);
    const sendersA = pick(inA, 1, 15, 28);
    const sendersB = pick(inB, 0, 12, 25);
    expect(sendersB.map((s) => s.format)).toEqual(["text", "text", "v1"]);
    // Interleaved too: both rooms commit in the same moments.
    for (let i = 0; i < 8; i++) {
      burst(sendersA, 1, `x${i}`);
      burst(sendersB, 1, `x${i}`);
    }
    await everyoneHears(inA, 24);
    await everyoneHears(inB, 24);
    const [storedA, storedB] = [await storedMessages(a), await storedMessages(b)];
    expect(storedA.map((m) => m.from.nick).every((n) => n.startsWith("a"))).toBe(true);
    expect(storedB.map((m) => m.from.nick).every((n) => n.startsWith("b"))).toBe(true);
    assertHeardExactly(inA, storedA);
    assertHeardExactly(inB, storedB);
    for (const m of [...inA, ...inB].filter((m) => m.format !== "text")) {
      const rooms = new Set(messagesOf(m).map((e) => e.room));
      expect([...rooms], m.nick).toEqual([inA.includes(m) ? a : b]);
    }
  });
});

describe("in-band join onto a shard", () => {
  it("a text client that joins over /ws gets its success line, hears members of every object, and its messages reach all", async () => {
    const room = uniqueRoom("relay");
    const members = await fill(room, 2 * SHARD_CAP, "m", (i) => (i % 2 ? "v2" : "v1"));
    const seed = await inBandMember(room, "seed");
    // The writer and shard 1 are full: the seed is the first member of shard 2.
    const now = await info(room);
    expect(now).toMatchObject({ members: 2 * SHARD_CAP + 1, shards: 3 });
    expect(await placement(room, 2)).toEqual([SHARD_CAP, SHARD_CAP, 1]); // the relay's upstream socket

    const [onWriter, onShard] = pick(members, 4, SHARD_CAP + 7);
    say(onWriter, "w1", "from the writer");
    await waitUntil("the writer's message is stored", async () => (await storedMessages(room)).length === 1, DELIVERY_MS);
    say(onShard, "s1", "from shard one");
    expect(await seed.next()).toBe(`${onWriter.nick} : from the writer`);
    expect(await seed.next()).toBe(`${onShard.nick} : from shard one`);

    seed.send({ action: "send_to_room", msg: "hello, all", nick: "seed" });
    expect(await seed.next()).toBe("seed : hello, all");
    await everyoneHears(members, 3);
    const stored = await storedMessages(room);
    expect(stored.map((m) => `${m.seq} ${m.from.nick}: ${m.text}`)).toEqual([
      `1 ${onWriter.nick}: from the writer`,
      `2 ${onShard.nick}: from shard one`,
      "3 seed: hello, all",
    ]);
    assertHeardExactly(members, stored);
    await seed.quiet();
  });

  it("its leave is answered, the room counts it gone, and it can join again", async () => {
    const room = uniqueRoom("relay");
    const members = await fill(room, 2 * SHARD_CAP, "m", () => "v1");
    const seed = await inBandMember(room, "seed");
    seed.send({ action: "leave", msg: "", nick: "seed" });
    expect(await seed.next()).toBe(`seed leave room ${room} success .`);
    await waitUntil("the room counts the seed gone", async () => (await info(room)).members === 2 * SHARD_CAP, DELIVERY_MS);
    say(members[15] as Joined, "after-leave");
    await everyoneHears(members, 1);
    await seed.quiet();
    seed.send({ action: "join", msg: room, nick: "seed" });
    expect(await seed.next()).toBe(`seed join room ${room} success .`);
    say(members[15] as Joined, "after-rejoin", "welcome back");
    expect(await seed.next()).toBe(`${(members[15] as Joined).nick} : welcome back`);
  });
});
