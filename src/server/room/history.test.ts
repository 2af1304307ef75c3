import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { History, ID_WINDOW_MS } from "./history";

const alice = { id: "a", nick: "alice" };
const mallory = { id: "m", nick: "mallory" };

/** Runs `fn` against a fresh room's SQLite storage. */
function withStorage<T>(fn: (sql: SqlStorage) => T): Promise<T> {
  const stub = env.ROOMS.getByName(`history-${crypto.randomUUID()}`);
  return runInDurableObject(stub, (_room, state) => fn(state.storage.sql));
}

const tables = (sql: SqlStorage) =>
  sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
    .toArray()
    .map((r) => r.name);

describe("History", () => {
  it("numbers messages 1, 2, 3 and pages them in order", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 100);
      for (const t of ["a", "b", "c"]) h.append(alice, "s-a", t, undefined, 1);
      expect(h.lastSeq).toBe(3);
      expect(h.after(1, 10).map((m) => (m.type === "message" ? m.text : m.type))).toEqual(["b", "c"]);
      expect(h.recent(2).map((m) => m.seq)).toEqual([2, 3]);
    });
  });

  it("stores a sender's id once and returns the original for a repeat", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 100);
      const first = h.append(alice, "s-a", "one", "same", 1);
      const again = h.append(alice, "s-a", "two", "same", 2);
      expect(first.created).toBe(true);
      expect(again).toEqual({ created: false, message: "message" in first ? first.message : undefined });
      expect(h.lastSeq).toBe(1);
    });
  });

  it("keeps ids per sender: another sender's message with the same id is its own", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 100);
      h.append(mallory, "s-m", "evil", "c-17", 1);
      const victim = h.append(alice, "s-a", "hello", "c-17", 2);
      expect(victim).toMatchObject({ created: true, message: { seq: 2, text: "hello", from: alice } });
    });
  });

  it("keeps at most `keep` messages, pruning the oldest", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 10);
      for (let i = 1; i <= 200; i++) h.append(alice, "s-a", `m${i}`, undefined, i);
      const kept = h.after(0, 1000).map((m) => m.seq);
      // Pruning runs every 64 messages, so between keep and keep + 63 remain.
      expect(kept.length).toBeGreaterThanOrEqual(10);
      expect(kept.length).toBeLessThan(10 + 64);
      expect(kept.at(-1)).toBe(200);
    });
  });

  it("refuses a resend of a pruned message within the id window, and forgets it after", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 10);
      h.append(alice, "s-a", "first", "early", 0);
      for (let i = 2; i <= 64; i++) h.append(alice, "s-a", `m${i}`, undefined, 1000);
      expect(h.after(0, 1).at(0)?.seq).toBeGreaterThan(1); // "early" was pruned
      expect(h.append(alice, "s-a", "first", "early", 2000)).toEqual({ created: false, prunedSeq: 1 });
      // A prune a window later forgets the id; a resend after that is a new message.
      for (let i = 65; i <= 128; i++) h.append(alice, "s-a", `m${i}`, undefined, ID_WINDOW_MS + 1);
      expect(h.append(alice, "s-a", "first", "early", ID_WINDOW_MS + 2)).toMatchObject({ created: true });
    });
  });

  it("recovers lastSeq from storage when the room wakes", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 100);
      h.append(alice, "s-a", "x", undefined, 1);
      h.append(alice, "s-a", "y", undefined, 1);
      expect(new History(sql, "r", 100).lastSeq).toBe(2);
    });
  });

  it("creates nothing in storage until the first message", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 100);
      expect([h.lastSeq, h.after(0, 10), h.recent(5)]).toEqual([0, [], []]);
      expect(tables(sql)).not.toContain("messages");
      h.append(alice, "s-a", "x", undefined, 1);
      expect(tables(sql)).toContain("messages");
    });
  });

  it("moves a room stored before per-sender ids to the new schema, keeping its messages and ids", async () => {
    await withStorage((sql) => {
      sql.exec(
        "CREATE TABLE messages (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, member_id TEXT NOT NULL, nick TEXT NOT NULL, text TEXT NOT NULL, ts INTEGER NOT NULL)",
      );
      sql.exec("INSERT INTO messages VALUES (1, 'old-1', 'a', 'alice', 'hello', 5)");
      const h = new History(sql, "r", 100);
      expect(h.after(0, 10)).toMatchObject([{ seq: 1, id: "old-1", text: "hello" }]);
      expect(h.append(alice, "s-a", "new", "old-1", 6)).toMatchObject({ created: true, message: { seq: 2 } });
    });
  });
});

describe("History: replies", () => {
  it("a reply keeps what it answered, so it still shows once the answered message is pruned", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 10);
      h.append(alice, "s-a", "the question", "q", 1);
      for (let i = 2; i <= 60; i++) h.append(alice, "s-a", `m${i}`, undefined, 2);
      const reply = { seq: 1, nick: "alice", snippet: "the question" };
      h.append(alice, "s-a", "the answer", "a", 3, reply);
      for (let i = 62; i <= 64; i++) h.append(alice, "s-a", `m${i}`, undefined, 4);
      const kept = h.after(0, 100);
      expect(kept.some((e) => e.seq === 1)).toBe(false); // the question was pruned
      expect(kept.find((e) => e.seq === 61)).toMatchObject({ type: "message", text: "the answer", replyTo: reply });
    });
  });
});
