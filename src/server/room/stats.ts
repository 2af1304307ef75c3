/**
 * What the operator sees of a room (GET /api/admin/rooms…): counters since
 * its object last started, kept in memory — nothing is written for them and
 * nothing leaves the room per message. Messages per minute are counted in
 * one-second slots over the last minute.
 */

/** The counters `GET /api/admin/rooms/:room` shows. */
export interface Counters {
  /** When this object started counting (epoch ms). */
  since: number;
  messages: number;
  joins: number;
  /** Refusals by error code. */
  refusals: Record<string, number>;
  /** Messages stored in the last minute. */
  messagesPerMinute: number;
  /** The newest message or join (epoch ms); null when none since `since`. */
  lastActivity: number | null;
}

const SLOTS = 60;

export class RoomStats {
  private readonly since = Date.now();
  private messages = 0;
  private joins = 0;
  private readonly refusals: Record<string, number> = {};
  private lastActivity: number | null = null;
  /** Messages per second of the last minute: slot = second % SLOTS, with the second it counts. */
  private readonly slots = Array.from({ length: SLOTS }, () => ({ second: -1, n: 0 }));

  stored(count: number, now: number): void {
    if (count === 0) return;
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
    this.joins++;
    this.lastActivity = now;
  }

  refused(code: string): void {
    this.refusals[code] = (this.refusals[code] ?? 0) + 1;
  }

  counters(now: number): Counters {
    const second = Math.floor(now / 1000);
    let perMinute = 0;
    for (const slot of this.slots) if (second - slot.second < SLOTS) perMinute += slot.n;
    const { since, messages, joins, lastActivity } = this;
    return { since, messages, joins, refusals: { ...this.refusals }, messagesPerMinute: perMinute, lastActivity };
  }
}
