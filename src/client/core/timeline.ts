/**
 * What the page has seen of one room's seq stream (messages, moderation,
 * deletes), by `seq`: it decides which events are
 * new (each seq is shown once, however often it arrives — live, in a
 * `joined` history after a reconnect, or in a page fetched over HTTP) and
 * which `since` to resume from.
 *
 * `cursor` is the resume point: every message with a seq up to it has been
 * received, or was deliberately not asked for (older history on a first
 * join). A reconnect with `since = cursor` therefore misses nothing, even
 * when the previous connection dropped halfway through paging a gap.
 *
 * Pure: no sockets, timers or DOM.
 */
import type { JoinedEvent, StoredEvent } from "../../shared/events";

export class Timeline {
  private readonly seen = new Set<number>();
  private joinedOnce = false;
  /** Every seq up to this was received or deliberately skipped. */
  cursor = 0;
  /** The newest seq known to exist in the room. */
  lastSeq = 0;

  /** The `since` to connect with: none before the first `joined` (the server then sends recent history). */
  since(): number | undefined {
    return this.joinedOnce ? this.cursor : undefined;
  }

  /** Whether messages between `cursor` and `lastSeq` are still missing and must be paged over HTTP. */
  get gap(): boolean {
    return this.cursor < this.lastSeq;
  }

  /** Records a message; true when its seq is new. */
  private accept(message: StoredEvent): boolean {
    if (this.seen.has(message.seq)) return false;
    this.seen.add(message.seq);
    return true;
  }

  /**
   * Applies a `joined` event. `resumed` says whether the connection asked
   * with `since` (= `since()` at connect time). Returns the history messages
   * not seen before, in seq order.
   */
  joined(event: JoinedEvent, resumed: boolean): StoredEvent[] {
    const fresh = this.batch(event.history);
    this.joinedOnce = true;
    this.lastSeq = Math.max(this.lastSeq, event.lastSeq);
    if (resumed && event.more) {
      // The server sent the first part of what was missed; the rest is a gap to page.
      const newest = event.history.at(-1)?.seq;
      if (newest !== undefined) this.cursor = Math.max(this.cursor, newest);
    } else {
      // Everything up to lastSeq was either sent now or (first join) not wanted.
      this.cursor = Math.max(this.cursor, event.lastSeq);
    }
    return fresh;
  }

  /** A live `message` event; true when it is new. */
  live(message: StoredEvent): boolean {
    const fresh = this.accept(message);
    // In step with the room (no gap being paged): this message extends what we have.
    if (this.cursor >= this.lastSeq) this.cursor = Math.max(this.cursor, message.seq);
    this.lastSeq = Math.max(this.lastSeq, message.seq);
    return fresh;
  }

  /**
   * A page from `GET /api/rooms/:room/messages?since=cursor`. Returns the
   * messages not seen before. An empty page means nothing more is stored
   * (pruned or never there), so the gap is closed.
   */
  page(messages: readonly StoredEvent[]): StoredEvent[] {
    const fresh = this.batch(messages);
    const newest = messages.at(-1)?.seq;
    this.cursor = newest === undefined ? this.lastSeq : Math.max(this.cursor, newest);
    this.lastSeq = Math.max(this.lastSeq, this.cursor);
    return fresh;
  }

  /**
   * Older messages fetched on request (before the first one shown); they do
   * not move the cursor. Returns the ones not seen before.
   */
  older(messages: readonly StoredEvent[]): StoredEvent[] {
    return this.batch(messages);
  }

  /** The smallest seq shown, or undefined. */
  oldest(): number | undefined {
    let min: number | undefined;
    for (const seq of this.seen) if (min === undefined || seq < min) min = seq;
    return min;
  }

  private batch(messages: readonly StoredEvent[]): StoredEvent[] {
    const fresh = messages.filter((m) => this.accept(m));
    return fresh.sort((a, b) => a.seq - b.seq);
  }
}
