/**
 * Messages the client has accepted from its user but the server has not yet
 * confirmed, keyed by their client message id.
 *
 * An entry is sent with its id; it stays here until the server's `message`
 * event with that id arrives (live, or in the history of a later `joined`),
 * and is sent again, with the same id, on every reconnect until then. The
 * server stores an id once, so a resend never doubles a message, and an entry
 * leaves only on confirmation or a final refusal, so none is lost.
 *
 * Pure: no timers, sockets or storage; a room's sender (sender.ts) drives it.
 */

export interface OutboxEntry {
  /** Client message id, sent as `id` (1–64 characters). */
  readonly id: string;
  /** The room it was typed in; it is only ever sent there. */
  readonly room: string;
  readonly text: string;
  /** The seq of the message this one answers (sent as `replyTo`), kept so that a resend still answers it. */
  readonly replyTo?: number;
  /** The member ids it mentions (sent as `mentions`), kept so that a resend still mentions them. */
  readonly mentions?: readonly string[];
  /** When the user sent it, epoch ms (for display only). */
  readonly createdAt: number;
}

/** A message just typed, with what it says besides its text. */
export function newEntry(id: string, room: string, text: string, options: { replyTo?: number; mentions?: readonly string[] }): OutboxEntry {
  const { replyTo, mentions } = options;
  const entry = { id, room, text, createdAt: Date.now() };
  return { ...entry, ...(replyTo === undefined ? {} : { replyTo }), ...(mentions?.length ? { mentions: [...mentions] } : {}) };
}

interface Slot {
  readonly entry: OutboxEntry;
  /** Sent on the current connection and not yet answered. */
  inFlight: boolean;
}

export class Outbox {
  // A Map keeps insertion order: entries go out in the order they were typed.
  private readonly slots = new Map<string, Slot>();

  constructor(entries: Iterable<OutboxEntry> = []) {
    for (const entry of entries) this.add(entry);
  }

  get size(): number {
    return this.slots.size;
  }

  has(id: string): boolean {
    return this.slots.has(id);
  }

  /** Queues a message. An id already queued is ignored (returns false). */
  add(entry: OutboxEntry): boolean {
    if (this.slots.has(entry.id)) return false;
    this.slots.set(entry.id, { entry, inFlight: false });
    return true;
  }

  /** The server confirmed this id: forget it. Returns the entry, if it was queued. */
  ack(id: string): OutboxEntry | undefined {
    const slot = this.slots.get(id);
    if (!slot) return undefined;
    this.slots.delete(id);
    return slot.entry;
  }

  /** The server refused this id for good (for example an invalid message): drop it. */
  remove(id: string): OutboxEntry | undefined {
    return this.ack(id);
  }

  /** Everything still unconfirmed for `room`, oldest first. */
  pending(room: string): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const { entry } of this.slots.values()) if (entry.room === room) out.push(entry);
    return out;
  }

  /** Every entry, oldest first (for persistence). */
  entries(): OutboxEntry[] {
    return [...this.slots.values()].map((s) => s.entry);
  }

  /** How many entries of `room` are sent and unanswered on the current connection. */
  inFlight(room: string): number {
    let n = 0;
    for (const { entry, inFlight } of this.slots.values()) if (inFlight && entry.room === room) n++;
    return n;
  }

  /**
   * The entries of `room` to send now: unsent ones, oldest first, so that at
   * most `window` are unanswered at a time. They are marked in flight.
   */
  take(room: string, window: number): OutboxEntry[] {
    let n = this.inFlight(room);
    const out: OutboxEntry[] = [];
    for (const slot of this.slots.values()) {
      if (n >= window) break;
      if (slot.inFlight || slot.entry.room !== room) continue;
      slot.inFlight = true;
      n++;
      out.push(slot.entry);
    }
    return out;
  }

  /** Sends it again later (for example after `rate_limited`). */
  unsend(id: string): void {
    const slot = this.slots.get(id);
    if (slot) slot.inFlight = false;
  }

  /** The connection dropped: nothing is in flight on the next one, so everything is sent again. */
  unsendAll(): void {
    for (const slot of this.slots.values()) slot.inFlight = false;
  }
}

/** Reads entries saved with `JSON.stringify(outbox.entries())`, skipping anything malformed. */
export function parseOutbox(raw: string | null): OutboxEntry[] {
  if (!raw) return [];
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  const out: OutboxEntry[] = [];
  for (const item of data as unknown[]) {
    if (typeof item !== "object" || item === null) continue;
    const { id, room, text, createdAt, replyTo, mentions } = item as Record<string, unknown>;
    if (typeof id === "string" && typeof room === "string" && typeof text === "string" && typeof createdAt === "number") {
      // A malformed replyTo or mentions is dropped, not the message: it still goes out, as a plain one.
      const entry: { -readonly [K in keyof OutboxEntry]: OutboxEntry[K] } = { id, room, text, createdAt };
      if (Number.isSafeInteger(replyTo) && (replyTo as number) > 0) entry.replyTo = replyTo as number;
      if (Array.isArray(mentions) && mentions.every((m) => typeof m === "string")) entry.mentions = mentions as string[];
      out.push(entry);
    }
  }
  return out;
}
