// What a member that lands on a shard is told when it joins (the whole
// room's count, members and history), and typing between objects.
import { describe, expect, it } from "vitest";
import type { TypingEvent } from "../../src/shared/events";
import { uniqueRoom } from "../frames";
import { expectNothingFor, waitUntil } from "../wait";
import {
  DELIVERY_MS,
  eventsOf,
  everyoneHears,
  fill,
  type Joined,
  join,
  pick,
  placement,
  SHARD_CAP,
  say,
  storedMessages,
  toldCount,
} from "./room";

const typingOf = (m: Joined) => eventsOf(m.c).filter((e): e is TypingEvent => e.type === "typing");

describe("joining onto a shard", () => {
  it.each(["v1", "v2"] as const)(
    "a %s member is greeted with the whole room: exact count, members of every object, the recent history",
    async (format) => {
      const room = uniqueRoom("greet");
      const members = await fill(room, 2 * SHARD_CAP + 4, "m", () => "v1");
      const [onWriter, onShard] = pick(members, 2, 17);
      say(onWriter, "g1", "from the writer");
      say(onShard, "g2", "from shard one");
      await everyoneHears(members, 2);
      const late = await join(room, { nick: "late" }, format);
      expect(await placement(room, 2)).toEqual([SHARD_CAP, SHARD_CAP, 5]);
      expect(late.joined?.count).toBe(2 * SHARD_CAP + 5);
      expect(late.joined?.members.map((m) => m.nick).sort()).toEqual([...members.map((m) => m.nick), "late"].sort());
      expect(late.joined?.history).toEqual(await storedMessages(room));
      expect(late.joined?.lastSeq).toBe(2);
    },
  );
});

describe("typing across objects", () => {
  it("a member on shard 2 types: members on the writer and on shard 1 are told, the typist is not", async () => {
    const room = uniqueRoom("typing");
    const members = await fill(room, 2 * SHARD_CAP + 3, "m", (i) => (i % 2 ? "v2" : "v1"));
    const [typist, onWriter, onShard1, nextToTypist] = pick(members, 21, 0, 13, 22);
    typist.c.send({ action: "typing" });
    for (const m of [onWriter, onShard1, nextToTypist])
      await waitUntil(
        `${m.nick} was told`,
        () => typingOf(m).length === 1,
        DELIVERY_MS,
        () => JSON.stringify(m.c.frames.slice(-3)),
      );
    expect(typingOf(onShard1)[0]).toMatchObject({ room, member: { nick: typist.nick } });
    await expectNothingFor("the typist was told of itself", () => typingOf(typist).length > 0, 300);
  });
});

describe("presence for parley.v1 members on shards", () => {
  it("one event per change, never about itself or about whoever was there before it came", async () => {
    const room = uniqueRoom("presence");
    const members = await fill(room, SHARD_CAP + 2, "m", () => "v1");
    const first = members[0] as Joined;
    await waitUntil("m00 was told 12", () => toldCount(first) === SHARD_CAP + 2, DELIVERY_MS);
    const heardOf = (m: Joined) => eventsOf(m.c).flatMap((e) => (e.type === "presence" ? [`${e.event} ${e.member.nick}`] : []));
    const earlier = [first, members[11] as Joined];
    const before = earlier.map((m) => heardOf(m).length);
    // Three newcomers on shard 1, likely within one presence window.
    const [x, y, z] = [await join(room, { nick: "x" }, "v1"), await join(room, { nick: "y" }, "v1"), await join(room, { nick: "z" }, "v1")];
    const watchers = [...earlier, x, y, z];
    await waitUntil("every watcher was told 15", () => watchers.every((w) => toldCount(w) === SHARD_CAP + 5), DELIVERY_MS);
    await expectNothingFor("a watcher was told more", () => watchers.some((w) => toldCount(w) !== SHARD_CAP + 5), 300);
    for (const [i, m] of earlier.entries()) expect(heardOf(m).slice(before[i]), m.nick).toEqual(["join x", "join y", "join z"]);
    expect(heardOf(x)).toEqual(["join y", "join z"]);
    expect(heardOf(y)).toEqual(["join z"]);
    expect(heardOf(z)).toEqual([]);
  });
});
