/**
 * A room's seq stream in its Durable Object's SQLite storage: messages, and
 * the events that change the room or its messages (moderation, edits,
 * reactions, deletes), each under its own seq. Writes are synchronous; the
 * runtime's output gate holds every frame the room sends until the writes
 * before it are durable, so "stored before delivered" costs no extra round
 * trip, and writes that arrive together commit together.
 *
 * Storage is only touched to store: until the first message, a room reads
 * nothing but SQLite's own catalogue and writes nothing, so a room that was
 * only looked at, or joined and left, leaves no data behind.
 *
 * A message id is the idempotency key of one sender (see Sender in
 * attachment.ts), not of the room: two senders may use the same id. A resend
 * is recognised for as long as the original is in the history, and for
 * ID_WINDOW_MS after it was pruned (the ids of pruned messages are kept that
 * long in `pruned_ids`).
 *
 * Who a message mentions is kept beside it in `mentions` (history-schema.ts),
 * written in the same transaction, dropped when it is deleted or pruned:
 * a person's count is a range scan there, never a write per member.
 *
 * A message's text is kept in one version only, its latest: besides its own
 * row, the edit events that target it carry it and the replies that quote it
 * carry its start (their `snippet`). An edit rewrites every copy, a delete
 * blanks every copy and marks it `deleted`, in the same synchronous writes
 * as the change itself (see {@link History.tombstone}). The search index
 * (search-index.ts) follows the same writes: it holds the words of the
 * kept messages' latest text, and none of a tombstone's.
 */
import {
  type Member,
  type MessageEvent,
  type MessageState,
  type ReplyRef,
  type SearchResult,
  type StoredEvent,
  snippetOf,
} from "../../shared/events";
import { EDITS_OF, migrate, REPLIES_TO, SCHEMA } from "./history-schema";
import { createIndex, INDEX, SEARCH, searchParams, unindex } from "./search-index";
import { tableExists } from "./storage";

interface Row extends Record<string, SqlStorageValue> {
  seq: number;
  kind: string;
  id: string;
  member_id: string;
  nick: string;
  text: string;
  ts: number;
  data: string | null;
  deleted: number;
}

/** An event the room itself writes: every stored event but a message. */
type RoomEvent = Exclude<StoredEvent, MessageEvent>;
type DataOf<E> = E extends RoomEvent ? { kind: E["type"] } & Omit<E, "type" | "room" | "seq" | "from" | "by" | "ts"> : never;
/**
 * What a room event stores besides its seq, author and time: its type as
 * `kind`, and its own fields. Derived from shared/events.ts, so a new event
 * on the seq stream is stored and read back with no change here.
 */
export type EventData = DataOf<RoomEvent>;

/** What a message row keeps in `data` besides its text. */
interface MessageData {
  replyTo?: ReplyRef;
  edited?: true;
  mentions?: string[];
}

/** The sender recorded on events the room itself writes (their ids are UUIDs, so they collide with nothing). */
const ROOM_SENDER = "room";

/** How long the id of a pruned message still refuses a resend. */
export const ID_WINDOW_MS = 24 * 60 * 60 * 1000;

/** How often (in messages) old history is pruned: a range delete, not a per-message scan. */
const PRUNE_EVERY = 64;

const COLUMNS = "seq, kind, id, member_id, nick, text, ts, data, deleted";

/** What storing a message did. */
export type Appended =
  /** Stored under a new seq. */
  | { created: true; message: MessageEvent }
  /** The sender already stored this id: the original. */
  | { created: false; message: MessageEvent }
  /** The sender stored this id as `seq`, which the room no longer keeps. */
  | { created: false; prunedSeq: number };

export class History {
  private seq: number | undefined;
  private exists: boolean | undefined;

  constructor(
    private readonly sql: SqlStorage,
    private readonly room: string,
    private readonly keep: number,
  ) {}

  /** Seq of the newest stored message; 0 for a room that never stored one. */
  get lastSeq(): number {
    this.seq ??= this.stored() ? this.sql.exec<{ s: number }>("SELECT COALESCE(MAX(seq), 0) AS s FROM messages").one().s : 0;
    return this.seq;
  }

  /**
   * Forgets what this object remembers of storage (the newest seq, whether
   * the tables exist), after a transaction that wrote to them rolled back.
   */
  forget(): void {
    this.seq = undefined;
    this.exists = undefined;
  }

  /**
   * Stores a message from `sender` under the next seq. An id that sender
   * already stored is not stored again.
   */
  append(
    from: Member,
    sender: string,
    text: string,
    id: string | undefined,
    now: number,
    replyTo?: ReplyRef,
    mentions?: string[],
  ): Appended {
    this.create();
    const seq = this.lastSeq + 1;
    const message: MessageEvent = { type: "message", room: this.room, seq, id: id ?? crypto.randomUUID(), from, text, ts: now };
    if (replyTo) message.replyTo = replyTo;
    if (mentions) message.mentions = mentions;
    const data: MessageData | null = replyTo || mentions ? { replyTo, mentions } : null;
    // One statement on the common path: the unique index decides whether
    // this is a resend of a kept message, the pruned ids whether of an older one.
    const inserted = this.sql.exec(
      `INSERT INTO messages (seq, sender, id, member_id, nick, text, ts, data)
       SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM pruned_ids WHERE sender = ? AND id = ?)
       ON CONFLICT (sender, id) DO NOTHING`,
      seq,
      sender,
      message.id,
      from.id,
      from.nick,
      text,
      now,
      data && JSON.stringify(data),
      sender,
      message.id,
    ).rowsWritten;
    if (inserted === 0) return this.original(sender, message.id);
    this.sql.exec(INDEX, seq, text);
    for (const member of mentions ?? []) this.sql.exec("INSERT INTO mentions (seq, member) VALUES (?, ?)", seq, member);
    this.seq = seq;
    if (seq % PRUNE_EVERY === 0) this.prune(now);
    return { created: true, message };
  }

  /**
   * Appends an event the room itself writes (moderation, an edit, a reaction, a delete) under the
   * next seq, with `from` as its author.
   */
  record(from: Member, data: EventData, now: number): StoredEvent {
    this.create();
    const seq = this.lastSeq + 1;
    const { kind, ...rest } = data;
    this.sql.exec(
      "INSERT INTO messages (seq, sender, id, member_id, nick, text, ts, kind, data) VALUES (?, ?, ?, ?, ?, '', ?, ?, ?)",
      seq,
      ROOM_SENDER,
      crypto.randomUUID(),
      from.id,
      from.nick,
      now,
      kind,
      JSON.stringify(rest),
    );
    this.seq = seq;
    if (seq % PRUNE_EVERY === 0) this.prune(now);
    return this.toEvent({
      seq,
      kind,
      id: "",
      member_id: from.id,
      nick: from.nick,
      text: "",
      ts: now,
      data: JSON.stringify(rest),
      deleted: 0,
    });
  }

  /** A kept message, with its sender, for deciding who may change it; undefined when the seq is no kept message. */
  message(seq: number): { sender: string; message: MessageEvent } | undefined {
    if (!this.stored()) return undefined;
    const row = this.sql
      .exec<Row & { sender: string }>(`SELECT ${COLUMNS}, sender FROM messages WHERE seq = ? AND kind = 'message'`, seq)
      .toArray()[0];
    return row && { sender: row.sender, message: this.toEvent(row) as MessageEvent };
  }

  /**
   * Turns a message into a tombstone: its text, what it answered and its
   * reactions are removed for good, and so is every copy of its text (its
   * edit events' and the snippets replies quote, each marked `deleted`); its
   * seq stays.
   */
  tombstone(seq: number): void {
    this.sql.exec(unindex("seq = ?"), seq);
    this.sql.exec("UPDATE messages SET text = '', data = NULL, deleted = 1 WHERE seq = ? AND kind = 'message'", seq);
    this.sql.exec("DELETE FROM reactions WHERE target = ?", seq);
    this.sql.exec("DELETE FROM mentions WHERE seq = ?", seq);
    this.sql.exec(`UPDATE messages SET data = json_set(data, '$.text', '', '$.deleted', json('true')) WHERE ${EDITS_OF}`, seq);
    this.sql.exec(
      `UPDATE messages SET data = json_set(data, '$.replyTo.snippet', '', '$.replyTo.deleted', json('true')) WHERE ${REPLIES_TO}`,
      seq,
    );
  }

  /**
   * Replaces a message's text, and every copy of it: its earlier edit events
   * take the new text (the edit event recording this change carries it too),
   * replies quote its new start.
   */
  rewrite(message: MessageEvent, text: string): void {
    const data: MessageData = { edited: true };
    if (message.replyTo) data.replyTo = message.replyTo;
    this.sql.exec(unindex("seq = ?"), message.seq);
    if (message.mentions) data.mentions = message.mentions;
    this.sql.exec("UPDATE messages SET text = ?, data = ? WHERE seq = ?", text, JSON.stringify(data), message.seq);
    this.sql.exec(INDEX, message.seq, text);
    this.sql.exec(`UPDATE messages SET data = json_set(data, '$.text', ?) WHERE ${EDITS_OF}`, text, message.seq);
    this.sql.exec(`UPDATE messages SET data = json_set(data, '$.replyTo.snippet', ?) WHERE ${REPLIES_TO}`, snippetOf(text), message.seq);
  }

  /**
   * Toggles `sender`'s `emoji` on message `target`: returns whether it is now
   * on, or "full" when it would be one distinct emoji more than `max`.
   */
  toggleReaction(target: number, emoji: string, sender: string, max: number): boolean | "full" {
    if (this.sql.exec("DELETE FROM reactions WHERE target = ? AND emoji = ? AND sender = ?", target, emoji, sender).rowsWritten > 0) {
      return false;
    }
    const distinct = this.sql
      .exec<{ n: number; has: number }>(
        "SELECT COUNT(DISTINCT emoji) AS n, COUNT(CASE WHEN emoji = ? THEN 1 END) AS has FROM reactions WHERE target = ?",
        emoji,
        target,
      )
      .one();
    if (distinct.has === 0 && distinct.n >= max) return "full";
    this.sql.exec("INSERT INTO reactions (target, emoji, sender) VALUES (?, ?, ?)", target, emoji, sender);
    return true;
  }

  /** A message as it stands now, with its reactions counted; undefined when the room does not keep it. */
  state(seq: number): MessageState | undefined {
    const found = this.message(seq);
    if (!found) return undefined;
    const reactions: Record<string, number> = {};
    for (const r of this.sql.exec<{ emoji: string; n: number }>(
      "SELECT emoji, COUNT(*) AS n FROM reactions WHERE target = ? GROUP BY emoji ORDER BY emoji",
      seq,
    )) {
      reactions[r.emoji] = r.n;
    }
    return { message: found.message, reactions };
  }

  /**
   * What is new for one person after their marker `after`: the kept
   * messages of others that are not deleted (edits, reactions and room
   * events are no new message), the mentions of `member` among them, and the
   * newest kept message. Range scans, bounded by MAX_ROOM_HISTORY. A
   * deleted message's mentions are gone with it, and a sender's mentions of
   * themselves were never stored (say.ts), so the mentions need no join.
   */
  since(after: number, sender: string, member: string): { unread: number; mentions: number; last: MessageEvent | null } {
    if (!this.stored()) return { unread: 0, mentions: 0, last: null };
    const unread = this.sql
      .exec<{ n: number }>(
        "SELECT COUNT(*) AS n FROM messages WHERE seq > ? AND kind = 'message' AND deleted = 0 AND sender != ?",
        after,
        sender,
      )
      .one().n;
    const mentions = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM mentions WHERE member = ? AND seq > ?", member, after).one().n;
    const row = this.sql
      .exec<Row>(`SELECT ${COLUMNS} FROM messages WHERE kind = 'message' AND deleted = 0 ORDER BY seq DESC LIMIT 1`)
      .toArray()[0];
    return { unread, mentions, last: row ? (this.toEvent(row) as MessageEvent) : null };
  }

  /** Up to `limit` events with seq > `since`, oldest first. */
  after(since: number, limit: number): StoredEvent[] {
    if (!this.stored()) return [];
    return this.sql
      .exec<Row>(`SELECT ${COLUMNS} FROM messages WHERE seq > ? ORDER BY seq LIMIT ?`, since, limit)
      .toArray()
      .map((r) => this.toEvent(r));
  }

  /** The newest `limit` events, oldest first. */
  recent(limit: number): StoredEvent[] {
    return this.after(Math.max(0, this.lastSeq - limit), limit);
  }

  /**
   * The kept messages matching `match` (an FTS5 query: see matchOf) with seq
   * below `before`, most relevant first, then newest; at most `limit`. A
   * query FTS5 cannot parse throws (see isQueryError).
   */
  search(match: string, before: number, limit: number): SearchResult[] {
    if (!this.stored()) return [];
    return this.sql
      .exec<Row & { snippet: string }>(SEARCH, ...searchParams(match, before, limit))
      .toArray()
      .map((r) => ({ seq: r.seq, snippet: r.snippet, message: this.toEvent(r) as MessageEvent }));
  }

  /** What a sender stored under an id the insert refused. */
  private original(sender: string, id: string): Appended {
    const row = this.sql.exec<Row>(`SELECT ${COLUMNS} FROM messages WHERE sender = ? AND id = ?`, sender, id).toArray()[0];
    if (row) return { created: false, message: this.toEvent(row) as MessageEvent };
    const pruned = this.sql.exec<{ seq: number }>("SELECT seq FROM pruned_ids WHERE sender = ? AND id = ?", sender, id).toArray()[0];
    if (pruned) return { created: false, prunedSeq: pruned.seq };
    throw new Error(`message ${id} was refused as a resend but is not stored`);
  }

  /** Drops messages past `keep`, remembering their ids for ID_WINDOW_MS, and forgets ids older than that. */
  private prune(now: number): void {
    const floor = this.lastSeq - this.keep;
    if (floor > 0) {
      this.sql.exec(
        "INSERT OR IGNORE INTO pruned_ids (sender, id, seq, ts) SELECT sender, id, seq, ts FROM messages WHERE seq <= ?",
        floor,
      );
      this.sql.exec(unindex("seq <= ?"), floor);
      this.sql.exec("DELETE FROM messages WHERE seq <= ?", floor);
      this.sql.exec("DELETE FROM reactions WHERE target <= ?", floor);
      this.sql.exec("DELETE FROM mentions WHERE seq <= ?", floor);
    }
    this.sql.exec("DELETE FROM pruned_ids WHERE ts < ?", now - ID_WINDOW_MS);
  }

  /**
   * Whether this room ever stored a message (reads SQLite's catalogue only);
   * a room an older version stored is first brought up to the schema.
   */
  private stored(): boolean {
    if (this.exists === undefined) {
      const table = tableExists(this.sql, "messages");
      // Remembered only once brought up to the schema: a migration that throws is tried again.
      if (table) migrate(this.sql, table);
      this.exists = table !== undefined;
    }
    return this.exists;
  }

  private create(): void {
    if (this.stored()) return;
    for (const statement of SCHEMA) this.sql.exec(statement);
    createIndex(this.sql);
    this.exists = true;
  }

  private toEvent(r: Row): StoredEvent {
    const from = { id: r.member_id, nick: r.nick };
    if (r.kind !== "message") {
      // A room event: `kind` is its type and `data` its own fields, as record() stored them from EventData.
      const data = JSON.parse(r.data ?? "{}") as Omit<EventData, "kind">;
      // A moderator's event names its author `by`: the member it is about is not its author.
      const author = r.kind === "moderation" ? { by: from } : { from };
      return { type: r.kind, room: this.room, seq: r.seq, ...data, ...author, ts: r.ts } as StoredEvent;
    }
    const message: MessageEvent = { type: "message", room: this.room, seq: r.seq, id: r.id, from, text: r.text, ts: r.ts };
    if (r.deleted === 1) message.deleted = true;
    if (r.data) {
      const data = JSON.parse(r.data) as MessageData;
      if (data.edited) message.edited = true;
      if (data.replyTo) message.replyTo = data.replyTo;
      if (data.mentions) message.mentions = data.mentions;
    }
    return message;
  }
}
