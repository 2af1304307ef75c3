/**
 * A room's sending: the outbox of unconfirmed messages (outbox.ts) with
 * their promises, sent within a window while the room is open, resent with
 * the same id after every reconnect until the room confirms each (its echo,
 * a resumed `joined`'s history, a page, or `already_stored`) or refuses it
 * for good; kept in the client's outbox store, if it has one.
 */

import type { ErrorEvent, MessageEvent, StoredEvent } from "../../shared/events";
import { validateMentions } from "../../shared/frames";
import { type Limits, MAX_FRAME_BYTES } from "../../shared/limits";
import { fail, ok, type Result, validateText } from "../../shared/validate";
import { type Deferred, deferred, rejected } from "./emitter";
import { Outbox, type OutboxEntry } from "./outbox";
import { type OutboxStore, ParleyError } from "./types";

/** What a message frame says besides its text and id. */
export interface Extras {
  replyTo?: number;
  mentions?: readonly string[];
}

/** The frame of a message, or why it cannot go out: its text by the server's rule (code points), its mentions by the protocol's, the frame by its size. */
export function messageFrame(text: string, id: string, limits: Limits, extras: Extras = {}): Result<string> {
  const valid = validateText(text, limits);
  if (!valid.ok) return valid;
  if (extras.mentions !== undefined) {
    const mentions = validateMentions(extras.mentions);
    if (!mentions.ok) return mentions;
  }
  const frame = sendFrame(text, id, extras);
  const bytes = new TextEncoder().encode(frame).length;
  if (bytes > MAX_FRAME_BYTES) return fail("frame_too_large", `message is too large (${bytes} of ${MAX_FRAME_BYTES} bytes)`);
  return ok(frame);
}

function sendFrame(text: string, id: string, { replyTo, mentions }: Extras): string {
  const frame: Record<string, unknown> = { action: "send_to_room", msg: text, id };
  if (replyTo !== undefined) frame.replyTo = replyTo;
  if (mentions !== undefined && mentions.length > 0) frame.mentions = mentions;
  return JSON.stringify(frame);
}

/** What a sender asks of, and tells, its room. */
export interface SenderOwner {
  /** Whether the room is open: sends go out only then. */
  open(): boolean;
  /** Sends a frame on the room's socket; returns whether it went out. */
  send(frame: string): boolean;
  /** The unconfirmed messages changed. */
  changed(entries: OutboxEntry[]): void;
  /** The room refused a queued message for good. */
  failed(entry: OutboxEntry, error: ErrorEvent): void;
}

export interface SenderSettings {
  /** At most this many sends unanswered at a time (the server rate-limits bursts). */
  sendWindow: number;
  /** Wait before resending after `rate_limited`. */
  rateLimitRetryMs: number;
}

export class Sender {
  private readonly outbox: Outbox;
  /** The promises of `send()`, by message id (entries restored from the store have none). */
  private readonly sends = new Map<string, Deferred<MessageEvent>>();
  private pumpTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly settings: SenderSettings;
  private readonly store: OutboxStore | undefined;

  /** `options`: the client's; each setting not given is its default. */
  constructor(
    private readonly room: string,
    private readonly owner: SenderOwner,
    options: Partial<SenderSettings> & { outbox?: OutboxStore },
  ) {
    this.settings = { sendWindow: options.sendWindow ?? 5, rateLimitRetryMs: options.rateLimitRetryMs ?? 1_000 };
    const store = options.outbox;
    this.store = store;
    this.outbox = new Outbox((store?.load(room) ?? []).filter((entry) => entry.room === room));
  }

  /** The unconfirmed messages, oldest first. */
  entries(): OutboxEntry[] {
    return this.outbox.entries();
  }

  /** Queues a message (checked once, here) and sends it when the room is open; the promise settles once. */
  queue(entry: OutboxEntry, limits: Limits): Promise<MessageEvent> {
    const frame = messageFrame(entry.text, entry.id, limits, entry);
    if (!frame.ok) return rejected(ParleyError.from(frame.error));
    const d = deferred<MessageEvent>();
    this.sends.set(entry.id, d);
    this.outbox.add(entry);
    this.changed();
    this.flush();
    return d.promise;
  }

  /** A socket has just been greeted: nothing is in flight on it, so everything unconfirmed goes out again (`flush`). */
  reconnected(): void {
    if (this.pumpTimer !== null) clearTimeout(this.pumpTimer);
    this.pumpTimer = null;
    this.outbox.unsendAll();
  }

  /**
   * The room stored message `id` (`event`, or undefined when it answered
   * `already_stored`: stored, but pruned before this client heard of it).
   * Returns whether it was queued.
   */
  confirm(id: string, event: MessageEvent | undefined): boolean {
    const entry = this.outbox.ack(id);
    if (!entry) return false;
    const d = this.sends.get(id);
    this.sends.delete(id);
    if (event) d?.resolve(event);
    else d?.reject(new ParleyError("already_stored", "stored, but the room pruned it before this client heard back"));
    this.changed();
    this.flush();
    return true;
  }

  /** Confirms the messages among stored events (a `joined`'s history, a page). */
  confirmAll(events: readonly StoredEvent[]): void {
    for (const event of events) if (event.type === "message") this.confirm(event.id, event);
  }

  /** An error from the room: returns whether it was about a queued message (and is handled). */
  refused(error: ErrorEvent): boolean {
    const ref = error.ref;
    if (ref === undefined || !this.outbox.has(ref)) return false;
    if (error.code === "rate_limited") {
      // Too fast, not refused: the frame was not stored. A burst over the limit may have several sends in
      // flight refused alike, so rather than track each ref, send everything unanswered again a little
      // later: a resent id is never stored twice, and one that did get through is confirmed by its echo.
      this.outbox.unsendAll();
      this.schedulePump();
      return true;
    }
    if (error.code === "internal") {
      // Not stored (the room's commit failed and rolled back): sent again a little later, with the same id.
      this.outbox.unsend(ref);
      this.schedulePump();
      return true;
    }
    if (error.code === "already_stored") return this.confirm(ref, undefined);
    const entry = this.outbox.remove(ref);
    const d = this.sends.get(ref);
    this.sends.delete(ref);
    this.changed();
    if (entry) this.owner.failed(entry, error);
    d?.reject(ParleyError.from(error));
    this.flush();
    return true;
  }

  /** The visit is over: every promise rejects with `error`; the entries go, unless `keep` (for the next visit). */
  end(error: ParleyError, keep: boolean): void {
    if (this.pumpTimer !== null) clearTimeout(this.pumpTimer);
    this.pumpTimer = null;
    const sends = [...this.sends.values()];
    this.sends.clear();
    this.outbox.unsendAll();
    if (!keep) for (const entry of this.outbox.entries()) this.outbox.remove(entry.id);
    for (const d of sends) d.reject(error);
    this.changed();
  }

  /** Sends what the outbox holds, within the window. Only while the room is open. */
  flush(): void {
    if (!this.owner.open() || this.pumpTimer !== null) return;
    for (const entry of this.outbox.take(this.room, this.settings.sendWindow)) {
      if (!this.owner.send(sendFrame(entry.text, entry.id, entry))) {
        this.outbox.unsend(entry.id);
        return;
      }
    }
  }

  private schedulePump(): void {
    if (this.pumpTimer !== null) return;
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = null;
      this.flush();
    }, this.settings.rateLimitRetryMs);
  }

  private changed(): void {
    const entries = this.outbox.entries();
    this.store?.save(this.room, entries);
    this.owner.changed(entries);
  }
}
