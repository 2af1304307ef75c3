// Counts and the member list of a sharded room after members come and go on
// several objects: the sum and merge of the shards, exact, each member once.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CloseCode } from "../../src/shared/codes";
import type { PresentMember } from "../../src/shared/events";
import { isEvent } from "../events";
import { uniqueRoom } from "../frames";
import { waitUntil } from "../wait";
import {
  DELIVERY_MS,
  eventsOf,
  fill,
  info,
  infoUntil,
  type Joined,
  join,
  membersOverHttp,
  membersOverSocket,
  pick,
  placement,
  SHARD_CAP,
  socketsOn,
  toldCount,
  writer,
} from "./room";

const nicks = (list: PresentMember[]) => list.map((m) => m.nick).sort();

/** A list paged `limit` at a time holds each member once, in id order, and every page told the same count. */
function expectWholeList(paged: { counts: number[]; members: PresentMember[] }, want: string[]): void {
  const ids = paged.members.map((m) => m.id);
  expect(new Set(ids).size, "a member listed twice").toBe(ids.length);
  expect(ids).toEqual([...ids].sort());
  expect(nicks(paged.members)).toEqual([...want].sort());
  expect(new Set(paged.counts)).toEqual(new Set([want.length]));
}

describe("after churn on several shards", () => {
  it("the count over HTTP, the member list on both paths and every watcher's presence count are exact", async () => {
    const room = uniqueRoom("churn");
    const members = await fill(room, 5 * SHARD_CAP, "m", (i) => (i % 2 ? "v2" : "v1"));
    // Leavers from the writer and three shards; newcomers wherever the room puts them.
    const leaving = new Set([3, 7, 12, 18, 31, 44, 46]);
    for (const i of leaving) members[i]?.c.close();
    // All gone before anyone comes, so every count from here on rises to 48 and none passes it on the way.
    await infoUntil(room, "the room counts 43", (i) => i.members === 43);
    const newcomers = [];
    for (let i = 0; i < 5; i++) newcomers.push(await join(room, { nick: `n${i}` }, i % 2 ? "v1" : "v2"));
    const staying = [...members.filter((_, i) => !leaving.has(i)), ...newcomers];
    const want = staying.map((m) => m.nick);
    expect(want).toHaveLength(48);

    await infoUntil(room, "the room counts 48", (i) => i.members === 48);
    // Watchers on the writer, on shards 1 and 4, and a newcomer: presence converges to the exact count.
    const watchers = [...pick(members, 0, 15, 41), ...pick(newcomers, 0)];
    await waitUntil(
      "every watcher was told 48",
      () => watchers.every((w) => toldCount(w) === 48),
      DELIVERY_MS,
      () => watchers.map((w) => `${w.nick}: ${toldCount(w)}`).join(", "),
    );
    expectWholeList(await membersOverHttp(room, 7), want);
    expectWholeList(await membersOverSocket(members[25] as Joined, 9), want);
    expectWholeList(await membersOverSocket(newcomers[1] as Joined, 100), want);
  });

  it("a shard whose members all leave is dropped, and once every shard is empty joins land on the writer again", async () => {
    const room = uniqueRoom("churn");
    const members = await fill(room, 2 * SHARD_CAP, "m", () => "v1");
    expect(await info(room)).toMatchObject({ members: 2 * SHARD_CAP, shards: 2 });
    for (const m of members.slice(SHARD_CAP)) m.c.close();
    members[0]?.c.close();
    members[1]?.c.close();
    await infoUntil(room, "shard 1 emptied and two left the writer", (i) => i.members === SHARD_CAP - 2 && i.shards === 1);
    await waitUntil(
      "the writer holds the sockets of its 8 members",
      async () => (await socketsOn(writer(room))) === SHARD_CAP - 2,
      DELIVERY_MS,
    );

    const back = [await join(room, { nick: "w1" }, "v1"), await join(room, { nick: "w2" }, "v2")];
    expect(await placement(room, 1)).toEqual([SHARD_CAP, 0]);
    expect(await info(room)).toMatchObject({ members: SHARD_CAP, shards: 1 });
    // Past the cap again: the next one is a shard's.
    back.push(await join(room, { nick: "s1" }, "v1"));
    expect(await info(room)).toMatchObject({ members: SHARD_CAP + 1, shards: 2 });
    expect(await placement(room, 1)).toEqual([SHARD_CAP, 1]);
    const watcher = back[0] as Joined;
    await waitUntil("the writer's member was told 11", () => toldCount(watcher) === SHARD_CAP + 1, DELIVERY_MS);
  });

  it("a member of a shard that leaves while the writer is evicted is counted gone and announced", async () => {
    const room = uniqueRoom("churn");
    const members = await fill(room, 2 * SHARD_CAP + 5, "m", () => "v1");
    const watchers = pick(members, 0, 21);
    await waitUntil("the watchers were told 25", () => watchers.every((w) => toldCount(w) === 25), DELIVERY_MS);
    await evictDurableObject(writer(room));
    const goer = members[15] as Joined;
    goer.c.close();
    await infoUntil(room, "the room counts 24", (i) => i.members === 24);
    for (const w of watchers) {
      await waitUntil(
        `${w.nick} was told 24`,
        () => toldCount(w) === 24,
        DELIVERY_MS,
        () => JSON.stringify(w.c.frames.slice(-2)),
      );
      const leave = eventsOf(w.c)
        .filter((e) => e.type === "presence")
        .at(-1);
      expect(leave, w.nick).toMatchObject({ event: "leave", member: { nick: goer.nick }, count: 24 });
    }
  });

  it("a member of a shard that sends leave is told left, closed normally, counted gone and announced", async () => {
    const room = uniqueRoom("churn");
    const members = await fill(room, 2 * SHARD_CAP + 5, "m", () => "v1");
    const [watcher, leaver] = pick(members, 3, 22);
    await waitUntil("the watcher was told 25", () => toldCount(watcher) === 25, DELIVERY_MS);
    leaver.c.send({ action: "leave" });
    expect(await leaver.c.until(isEvent("left"))).toEqual({ type: "left", room });
    expect((await leaver.c.closedWith()).code).toBe(CloseCode.NORMAL);
    await waitUntil("the watcher was told 24", () => toldCount(watcher) === 24, DELIVERY_MS);
    expect(
      eventsOf(watcher.c)
        .filter((e) => e.type === "presence")
        .at(-1),
    ).toMatchObject({ event: "leave", member: { nick: leaver.nick } });
    expect((await info(room)).members).toBe(24);
  });

  it("after the writer's eviction, the count, the shards and the member list are what they were", async () => {
    const room = uniqueRoom("churn");
    const members = await fill(room, 3 * SHARD_CAP + 4, "m", (i) => (i % 3 === 2 ? "text" : "v1"));
    const before = { info: await info(room), list: await membersOverHttp(room, 100) };
    expect(before.info).toMatchObject({ members: 34, shards: 4 });
    await evictDurableObject(writer(room));
    expect(await info(room)).toEqual(before.info);
    expectWholeList(await membersOverHttp(room, 6), nicks(before.list.members));
    expectWholeList(await membersOverSocket(members[31] as Joined, 8), nicks(before.list.members));
  });
});
