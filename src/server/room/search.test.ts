import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SEARCH_MARK_END as END, SEARCH_MARK_START as START } from "../../shared/events";
import { History } from "./history";
import type { RoomParts } from "./parts";
import { searchPage } from "./search";
import { isQueryError, matchOf } from "./search-index";

const alice = { id: "a", nick: "alice" };

/** Runs `fn` against a fresh room's SQLite storage. */
function withStorage<T>(fn: (sql: SqlStorage) => T): Promise<T> {
  const stub = env.ROOMS.getByName(`search-${crypto.randomUUID()}`);
  return runInDurableObject(stub, (_room, state) => fn(state.storage.sql));
}

/** A history holding `texts` as seqs 1, 2, 3…, keeping `keep` messages. */
function historyOf(sql: SqlStorage, texts: string[], keep = 100): History {
  const h = new History(sql, "r", keep);
  for (const [i, text] of texts.entries()) h.append(alice, "s-a", text, undefined, i + 1);
  return h;
}

/** The seqs a search for the words `q` finds, in the order it ranks them. */
const seqs = (h: History, q: string, before = Number.MAX_SAFE_INTEGER, limit = 50) => h.search(matchOf(q), before, limit).map((r) => r.seq);

/** Fails unless the index holds exactly the words of the text it was given (FTS5 checks it against `messages`). */
const checkIndex = (sql: SqlStorage) => sql.exec("INSERT INTO search (search) VALUES ('integrity-check')");

const tables = (sql: SqlStorage) =>
  sql
    .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
    .toArray()
    .map((r) => r.name);

describe("search", () => {
  it("ranks by relevance, then the newest first among equals", async () => {
    await withStorage((sql) => {
      const h = historyOf(sql, ["rust is fun", "rust rust rust, all day rust", "we talk about rust", "nothing here", "rust is fun"]);
      const found = seqs(h, "rust");
      // The text that says it most comes first; seqs 1 and 5 say it alike, so 5 (newer) comes before 1.
      expect(found[0]).toBe(2);
      expect(found.indexOf(5)).toBeLessThan(found.indexOf(1));
      expect(found).not.toContain(4);
    });
  });

  it("finds word forms: stems, and diacritics folded", async () => {
    await withStorage((sql) => {
      const h = historyOf(sql, ["the quick brown foxes jumped", "I was jumping", "un café noir"]);
      expect(seqs(h, "fox")).toEqual([1]);
      expect(seqs(h, "jumps")).toEqual([2, 1]);
      expect(seqs(h, "cafe")).toEqual([3]);
    });
  });

  it("needs every word, and takes the last one as a prefix as well", async () => {
    await withStorage((sql) => {
      const h = historyOf(sql, ["red apple", "red car", "green apple"]);
      expect(seqs(h, "red apple")).toEqual([1]);
      expect(seqs(h, "gre")).toEqual([3]);
    });
  });

  it("answers a snippet with the matched words marked, and the message as it stands", async () => {
    await withStorage((sql) => {
      const h = historyOf(sql, ["the quick brown foxes jumped over the lazy dog"]);
      const [hit] = h.search(matchOf("fox"), Number.MAX_SAFE_INTEGER, 10);
      expect(hit?.snippet).toBe(`the quick brown ${START}foxes${END} jumped over the lazy dog`);
      expect(hit?.message).toMatchObject({ type: "message", seq: 1, from: alice, text: "the quick brown foxes jumped over the lazy dog" });
    });
  });

  it("searches an edited message by its new text only", async () => {
    await withStorage((sql) => {
      const h = historyOf(sql, ["meet at the harbour", "harbour lights"]);
      const found = h.message(1);
      if (!found) throw new Error("message 1 not kept");
      h.rewrite(found.message, "meet at the station");
      expect(seqs(h, "harbour")).toEqual([2]);
      const [hit] = h.search(matchOf("station"), Number.MAX_SAFE_INTEGER, 10);
      expect(hit?.message).toMatchObject({ seq: 1, text: "meet at the station", edited: true });
      checkIndex(sql);
    });
  });

  it("finds a deleted message no more", async () => {
    await withStorage((sql) => {
      const h = historyOf(sql, ["secret plans", "public plans"]);
      h.tombstone(1);
      expect(seqs(h, "plans")).toEqual([2]);
      expect(seqs(h, "secret")).toEqual([]);
      checkIndex(sql);
    });
  });

  it("takes a deleted message's words out of the index's pages, not only out of its results", async () => {
    await withStorage((sql) => {
      const h = historyOf(sql, ["the zqxjkv plan", "other words"]);
      const pagesHolding = (word: string) =>
        sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM search_data WHERE instr(block, CAST(? AS BLOB)) > 0", word).one().n;
      expect(pagesHolding("zqxjkv")).toBeGreaterThan(0);
      h.tombstone(1);
      expect(pagesHolding("zqxjkv")).toBe(0);
    });
  });

  it("finds a pruned message no more", async () => {
    await withStorage((sql) => {
      const h = historyOf(
        sql,
        Array.from({ length: 128 }, (_, i) => `needle number ${i + 1}`),
        10,
      );
      const found = seqs(h, "needle");
      // Pruning runs every 64 messages: what is left is exactly what the history keeps.
      expect(found.toSorted((a, b) => a - b)).toEqual(h.after(0, 1000).map((e) => e.seq));
      expect(found.length).toBeLessThan(64);
      checkIndex(sql);
    });
  });

  it("pages by seq with before, and by count with limit", async () => {
    await withStorage((sql) => {
      const h = historyOf(sql, ["ping", "ping", "ping", "ping"]);
      expect(seqs(h, "ping", 3)).toEqual([2, 1]);
      expect(seqs(h, "ping", Number.MAX_SAFE_INTEGER, 2)).toEqual([4, 3]);
    });
  });

  it("never indexes the room's own events", async () => {
    await withStorage((sql) => {
      const h = historyOf(sql, ["hello"]);
      h.record(alice, { kind: "edit", target: 1, text: "hello" }, 2);
      expect(seqs(h, "hello")).toEqual([1]);
    });
  });

  it("touches no storage in a room that never stored a message", async () => {
    await withStorage((sql) => {
      const h = new History(sql, "r", 100);
      expect(h.search(matchOf("anything"), Number.MAX_SAFE_INTEGER, 10)).toEqual([]);
      expect(tables(sql)).toEqual([]);
    });
  });

  it("builds the index of a room stored before search, when first read", async () => {
    await withStorage((sql) => {
      const old = historyOf(sql, ["old words", "deleted words"]);
      old.tombstone(2);
      // A room as an older version left it: its history, no index.
      sql.exec("DROP TABLE search");
      const h = new History(sql, "r", 100);
      expect(seqs(h, "words")).toEqual([1]);
      checkIndex(sql);
    });
  });
});

describe("queries", () => {
  it("quote a person's words, so FTS5's syntax is searched as words", async () => {
    await withStorage((sql) => {
      const h = historyOf(sql, ['what\'s up? NEAR "x" -y c++ OR', "nothing"]);
      for (const q of ["what's up?", 'NEAR("x"', "-y", "c++", "OR", "x*", '"x']) {
        expect(() => h.search(matchOf(q), Number.MAX_SAFE_INTEGER, 10), q).not.toThrow();
      }
      expect(seqs(h, "what's up?")).toEqual([1]);
    });
  });

  it("a query FTS5 cannot parse is answered invalid_query, not internal", async () => {
    await withStorage((sql) => {
      const h = historyOf(sql, ["hello"]);
      let thrown: unknown;
      try {
        h.search('"unbalanced', Number.MAX_SAFE_INTEGER, 10);
      } catch (error) {
        thrown = error;
      }
      expect(isQueryError(thrown), String(thrown)).toBe(true);
      const broken = { name: "r", history: { search: () => h.search("AND", 1, 1) } } as unknown as RoomParts;
      const answer = searchPage(broken, "x", undefined, 10, "q-1");
      expect(answer).toMatchObject({ ok: false, error: { code: "invalid_query", ref: "q-1" } });
      expect(isQueryError(new Error("SQLITE_FULL"))).toBe(false);
    });
  });
});
