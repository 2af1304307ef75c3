/**
 * The room's search index: an SQLite FTS5 table over the text of the
 * messages it keeps, which history.ts keeps in step with them in the same
 * synchronous writes (a message is indexed when stored; an edit swaps its
 * words for the new text's; a delete or a prune takes them out). Like the
 * history's tables it is made at the first store, so a room that never
 * stored a message has none; a room stored before search existed gets it
 * built from its kept messages when first read (history-schema.ts).
 *
 * An external-content table: the index holds only words and reads a
 * message's text from `messages` when a snippet needs it, so the text is
 * still kept in one copy. Removing a message's words needs the text it was
 * indexed by, so {@link unindex} runs before the text changes. With
 * `secure-delete`, the words of a deleted or pruned message leave the
 * index's pages for good, not only its results.
 */
import { SEARCH_MARK_END, SEARCH_MARK_START } from "../../shared/events";
import { SEARCHABLE } from "../../shared/validate";

/**
 * Porter stemming over unicode61 words, so "fox" finds "foxes" and "jumped"
 * finds "jumping"; diacritics are folded ("cafe" finds "café").
 */
const SEARCH_SCHEMA = [
  `CREATE VIRTUAL TABLE IF NOT EXISTS search USING fts5(
    text, content = 'messages', content_rowid = 'seq', tokenize = 'porter unicode61 remove_diacritics 2'
  )`,
  "INSERT INTO search (search, rank) VALUES ('secure-delete', 1)",
];

/** Indexes message `?` (a seq) by its text `?`. */
export const INDEX = "INSERT INTO search (rowid, text) VALUES (?, ?)";

/**
 * Takes the indexed messages `where` picks out of the index, by the text
 * they were indexed by: run it before that text changes or goes. Only
 * messages that are no tombstone are indexed, so only those are taken out
 * (FTS5 cannot tell a row it never held).
 */
export function unindex(where: string): string {
  return `INSERT INTO search (search, rowid, text)
    SELECT 'delete', seq, text FROM messages WHERE kind = 'message' AND deleted = 0 AND ${where}`;
}

/** Makes the index, empty: for a room's first store. */
export function createIndex(sql: SqlStorage): void {
  for (const statement of SEARCH_SCHEMA) sql.exec(statement);
}

/** Makes the index of a room stored before search existed, from the messages it keeps. */
export function buildIndex(sql: SqlStorage): void {
  createIndex(sql);
  sql.exec("INSERT INTO search (rowid, text) SELECT seq, text FROM messages WHERE kind = 'message' AND deleted = 0");
}

/** Words of the snippet around the best match. */
const SNIPPET_WORDS = 16;

/**
 * The messages matching an FTS5 query with seq below a bound, most relevant
 * (bm25) first, then newest, up to a limit: bind {@link searchParams}.
 */
export const SEARCH = `SELECT snippet(search, 0, ?, ?, '…', ${SNIPPET_WORDS}) AS snippet,
    m.seq, m.kind, m.id, m.member_id, m.nick, m.text, m.ts, m.data, m.deleted
  FROM search JOIN messages AS m ON m.seq = search.rowid
  WHERE search MATCH ? AND search.rowid < ?
  ORDER BY search.rank, search.rowid DESC LIMIT ?`;

/** What {@link SEARCH} binds, in order. */
export function searchParams(match: string, before: number, limit: number): SqlStorageValue[] {
  return [SEARCH_MARK_START, SEARCH_MARK_END, match, before, limit];
}

/**
 * A user's words as an FTS5 query. Each word is quoted as a phrase, so no
 * character of what a person types is FTS5 syntax ("what's up?", "c++",
 * "NEAR", "-x" all search for words) and a query always parses; all the
 * words must match. The last word also matches as a prefix, so a search
 * box can search as one types. Words without a letter or digit match
 * nothing and are left out.
 */
export function matchOf(q: string): string {
  const words = q.split(/\s+/u).filter((word) => SEARCHABLE.test(word));
  return words.map((word, i) => `"${word.replaceAll('"', '""')}"${i === words.length - 1 ? "*" : ""}`).join(" ");
}

/** What FTS5's query parser says when it refuses a query (fts5_expr.c), as opposed to the storage failing. */
const QUERY_ERROR = /\bfts5: |unterminated string|no such column|unknown special query|expected integer/;

/** Whether a throw was FTS5 refusing a query, rather than the storage failing. */
export function isQueryError(error: unknown): boolean {
  return QUERY_ERROR.test(error instanceof Error ? error.message : String(error));
}
