import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { History } from "./history";

const alice = { id: "a", nick: "alice" };

/** Runs `fn` against a fresh room's SQLite storage. */
function withStorage<T>(fn: (sql: SqlStorage) => T): Promise<T> {
  const stub = env.ROOMS.getByName(`history-${crypto.randomUUID()}`);
  return runInDurableObject(stub, (_room, state) => fn(state.storage.sql));
}

describe("History", () => {
  it("numbers messages 1, 2, 3 and pages them in order", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 100);
      for (const t of ["a", "b", "c"]) h.append(alice, t, undefined, 1);
      expect(h.lastSeq).toBe(3);
      expect(h.after(1, 10).map((m) => m.text)).toEqual(["b", "c"]);
      expect(h.recent(2).map((m) => m.seq)).toEqual([2, 3]);
    });
  });

  it("stores an id once and returns the original for a repeat", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 100);
      const first = h.append(alice, "one", "same", 1);
      const again = h.append(alice, "two", "same", 2);
      expect(first.created).toBe(true);
      expect(again).toEqual({ message: first.message, created: false });
      expect(h.lastSeq).toBe(1);
    });
  });

  it("keeps at most `keep` messages, pruning the oldest", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 10);
      for (let i = 1; i <= 200; i++) h.append(alice, `m${i}`, undefined, i);
      const kept = h.after(0, 1000).map((m) => m.seq);
      // Pruning runs every 64 messages, so between keep and keep + 63 remain.
      expect(kept.length).toBeGreaterThanOrEqual(10);
      expect(kept.length).toBeLessThan(10 + 64);
      expect(kept.at(-1)).toBe(200);
    });
  });

  it("recovers lastSeq from storage when the room wakes", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 100);
      h.append(alice, "x", undefined, 1);
      h.append(alice, "y", undefined, 1);
      expect(new History(sql, "r", 100).lastSeq).toBe(2);
    });
  });
});
