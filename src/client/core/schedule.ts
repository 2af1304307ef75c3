/**
 * One reconnect schedule for all the rooms of a client. A room's wait is
 * its backoff delay, but
 *
 * - while no room of the client is open (an outage), rooms share the
 *   deepest attempt count any of them reached: a room that drops now waits
 *   as long as the others, instead of hammering a network known to be down;
 * - reconnects are spaced at least `spacingMs` (±50 %) apart, so rooms that
 *   dropped together come back one after another.
 *
 * Pure but for the clock and randomness it is given.
 */

import { type BackoffOptions, backoffDelay } from "./backoff";

export class ReconnectSchedule {
  private level = 0;
  private nextAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: BackoffOptions,
    private readonly spacingMs: number,
    private readonly now: () => number,
    private readonly random: () => number,
  ) {}

  /** The wait before a room's reconnect number `attempt`; `outage`: no other room of the client is open. */
  delay(attempt: number, outage: boolean): number {
    if (outage) this.level = Math.max(this.level, attempt);
    return this.slot(backoffDelay(outage ? this.level : attempt, this.random, this.options));
  }

  /** The wait before a reconnect that wants to start in `ms`, spaced from the others. */
  slot(ms: number): number {
    const now = this.now();
    const at = Math.max(now + ms, this.nextAt);
    this.nextAt = at + this.spacingMs * (0.5 + this.random());
    return at - now;
  }

  /** A room is open: the outage, if there was one, is over. */
  reset(): void {
    this.level = 0;
  }
}
