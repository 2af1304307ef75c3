/**
 * A room's webhook outbox, in its own SQLite storage: an event is written
 * here in the same transaction as what it reports (the message, the edit,
 * the ban), so a restart, eviction or deploy between that commit and the
 * delivery still delivers it. The room's object sends from here on its alarm
 * (delivery.ts); what fails every retry moves to the dead letters, which the
 * operator sees and replays over the admin API.
 *
 * Tables are made at the first event: on a server without WEBHOOK_URL every
 * method is a no-op and a room writes nothing it did not write before.
 *
 * Bounded: past WEBHOOK_OUTBOX_MAX events (and as many dead letters) the
 * oldest tenth is shed at once, with one "webhook" log line saying how many,
 * so a receiver down for long costs a room a fixed amount of storage and a
 * handful of log lines, not one per message.
 */
import type { PresentMember, StoredEvent } from "../../../shared/events";
import { log } from "../../platform/log";
import type { Appended } from "../history";
import { tableExists } from "../storage";
import type { WebhookConfig } from "./config";
import { rewriteCopies, tombstoneCopies } from "./copies";

/** The webhook type of each stored event; the compiler asks for a new one's. */
const TYPES: { [K in StoredEvent["type"]]: (event: Extract<StoredEvent, { type: K }>) => string } = {
  message: () => "message.created",
  edit: () => "message.edited",
  delete: () => "message.deleted",
  reaction: () => "reaction.changed",
  moderation: (event) => `moderation.${event.action}`,
};

/** Members a `member.joined` or `member.left` event lists at most (its `count` is exact). */
export const MEMBERS_LISTED = 1000;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS webhook_outbox (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    due INTEGER NOT NULL,
    error TEXT
  )`,
  "CREATE INDEX IF NOT EXISTS webhook_outbox_by_due ON webhook_outbox (due)",
  `CREATE TABLE IF NOT EXISTS webhook_dead (
    n INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    type TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    failed INTEGER NOT NULL,
    error TEXT
  )`,
];

/** An event waiting to be sent. */
export interface Pending extends Record<string, SqlStorageValue> {
  n: number;
  /** `webhook-id`: the same on every attempt. */
  id: string;
  body: string;
  /** Attempts already made. */
  attempts: number;
}

/** An event that failed every retry, as the admin API lists it. */
export interface DeadLetter {
  id: string;
  type: string;
  attempts: number;
  /** Why its last attempt failed. */
  error: string | null;
  /** When its last attempt failed (ISO 8601). */
  failedAt: string;
}

/** What `GET /api/admin/rooms/:room/webhooks` answers. */
export interface WebhookStatus {
  /** Whether WEBHOOK_URL is set. */
  enabled: boolean;
  /** Events waiting to be sent (or retried). */
  backlog: number;
  /** Events that failed every retry. */
  dead: number;
  /** The newest of them, newest first (at most DEAD_LISTED). */
  deadLetters: DeadLetter[];
}

const DEAD_LISTED = 100;

/** How long a new event waits for others to go in the same run of the alarm. */
const GATHER_MS = 50;

export class Outbox {
  private exists: boolean | undefined;
  private size: number | undefined;
  /** When the alarm is set for, as far as this object knows; undefined: not known to be set. */
  private alarmAt: number | undefined;
  /** Until when the alarm waits after a run that delivered nothing (memory only: a new object starts afresh). */
  private resting = 0;

  constructor(
    private readonly storage: DurableObjectStorage,
    readonly config: WebhookConfig | undefined,
    private readonly room: string,
  ) {}

  // ------------------------------------------------------------ recording (inside the writes they report)

  /** Records a stored event for the receiver; returns it, so a write reports in one line. */
  report<E extends StoredEvent>(event: E): E {
    if (this.config) this.put((TYPES[event.type] as (e: E) => string)(event), event.ts, event);
    return event;
  }

  /** Records the messages a group commit stored (not the resends it recognised); returns them. */
  reportStored(stored: Appended[]): Appended[] {
    if (this.config) for (const result of stored) if (result.created) this.put("message.created", result.message.ts, result.message);
    return stored;
  }

  /** Records a presence window's arrivals and departures: one event each, when there were any. */
  reportPresence(joined: Iterable<PresentMember>, left: Iterable<PresentMember>, count: number): void {
    if (!this.config) return;
    const now = Date.now();
    for (const [type, field, members] of [
      ["member.joined", "joined", [...joined]],
      ["member.left", "left", [...left]],
    ] as const) {
      if (members.length === 0) continue;
      const data: Record<string, unknown> = { room: this.room, [field]: members.slice(0, MEMBERS_LISTED), count };
      if (members.length > MEMBERS_LISTED) data.more = true;
      this.put(type, now, data);
    }
  }

  /** An edit: the events not yet sent carry the message's new text (copies.ts). */
  rewrite(seq: number, text: string): void {
    if (this.stored()) rewriteCopies(this.storage.sql, seq, text);
  }

  /** A delete: the events not yet sent keep none of the message's text (copies.ts). */
  tombstone(seq: number): void {
    if (this.stored()) tombstoneCopies(this.storage.sql, seq);
  }

  /** Forgets what this object remembers of storage, after a transaction that wrote to it rolled back. */
  forget(): void {
    this.exists = undefined;
    this.size = undefined;
    this.alarmAt = undefined;
  }

  private put(type: string, ts: number, data: unknown): void {
    const body = JSON.stringify({ type, timestamp: new Date(ts).toISOString(), data });
    const backlog = this.backlog;
    this.create();
    const now = Date.now();
    this.storage.sql.exec("INSERT INTO webhook_outbox (id, type, body, due) VALUES (?, ?, ?, ?)", newId(), type, body, now);
    this.size = backlog + 1;
    if (this.size > (this.config?.max ?? Number.POSITIVE_INFINITY)) this.shed("webhook_outbox");
    this.wake(now);
  }

  // ------------------------------------------------------------ sending (delivery.ts, on the alarm)

  /** Up to `limit` events due by `now`, oldest first. */
  due(now: number, limit: number): Pending[] {
    if (!this.stored()) return [];
    return this.storage.sql
      .exec<Pending>("SELECT n, id, body, attempts FROM webhook_outbox WHERE due <= ? ORDER BY n LIMIT ?", now, limit)
      .toArray();
  }

  /** The receiver took it: it is gone from the outbox. */
  delivered(event: Pending): void {
    this.remove(this.changed("DELETE FROM webhook_outbox WHERE n = ?", event.n));
  }

  /** An attempt failed: the event waits for its next retry, or, after the last one, is a dead letter. */
  failed(event: Pending, error: string, now: number): void {
    const wait = this.config?.retryMs[event.attempts];
    if (wait !== undefined) {
      this.storage.sql.exec(
        "UPDATE webhook_outbox SET attempts = attempts + 1, due = ?, error = ? WHERE n = ?",
        now + wait,
        error,
        event.n,
      );
      return;
    }
    // Its last attempt: a dead letter (nothing moves if the cap shed it while it was being sent).
    const moved = this.storage.transactionSync(() => {
      const rows = this.changed(
        "INSERT INTO webhook_dead (id, type, body, attempts, failed, error) SELECT id, type, body, attempts + 1, ?, ? FROM webhook_outbox WHERE n = ?",
        now,
        error,
        event.n,
      );
      this.remove(this.changed("DELETE FROM webhook_outbox WHERE n = ?", event.n));
      if (this.count("webhook_dead") > (this.config?.max ?? Number.POSITIVE_INFINITY)) this.shed("webhook_dead");
      return rows;
    });
    if (moved > 0) log("webhook", { room: this.room, dead: event.id, attempts: event.attempts + 1, error });
  }

  /** A run of the alarm began: the alarm it was set for is spent. */
  woke(): void {
    this.alarmAt = undefined;
  }

  /**
   * Sets the alarm for the next event due, if any: the end of every run of
   * the alarm. Until `notBefore` (a receiver that took nothing is let rest),
   * a new event does not ring it earlier.
   */
  arm(notBefore = 0): void {
    this.resting = notBefore;
    // Without WEBHOOK_URL (since removed) nothing is sent: the events wait, and no alarm rings for them.
    if (!this.config || !this.stored()) return;
    const next = this.storage.sql.exec<{ due: number | null }>("SELECT MIN(due) AS due FROM webhook_outbox").one().due;
    if (next === null) return;
    this.alarmAt = Math.max(next, notBefore);
    void this.storage.setAlarm(this.alarmAt);
  }

  // ------------------------------------------------------------ the operator (admin API)

  status(): WebhookStatus {
    const status: WebhookStatus = { enabled: this.config !== undefined, backlog: this.backlog, dead: 0, deadLetters: [] };
    if (!this.stored()) return status;
    status.dead = this.count("webhook_dead");
    status.deadLetters = this.storage.sql
      .exec<{ id: string; type: string; attempts: number; error: string | null; failed: number }>(
        "SELECT id, type, attempts, error, failed FROM webhook_dead ORDER BY n DESC LIMIT ?",
        DEAD_LISTED,
      )
      .toArray()
      .map(({ failed, ...letter }) => ({ ...letter, failedAt: new Date(failed).toISOString() }));
    return status;
  }

  /** Puts every dead letter back in the outbox, due now, under its own `webhook-id`; returns how many. */
  replay(): number {
    if (!this.config || !this.stored()) return 0;
    const now = Date.now();
    const replayed = this.storage.transactionSync(() => {
      const moved = this.changed(
        "INSERT INTO webhook_outbox (id, type, body, due) SELECT id, type, body, ? FROM webhook_dead ORDER BY n",
        now,
      );
      this.storage.sql.exec("DELETE FROM webhook_dead");
      return moved;
    });
    this.size = undefined;
    if (this.backlog > this.config.max) this.shed("webhook_outbox");
    if (replayed > 0) this.wake(now);
    return replayed;
  }

  // ------------------------------------------------------------ storage

  /** Events waiting to be sent. */
  get backlog(): number {
    this.size ??= this.stored() ? this.count("webhook_outbox") : 0;
    return this.size;
  }

  /**
   * Sets the alarm for GATHER_MS from now (or the end of the receiver's
   * rest) unless it is known to ring by then: the events of a busy room are
   * sent in runs, not one alarm (and one setAlarm in the sending turn) each.
   */
  private wake(now: number): void {
    const at = Math.max(now + GATHER_MS, this.resting);
    if (this.alarmAt !== undefined && this.alarmAt <= at) return;
    void this.storage.setAlarm(at);
    this.alarmAt = at;
  }

  private remove(rows: number): void {
    if (this.size !== undefined) this.size = Math.max(0, this.size - rows);
  }

  /** Drops the oldest tenth of a full table (at least what is over the cap) and says so. */
  private shed(table: "webhook_outbox" | "webhook_dead"): void {
    const max = this.config?.max ?? 0;
    const over = this.count(table) - max;
    const drop = Math.max(over, Math.ceil(max / 10));
    const shed = this.changed(`DELETE FROM ${table} WHERE n IN (SELECT n FROM ${table} ORDER BY n LIMIT ?)`, drop);
    if (table === "webhook_outbox") this.remove(shed);
    log("webhook", { room: this.room, shed, from: table === "webhook_outbox" ? "outbox" : "dead letters", max });
  }

  /** Runs an INSERT or DELETE and returns how many rows it inserted or deleted (`rowsWritten` counts index writes too). */
  private changed(statement: string, ...bindings: SqlStorageValue[]): number {
    return this.storage.sql.exec(`${statement} RETURNING n`, ...bindings).toArray().length;
  }

  private count(table: "webhook_outbox" | "webhook_dead"): number {
    return this.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n;
  }

  /** Whether the tables exist (a catalogue read, once per wake). */
  private stored(): boolean {
    this.exists ??= tableExists(this.storage.sql, "webhook_outbox") !== undefined;
    return this.exists;
  }

  private create(): void {
    if (this.stored()) return;
    for (const statement of SCHEMA) this.storage.sql.exec(statement);
    this.exists = true;
  }
}

/** A `webhook-id`: one per event, kept across its retries and a replay. */
function newId(): string {
  return `msg_${crypto.randomUUID().replaceAll("-", "")}`;
}
