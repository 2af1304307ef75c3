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

describe("History: every copy of a text follows its message", () => {
  const rows = (sql: SqlStorage) => JSON.stringify(sql.exec("SELECT * FROM messages").toArray());
  const edit = (h: History, seq: number, text: string) => {
    const found = h.message(seq);
    if (!found) throw new Error(`no message ${seq}`);
    h.rewrite(found.message, text);
    h.record(alice, { kind: "edit", target: seq, text }, 2);
  };

  it("a delete blanks the text of the message, of its edit events and of the replies that quote it", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 100);
      h.append(alice, "s-a", "first secret", "q", 1);
      h.append(alice, "s-a", "the answer", "a", 1, { seq: 1, nick: "alice", snippet: "first secret" });
      edit(h, 1, "second secret");
      h.tombstone(1);
      expect(rows(sql)).not.toMatch(/secret/);
      expect(h.after(0, 10)).toMatchObject([
        { seq: 1, text: "", deleted: true },
        { seq: 2, replyTo: { seq: 1, nick: "alice", snippet: "", deleted: true } },
        { seq: 3, type: "edit", text: "", deleted: true },
      ]);
    });
  });

  it("finds the copies of a text through its indexes, not a scan of the history", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 100);
      h.append(alice, "s-a", "x", undefined, 1);
      const plan = (where: string) =>
        JSON.stringify(sql.exec(`EXPLAIN QUERY PLAN UPDATE messages SET data = NULL WHERE ${where}`, 1).toArray());
      expect(plan("kind = 'edit' AND json_extract(data, '$.target') = ?")).toContain("edits_by_target");
      expect(plan("kind = 'message' AND data IS NOT NULL AND json_extract(data, '$.replyTo.seq') = ?")).toContain("replies_by_target");
    });
  });

  it("still prunes edits and deletes with the messages they changed", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 10);
      for (let i = 1; i <= 100; i++) {
        h.append(alice, "s-a", `m${i}`, undefined, 1);
        if (i % 3 === 0) edit(h, h.lastSeq, `e${i}`);
        if (i % 5 === 0) h.tombstone(h.lastSeq - 1);
      }
      const kept = h.after(0, 1000);
      expect(kept.length).toBeGreaterThanOrEqual(10);
      expect(kept.length).toBeLessThan(10 + 64);
      expect(kept.at(-1)?.seq).toBe(h.lastSeq);
    });
  });

  it("cleans what an older version stored, once, when the room is first read", async () => {
    await withStorage((sql) => {
      const old = new History(sql, "r", 100);
      old.append(alice, "s-a", "one", "1", 1);
      old.append(alice, "s-a", "two", "2", 1, { seq: 1, nick: "alice", snippet: "one" });
      // As an older version left them: edit events with the text of their time, a quote of a first text,
      // a tombstone that kept what it answered, whose edit still holds its text.
      sql.exec("DROP INDEX edits_by_target");
      sql.exec("DROP INDEX replies_by_target");
      sql.exec(`UPDATE messages SET text = 'one, edited twice', data = '{"edited":true}' WHERE seq = 1`);
      const reply = (seq: number) => `{"edited":true,"replyTo":{"seq":${seq},"nick":"alice","snippet":""}}`;
      sql.exec(
        `INSERT INTO messages (seq, sender, id, member_id, nick, text, ts, kind, data, deleted) VALUES
         (3, 'room', 'e3', 'a', 'alice', '', 1, 'edit', '{"target":1,"text":"one, edited"}', 0),
         (4, 'room', 'e4', 'a', 'alice', '', 1, 'edit', '{"target":1,"text":"one, edited twice"}', 0),
         (5, 's-a', '5', 'a', 'alice', '', 1, 'message', '${reply(1)}', 1),
         (6, 'room', 'e6', 'a', 'alice', '', 1, 'edit', '{"target":5,"text":"five, edited"}', 0),
         (7, 'room', 'd7', 'a', 'alice', '', 1, 'delete', '{"target":5}', 0),
         (8, 's-a', '8', 'a', 'alice', 'eight', 1, 'message', '${reply(5)}', 0)`,
      );
      const h = new History(sql, "r", 100);
      expect(h.after(0, 10)).toMatchObject([
        { seq: 1, text: "one, edited twice" },
        { seq: 2, replyTo: { seq: 1, snippet: "one, edited twice" } },
        { seq: 3, text: "one, edited twice" },
        { seq: 4, text: "one, edited twice" },
        { seq: 5, text: "", deleted: true },
        { seq: 6, text: "", deleted: true },
        { seq: 7, type: "delete" },
        { seq: 8, replyTo: { seq: 5, snippet: "", deleted: true } },
      ]);
      expect(h.after(4, 1)[0]).not.toHaveProperty("replyTo");
      expect(rows(sql)).not.toMatch(/"one"|one, edited"|five/);
    });
  });
});

describe("History.since: what is new for one person", () => {
  it("counts others' kept messages after the marker and the mentions of that person among them", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 100);
      h.append(alice, "sub:a", "before", undefined, 1, undefined, ["m"]);
      h.append(mallory, "sub:m", "mine", undefined, 2);
      h.append(alice, "sub:a", "@m", undefined, 3, undefined, ["m", "x"]);
      const gone = h.append(alice, "sub:a", "@m again", undefined, 4, undefined, ["m"]);
      if (gone.created) h.tombstone(gone.message.seq);
      expect(h.since(1, "sub:m", "m")).toMatchObject({ unread: 1, mentions: 1, last: { seq: 3, mentions: ["m", "x"] } });
      expect(h.since(0, "sub:x", "x")).toMatchObject({ unread: 3, mentions: 1 });
    });
  });

  it("keeps a message's mentions through an edit, and drops them with the messages pruned", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 10);
      const first = h.append(alice, "sub:a", "@m", undefined, 1, undefined, ["m"]);
      if (first.created) h.rewrite(first.message, "@m, edited");
      expect(h.after(0, 1)[0]).toMatchObject({ text: "@m, edited", edited: true, mentions: ["m"] });
      for (let i = 2; i <= 64; i++) h.append(alice, "sub:a", `m${i}`, undefined, 1);
      expect(sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM mentions").one().n).toBe(0);
    });
  });

  it("gives a room stored before mentions its table when first read", async () => {
    await withStorage((sql) => {
      new History(sql, "r", 100).append(alice, "sub:a", "old", undefined, 1);
      sql.exec("DROP TABLE mentions");
      const h = new History(sql, "r", 100);
      expect(h.since(0, "sub:m", "m")).toMatchObject({ unread: 1, mentions: 0 });
      h.append(alice, "sub:a", "@m", undefined, 2, undefined, ["m"]);
      expect(h.since(0, "sub:m", "m")).toMatchObject({ unread: 2, mentions: 1 });
    });
  });
});
