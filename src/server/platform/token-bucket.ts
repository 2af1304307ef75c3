/**
 * A token bucket: a burst of `burst` tokens, refilled at `perSecond`.
 *
 * A client that keeps sending past the limit is told to go: more than
 * `burst` refusals within REFUSAL_WINDOW_MS make the verdict "close". The
 * window, not a run of refusals in a row, is what catches a steady flood: at
 * a rate just over the limit every refilled token lets one frame through,
 * which must not wipe the slate. Since a connection is closed past that many
 * refusals, the replies it gets are bounded too.
 *
 * Kept in memory, not in a socket's attachment: a room only hibernates after
 * seconds of silence, by which time every bucket has refilled anyway, so
 * losing the state on a wake forgives nothing that was owed.
 */
export type Verdict = "ok" | "limited" | "close";

/** How long refusals are remembered when deciding that a client keeps flooding. */
export const REFUSAL_WINDOW_MS = 10_000;

export class TokenBucket {
  private tokens: number;
  private last: number;
  private refusals = 0;
  private windowStart = 0;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** Spends `cost` tokens (default one, for one frame) at `now` (ms), or refuses. */
  take(now: number, cost = 1): Verdict {
    this.refill(now);
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return "ok";
    }
    if (now - this.windowStart > REFUSAL_WINDOW_MS) {
      this.windowStart = now;
      this.refusals = 0;
    }
    this.refusals += 1;
    return this.refusals > Math.max(1, this.burst) ? "close" : "limited";
  }

  /**
   * Charges work already done for the client (a reply whose size it chose):
   * the tokens may go below zero, down to one burst of debt, and what it owes
   * delays its next frames.
   */
  charge(now: number, cost: number): void {
    this.refill(now);
    this.tokens = Math.max(-this.burst, this.tokens - cost);
  }

  /** Milliseconds until one token is back (0 when there is one now). */
  retryAfterMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.perSecond);
  }
}

/** The rate limit of each socket an object holds: one bucket per socket, made at its first frame. */
export function socketBuckets(limits: { RATE_LIMIT_BURST: number; RATE_LIMIT_PER_SECOND: number }): (ws: WebSocket) => TokenBucket {
  const buckets = new WeakMap<WebSocket, TokenBucket>();
  return (ws) => {
    let found = buckets.get(ws);
    if (!found) {
      found = new TokenBucket(limits.RATE_LIMIT_BURST, limits.RATE_LIMIT_PER_SECOND, Date.now());
      buckets.set(ws, found);
    }
    return found;
  };
}
