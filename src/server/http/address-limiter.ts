/**
 * Rate limits per client address: one small Durable Object per address
 * (`getByName(ip)`) holding a token bucket per kind of request — new socket
 * connections, HTTP reads, HTTP writes and uploaded bytes — and one of
 * failed credentials.
 *
 * Cloudflare's Rate Limiting binding would be cheaper, but its limits are
 * fixed in wrangler.toml and cannot follow the vars. The buckets live in
 * memory: an object that is evicted has seen no request for a while, so
 * starting it full again forgives nothing.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { TokenBucket } from "../platform/token-bucket";

export type AddressBucket = "connect" | "read" | "write" | "upload";

export class AddressLimiter extends DurableObject<Env> {
  private readonly buckets = new Map<AddressBucket | "credential", TokenBucket>();

  /**
   * Takes `cost` tokens from this address's `bucket` (`burst` tokens, refilled
   * at `perSecond`). Returns 0 when admitted, otherwise the milliseconds until
   * the next token.
   */
  admit(bucket: AddressBucket, burst: number, perSecond: number, cost = 1): number {
    const now = Date.now();
    const b = this.bucket(bucket, burst, perSecond, now);
    return b.take(now, cost) === "ok" ? 0 : Math.max(1, b.retryAfterMs(now));
  }

  /**
   * Counts a credential check from this address (its verdict `failed` or
   * not): a failure spends one token of the failure budget, a success none.
   * Returns 0 when the check's own verdict stands, otherwise the milliseconds
   * until the next token. While the budget is spent every check is refused,
   * a right credential too: a guesser who went on past it would otherwise be
   * told which guess was right.
   */
  credential(failed: boolean, burst: number, perSecond: number): number {
    const now = Date.now();
    const b = this.bucket("credential", burst, perSecond, now);
    if (!failed) return b.retryAfterMs(now);
    return b.take(now) === "ok" ? 0 : Math.max(1, b.retryAfterMs(now));
  }

  private bucket(kind: AddressBucket | "credential", burst: number, perSecond: number, now: number): TokenBucket {
    let b = this.buckets.get(kind);
    if (!b) {
      b = new TokenBucket(burst, perSecond, now);
      this.buckets.set(kind, b);
    }
    return b;
  }
}
