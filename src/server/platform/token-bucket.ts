/**
 * A token bucket: a burst of `burst` frames, refilled at `perSecond`. A
 * connection that keeps sending once the bucket is empty is told to go: after
 * `burst` refusals in a row the verdict is "close".
 *
 * Kept in memory beside the socket, not in its attachment: a room only
 * hibernates after seconds of silence, by which time every bucket has refilled
 * anyway, so losing the state on a wake forgives nothing that was owed.
 */
export type Verdict = "ok" | "limited" | "close";

export class TokenBucket {
  private tokens: number;
  private last: number;
  private refusals = 0;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Spends one token for a frame arriving at `now` (ms). */
  take(now: number): Verdict {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.perSecond);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      this.refusals = 0;
      return "ok";
    }
    this.refusals += 1;
    return this.refusals > Math.max(1, this.burst) ? "close" : "limited";
  }
}
