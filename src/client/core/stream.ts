/**
 * A room's seq stream as the client tells it: each seq once (timeline.ts),
 * in seq order — live events that overtake a gap being paged wait for it —
 * with a `gap` where the room pruned what this client missed. The rest of a
 * capped resume is paged over HTTP, and earlier history loaded on request.
 */

import type { JoinedEvent, StoredEvent } from "../../shared/events";
import { PAGE_MAX } from "../../shared/limits";
import { Timeline } from "./timeline";
import type { StoredBatchEvent } from "./types";

/** What a stream asks of, and tells, its room. */
export interface StreamOwner {
  /** `GET /api/rooms/:room/messages?since=&limit=` → its `messages`. */
  fetchPage(since: number, limit: number): Promise<StoredEvent[]>;
  /** Stored events to tell now, in seq order, each once. */
  tell(events: StoredEvent[], from: StoredBatchEvent["from"]): void;
  /** Seqs `from`..`to` will never come (see GapEvent). */
  gap(from: number, to: number): void;
  /** Earlier events, loaded on request. */
  older(events: StoredEvent[]): void;
  /** A page arrived (before it is told): its messages confirm sends. */
  paged(events: readonly StoredEvent[]): void;
  /** Paging failed (the network, a rate limit, an origin the API's answers are not shared with). */
  pagingFailed(): void;
}

export class Stream {
  private timeline = new Timeline();
  /** Stored events received ahead of the cursor (live ones that overtook a gap being paged), told once it reaches them. */
  private held: StoredEvent[] = [];
  /** The timeline whose gap is being paged. */
  private paging: Timeline | null = null;

  constructor(private readonly owner: StreamOwner) {}

  /** The resume point (`since` of the next connection): none before the first `joined` of a visit. */
  get cursor(): number | undefined {
    return this.timeline.since();
  }

  /** A new visit: nothing seen yet. */
  reset(): void {
    this.timeline = new Timeline();
    this.held = [];
  }

  /**
   * Applies a `joined` of a connection that asked with `since` (`resumed`)
   * or not, saying `gap` first if the room pruned what was missed. Returns
   * its history's events not seen before, for `tell`.
   */
  joined(event: JoinedEvent, resumed: boolean): StoredEvent[] {
    if (resumed) this.sayGap(event.history[0]?.seq ?? event.lastSeq + 1, event.lastSeq);
    return this.timeline.joined(event, resumed);
  }

  /** A live stored event: told if new (or held, if it overtook a gap being paged). */
  live(event: StoredEvent): void {
    if (this.timeline.live(event)) this.tell([event], "live");
  }

  /** Tells new events in seq order up to the cursor; any above it wait for the gap before them. */
  tell(events: StoredEvent[], from: StoredBatchEvent["from"]): void {
    if (events.length) this.held.push(...events);
    const cursor = this.timeline.since() ?? 0;
    if (!this.held.some((e) => e.seq <= cursor)) return;
    this.held.sort((a, b) => a.seq - b.seq);
    const ready = this.held.filter((e) => e.seq <= cursor);
    this.held = this.held.filter((e) => e.seq > cursor);
    this.owner.tell(ready, from);
  }

  /** Pages what a capped resume left out, page by page, until caught up; stops at a new visit. */
  async fillGap(): Promise<void> {
    const timeline = this.timeline;
    if (this.paging === timeline || !timeline.gap) return;
    this.paging = timeline;
    try {
      while (timeline === this.timeline && timeline.gap) {
        const page = await this.owner.fetchPage(timeline.cursor, PAGE_MAX);
        if (timeline !== this.timeline) return;
        this.sayGap(page[0]?.seq ?? timeline.lastSeq + 1, timeline.lastSeq);
        this.owner.paged(page);
        this.tell(timeline.page(page), "page");
      }
    } catch {
      if (timeline === this.timeline) this.owner.pagingFailed();
    } finally {
      if (this.paging === timeline) this.paging = null;
    }
  }

  /**
   * Fetches up to `limit` events older than the oldest one seen ("load
   * earlier"). Resolves to whether still older ones may exist.
   */
  async loadOlder(limit: number): Promise<boolean> {
    const timeline = this.timeline;
    const oldest = timeline.oldest();
    if (oldest === undefined || oldest <= 1) return false;
    const since = Math.max(0, oldest - 1 - limit);
    const page = await this.owner.fetchPage(since, Math.min(limit, oldest - 1, PAGE_MAX));
    if (timeline !== this.timeline) return false;
    const fresh = timeline.older(page.filter((m) => m.seq < oldest));
    if (fresh.length) this.owner.older(fresh);
    // Nothing came back (pruned), or the page reached the room's first message: nothing older is stored.
    return fresh.length > 0 && since > 0;
  }

  /**
   * Says `gap` for the seqs after the cursor that the room no longer keeps:
   * the first seq it answered with (`first`) came later than the next one
   * due, and none up to `last` is coming.
   */
  private sayGap(first: number, last: number): void {
    const from = this.timeline.cursor + 1;
    const to = Math.min(first - 1, last);
    if (to >= from) this.owner.gap(from, to);
  }
}
