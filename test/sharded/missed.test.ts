// A shard that missed a batch (the writer gave up delivering it, or restarted
// with it unsent) fills the stored events it missed from the writer's history
// by seq, before what follows: its members lose nothing, in order.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Batch } from "../../src/server/shard/batch";
import type { RoomShard } from "../../src/server/shard/shard";
import type { TypingEvent } from "../../src/shared/events";
import { uniqueRoom } from "../frames";
import { expectNothingFor, waitUntil } from "../wait";
import {
  assertHeardExactly,
  DELIVERY_MS,
  eventsOf,
  everyoneHears,
  fill,
  type Joined,
  pick,
  SHARD_CAP,
  say,
  shard,
  storedMessages,
  toldCount,
  writer,
} from "./room";

/** The test's hold on a shard's side of delivery (a white-box patch of its feed; see patchFeed). */
interface Patched {
  feed: { apply: (batch: Batch) => Promise<void> };
  failed?: number;
  healed?: boolean;
}

/**
 * How a patched shard fails the writer's deliveries until healed: `refuse`
 * every batch unapplied, as a shard out of reach would; or apply each batch
 * and `lose the answer` to its first try, as when the call fails on its way
 * back, so the writer tries that batch again.
 */
type Failure = "refuse" | "lose the answer";

/**
 * Patches the live instance of shard `k` of `room` (so it must not be
 * evicted in between); `failed()` tells how many calls failed, `heal()`
 * ends it.
 */
async function patchFeed(room: string, k: number, failure: Failure): Promise<{ failed: () => Promise<number>; heal: () => Promise<void> }> {
  const stub = shard(room, k);
  await runInDurableObject(stub, (instance: RoomShard) => {
    const patched = instance as unknown as Patched;
    const apply = patched.feed.apply.bind(patched.feed);
    const tried = new Set<string>();
    patched.failed = 0;
    patched.healed = false;
    const fail = () => {
      patched.failed = (patched.failed ?? 0) + 1;
      throw new Error(`shard: ${failure} (a test's patch)`);
    };
    patched.feed.apply = async (batch) => {
      if (patched.healed) return apply(batch);
      if (failure === "refuse") return fail();
      await apply(batch);
      const id = `${batch.epoch}/${batch.n}`;
      if (tried.has(id)) return;
      tried.add(id);
      fail();
    };
  });
  return {
    failed: () => runInDurableObject(stub, (instance: RoomShard) => (instance as unknown as Patched).failed ?? 0),
    heal: () =>
      runInDurableObject(stub, (instance: RoomShard) => {
        (instance as unknown as Patched).healed = true;
      }),
  };
}

const typingOf = (m: Joined) => eventsOf(m.c).filter((e): e is TypingEvent => e.type === "typing");

/** A room of 25 (writer, shard 1, half of shard 2), v1 and text members, once every presence window has closed. */
async function settledRoom(): Promise<{ room: string; members: Joined[] }> {
  const room = uniqueRoom("missed");
  const members = await fill(room, 2 * SHARD_CAP + 5, "m", (i) => (i % 2 ? "text" : "v1"));
  const watchers = members.filter((m) => m.format === "v1");
  await waitUntil("every v1 member was told 25", () => watchers.every((m) => toldCount(m) === 25), DELIVERY_MS);
  return { room, members };
}

describe("a shard that missed a batch", () => {
  it("the writer gave up on it: the shard's members get the missed message from history, before the next one", async () => {
    const { room, members } = await settledRoom();
    const [onWriter, onShard2] = pick(members, 0, 20);
    const cut = await patchFeed(room, 1, "refuse");
    say(onWriter, "a", "while shard 1 was out of reach");
    // One try and three retries: then the writer drops the batch.
    await waitUntil("the writer gave up on shard 1", async () => (await cut.failed()) >= 4, DELIVERY_MS, undefined, 100);
    await cut.heal();
    say(onShard2, "b", "after");
    await everyoneHears(members, 2);
    assertHeardExactly(members, await storedMessages(room));
  });

  it("the writer restarted with it unsent: after the wake the shard's members get it from history, before the next one", async () => {
    const { room, members } = await settledRoom();
    const [onWriter, onShard2] = pick(members, 0, 20);
    const cut = await patchFeed(room, 1, "refuse");
    say(onWriter, "a", "before the writer restarted");
    await waitUntil("shard 1 refused the batch", async () => (await cut.failed()) >= 1, DELIVERY_MS);
    await evictDurableObject(writer(room));
    await cut.heal();
    say(onShard2, "b", "after the restart");
    await everyoneHears(members, 2);
    assertHeardExactly(members, await storedMessages(room));
  });

  it("a batch it applied but whose answer was lost is tried again, and applied once: no message or typing doubled", async () => {
    const { room, members } = await settledRoom();
    const [onWriter, onShard2] = pick(members, 0, 20);
    const lossy = await patchFeed(room, 1, "lose the answer");
    onWriter.c.send({ action: "typing" });
    say(onWriter, "a", "first");
    say(onShard2, "b", "second");
    await everyoneHears(members, 2);
    assertHeardExactly(members, await storedMessages(room));
    expect(await lossy.failed()).toBeGreaterThanOrEqual(2);
    await lossy.heal();
    const shard1 = members.slice(SHARD_CAP, 2 * SHARD_CAP).filter((m) => m.format === "v1");
    await expectNothingFor("a member of shard 1 was told of the typing twice", () => shard1.some((m) => typingOf(m).length > 1), 300);
    for (const m of shard1) expect(typingOf(m), m.nick).toHaveLength(1);
  });
});
