/**
 * What the operator sees of a room (GET /api/admin/rooms…): counters since
 * its object last started, kept in memory — nothing is written for them and
 * nothing leaves the room per message. Messages per minute are counted in
 * one-second slots over the last minute.
 *
 * With an Analytics Engine dataset bound (METRICS, optional), the room also
 * writes one data point per window of METRICS_WINDOW_MS in which something
 * happened: what that window added (docs/operations.md has the SQL). The
 * window's timer runs only while there is something to write, so an idle
 * room still hibernates.
 */
import type { Counters } from "../../shared/operator";

const SLOTS = 60;

/** How long a room gathers its metrics before writing them as one data point (at most as long as a presence window). */
export const METRICS_WINDOW_MS = 10_000;

/** The counts one data point carries, in the order of its `doubles` (docs/operations.md names them). */
const WINDOW_FIELDS = ["messages", "deliveries", "joins", "refusals", "webhookFailures"] as const;
type Window = Record<(typeof WINDOW_FIELDS)[number], number>;
const emptyWindow = (): Window => ({ messages: 0, deliveries: 0, joins: 0, refusals: 0, webhookFailures: 0 });

export class RoomStats {
  private readonly since = Date.now();
  private messages = 0;
  private joins = 0;
  private readonly refusals: Record<string, number> = {};
  private lastActivity: number | null = null;
  /** Messages per second of the last minute: slot = second % SLOTS, with the second it counts. */
  private readonly slots = Array.from({ length: SLOTS }, () => ({ second: -1, n: 0 }));
  private window = emptyWindow();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly room: string,
    /** The Analytics Engine dataset, when one is bound. */
    private readonly sink?: AnalyticsEngineDataset,
  ) {}

  /** `count` messages were stored, each for `recipients` members. */
  stored(count: number, now: number, recipients: number): void {
    if (count === 0) return;
    this.add("messages", count);
    this.add("deliveries", count * recipients);
    this.messages += count;
    this.lastActivity = now;
    const second = Math.floor(now / 1000);
    const slot = this.slots[second % SLOTS] as { second: number; n: number };
    if (slot.second !== second) {
      slot.second = second;
      slot.n = 0;
    }
    slot.n += count;
  }

  joined(now: number): void {
    this.add("joins", 1);
    this.joins++;
    this.lastActivity = now;
  }

  refused(code: string): void {
    this.add("refusals", 1);
    this.refusals[code] = (this.refusals[code] ?? 0) + 1;
  }

  /** A webhook delivery failed (the receiver refused or did not answer). */
  webhookFailed(): void {
    this.add("webhookFailures", 1);
  }

  /** Writes what the window gathered as one data point, and starts a new window. */
  flush(): void {
    this.timer = undefined;
    const window = this.window;
    this.window = emptyWindow();
    if (WINDOW_FIELDS.every((field) => window[field] === 0)) return;
    this.sink?.writeDataPoint({ indexes: [this.room], blobs: [this.room], doubles: WINDOW_FIELDS.map((field) => window[field]) });
  }

  private add(field: keyof Window, n: number): void {
    if (!this.sink) return;
    this.window[field] += n;
    this.timer ??= setTimeout(() => this.flush(), METRICS_WINDOW_MS);
  }

  counters(now: number): Counters {
    const second = Math.floor(now / 1000);
    let perMinute = 0;
    for (const slot of this.slots) if (second - slot.second < SLOTS) perMinute += slot.n;
    const { since, messages, joins, lastActivity } = this;
    return { since, messages, joins, refusals: { ...this.refusals }, messagesPerMinute: perMinute, lastActivity };
  }
}
