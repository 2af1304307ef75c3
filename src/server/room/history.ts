/**
 * A room's message history in its Durable Object's SQLite storage. Writes are
 * synchronous; the runtime's output gate holds every frame the room sends
 * until the writes before it are durable, so "stored before delivered" costs
 * no extra round trip, and writes that arrive together commit together.
 */
import type { Member, MessageEvent } from "../../shared/events";

interface Row extends Record<string, SqlStorageValue> {
  seq: number;
  id: string;
  member_id: string;
  nick: string;
  text: string;
  ts: number;
}

const COLUMNS = "seq, id, member_id, nick, text, ts";

/** How often (in messages) old history is pruned: a range delete, not a per-message scan. */
const PRUNE_EVERY = 64;

export class History {
  /** Seq of the newest stored message; 0 for an empty room. */
  lastSeq: number;

  constructor(
    private readonly sql: SqlStorage,
    private readonly room: string,
    private readonly keep: number,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      member_id TEXT NOT NULL,
      nick TEXT NOT NULL,
      text TEXT NOT NULL,
      ts INTEGER NOT NULL
    )`);
    this.lastSeq = sql.exec<{ s: number }>("SELECT COALESCE(MAX(seq), 0) AS s FROM messages").one().s;
  }

  /**
   * Stores a message under the next seq. With an `id` the room already holds,
   * stores nothing and returns the original with `created: false`.
   */
  append(from: Member, text: string, id: string | undefined, now: number): { message: MessageEvent; created: boolean } {
    const seq = this.lastSeq + 1;
    const message: MessageEvent = { type: "message", room: this.room, seq, id: id ?? crypto.randomUUID(), from, text, ts: now };
    // One statement on the common path: the unique index on id decides
    // whether this is a resend, and only then do we read the original.
    const inserted = this.sql.exec(
      `INSERT INTO messages (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      seq,
      message.id,
      from.id,
      from.nick,
      text,
      now,
    ).rowsWritten;
    if (inserted === 0) {
      // The unique index on id refused the row, so the original is there.
      const original = this.byId(message.id);
      if (!original) throw new Error(`message ${message.id} refused as a duplicate but not found`);
      return { message: original, created: false };
    }
    this.lastSeq = seq;
    if (seq % PRUNE_EVERY === 0) this.prune();
    return { message, created: true };
  }

  /** The message stored under a client id, if any. */
  byId(id: string): MessageEvent | undefined {
    const row = this.sql.exec<Row>(`SELECT ${COLUMNS} FROM messages WHERE id = ?`, id).toArray()[0];
    return row && this.toEvent(row);
  }

  /** Up to `limit` messages with seq > `since`, oldest first. */
  after(since: number, limit: number): MessageEvent[] {
    return this.sql
      .exec<Row>(`SELECT ${COLUMNS} FROM messages WHERE seq > ? ORDER BY seq LIMIT ?`, since, limit)
      .toArray()
      .map((r) => this.toEvent(r));
  }

  /** The newest `limit` messages, oldest first. */
  recent(limit: number): MessageEvent[] {
    return this.after(Math.max(0, this.lastSeq - limit), limit);
  }

  private prune(): void {
    const floor = this.lastSeq - this.keep;
    if (floor > 0) this.sql.exec("DELETE FROM messages WHERE seq <= ?", floor);
  }

  private toEvent(r: Row): MessageEvent {
    return { type: "message", room: this.room, seq: r.seq, id: r.id, from: { id: r.member_id, nick: r.nick }, text: r.text, ts: r.ts };
  }
}
