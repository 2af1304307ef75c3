/**
 * The history's tables and indexes (history.ts), and what brings a room
 * stored by an older version up to them when it is first read. Each step is
 * marked done by the schema itself (a column, an index), so it runs once per
 * room and costs a room that needs none only the catalogue read.
 */
import { REPLY_SNIPPET_CHARS } from "../../shared/limits";
import { buildIndex } from "./search-index";
import { indexExists, tableExists } from "./storage";

/**
 * Where copies of a message's text are found: its edit events, and the
 * replies that quote it. Partial indexes, so a plain message (no `data`) is
 * in neither and a send costs what it did; only a reply adds an entry.
 */
const COPY_INDEXES = [
  "CREATE INDEX IF NOT EXISTS edits_by_target ON messages (json_extract(data, '$.target')) WHERE kind = 'edit'",
  "CREATE INDEX IF NOT EXISTS replies_by_target ON messages (json_extract(data, '$.replyTo.seq')) WHERE kind = 'message' AND data IS NOT NULL",
];

/** The edit events of message `?`. A WHERE that names its index's expression and condition as written there, so SQLite uses it. */
export const EDITS_OF = "kind = 'edit' AND json_extract(data, '$.target') = ?";
/** The replies that quote message `?` (as EDITS_OF, for its index). */
export const REPLIES_TO = "kind = 'message' AND data IS NOT NULL AND json_extract(data, '$.replyTo.seq') = ?";

/**
 * Who each message mentions: one row per mentioned member id, written with
 * the message. Keyed by seq (a delete and the pruning drop by seq) and
 * indexed by member, so a person's count after their marker is a range scan.
 */
const MENTIONS = [
  `CREATE TABLE IF NOT EXISTS mentions (
    seq INTEGER NOT NULL,
    member TEXT NOT NULL,
    PRIMARY KEY (seq, member)
  ) WITHOUT ROWID`,
  "CREATE INDEX IF NOT EXISTS mentions_by_member ON mentions (member, seq)",
];

export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS messages (
    seq INTEGER PRIMARY KEY,
    sender TEXT NOT NULL,
    id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    nick TEXT NOT NULL,
    text TEXT NOT NULL,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'message',
    data TEXT,
    deleted INTEGER NOT NULL DEFAULT 0
  )`,
  "CREATE UNIQUE INDEX IF NOT EXISTS messages_by_sender_id ON messages (sender, id)",
  `CREATE TABLE IF NOT EXISTS reactions (
    target INTEGER NOT NULL,
    emoji TEXT NOT NULL,
    sender TEXT NOT NULL,
    PRIMARY KEY (target, emoji, sender)
  ) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS pruned_ids (
    sender TEXT NOT NULL,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    PRIMARY KEY (sender, id)
  ) WITHOUT ROWID`,
  ...COPY_INDEXES,
  ...MENTIONS,
];

/** Brings a room's stored `messages` table (`table` is its CREATE statement) up to SCHEMA. */
export function migrate(sql: SqlStorage, table: string): void {
  if (!table.includes("sender")) migrateV1(sql);
  if (!indexExists(sql, "edits_by_target")) migrateCopies(sql);
  // Rooms stored before mentions: nothing mentioned anyone yet, so the table starts empty.
  if (!indexExists(sql, "mentions_by_member")) for (const statement of MENTIONS) sql.exec(statement);
  // Last: the index is built from the text the steps before leave.
  if (!tableExists(sql, "search")) buildIndex(sql);
}

/**
 * Rooms stored before ids were per sender kept one id namespace per room:
 * their messages move to the sender "v1", so their ids still refuse resends
 * among themselves and collide with nobody's new ones.
 */
function migrateV1(sql: SqlStorage): void {
  sql.exec("ALTER TABLE messages RENAME TO messages_v1");
  for (const statement of SCHEMA) sql.exec(statement);
  sql.exec(
    "INSERT INTO messages (seq, sender, id, member_id, nick, text, ts) SELECT seq, 'v1', id, member_id, nick, text, ts FROM messages_v1",
  );
  sql.exec("DROP TABLE messages_v1");
}

/**
 * Rooms stored before every copy of a text followed its message kept old
 * versions: edit events with the text of their time (of a message since
 * deleted, too), replies quoting a first text, tombstones keeping what they
 * answered. Each copy is brought to what an edit or a delete leaves now.
 * The latest edit event of a message holds its latest text, and a delete
 * event outlives what it deleted, so this also reaches the copies of
 * messages since pruned.
 */
function migrateCopies(sql: SqlStorage): void {
  for (const statement of COPY_INDEXES) sql.exec(statement);
  const target = (of: string) => `json_extract(${of}, '$.target')`;
  const quoted = (of: string) => `json_extract(${of}, '$.replyTo.seq')`;
  const latest = (seq: string) =>
    `(SELECT json_extract(l.data, '$.text') FROM messages AS l WHERE l.kind = 'edit' AND ${target("l.data")} = ${seq} ORDER BY l.seq DESC LIMIT 1)`;
  const edited = `(SELECT ${target("data")} FROM messages WHERE kind = 'edit')`;
  const deleted = `(SELECT ${target("data")} FROM messages WHERE kind = 'delete')`;
  sql.exec("UPDATE messages SET text = '', data = NULL WHERE kind = 'message' AND deleted = 1");
  sql.exec(`UPDATE messages SET data = json_set(data, '$.text', ${latest(target("messages.data"))}) WHERE kind = 'edit'`);
  // substr counts characters (code points), as snippetOf does.
  sql.exec(
    `UPDATE messages SET data = json_set(data, '$.replyTo.snippet', substr(${latest(quoted("messages.data"))}, 1, ?))
     WHERE kind = 'message' AND data IS NOT NULL AND ${quoted("data")} IN ${edited}`,
    REPLY_SNIPPET_CHARS,
  );
  sql.exec(
    `UPDATE messages SET data = json_set(data, '$.text', '', '$.deleted', json('true')) WHERE kind = 'edit' AND ${target("data")} IN ${deleted}`,
  );
  sql.exec(
    `UPDATE messages SET data = json_set(data, '$.replyTo.snippet', '', '$.replyTo.deleted', json('true'))
     WHERE kind = 'message' AND data IS NOT NULL AND ${quoted("data")} IN ${deleted}`,
  );
}
