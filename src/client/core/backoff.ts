/**
 * Reconnect delays: exponential backoff with jitter, so a restarted server is
 * not hit by every page at the same instant. Pure; the caller supplies the
 * randomness.
 */

export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  readonly baseMs: number;
  /** Longest delay, in ms. */
  readonly maxMs: number;
  /** Growth per attempt. */
  readonly factor: number;
  /** Share of the delay that is random: 0 = none, 0.5 = between half and all of it. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, maxMs: 10_000, factor: 2, jitter: 0.5 };

/**
 * The delay before retry number `attempt` (0 for the first retry after a
 * drop). `random` returns a number in [0, 1), like Math.random.
 */
export function backoffDelay(attempt: number, random: () => number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const n = Math.max(0, Math.floor(attempt));
  // Cap the exponent, so a long outage cannot overflow to Infinity.
  const ceiling = Math.min(options.maxMs, options.baseMs * options.factor ** Math.min(n, 30));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(ceiling * (1 - options.jitter) + ceiling * options.jitter * r);
}
