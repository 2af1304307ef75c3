/**
 * Rate limits per client address: one small Durable Object per address
 * (`getByName(ip)`) holding a token bucket per kind of request — new socket
 * connections, HTTP reads and HTTP writes.
 *
 * Cloudflare's Rate Limiting binding would be cheaper, but its limits are
 * fixed in wrangler.toml and cannot follow the vars. The buckets live in
 * memory: an object that is evicted has seen no request for a while, so
 * starting it full again forgives nothing.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { TokenBucket } from "../platform/token-bucket";

export type AddressBucket = "connect" | "read" | "write";

export class AddressLimiter extends DurableObject<Env> {
  private readonly buckets = new Map<AddressBucket, TokenBucket>();

  /**
   * Takes one token from this address's `bucket` (`burst` tokens, refilled
   * at `perSecond`). Returns 0 when admitted, otherwise the milliseconds until
   * the next token.
   */
  admit(bucket: AddressBucket, burst: number, perSecond: number): number {
    const now = Date.now();
    let b = this.buckets.get(bucket);
    if (!b) {
      b = new TokenBucket(burst, perSecond, now);
      this.buckets.set(bucket, b);
    }
    return b.take(now) === "ok" ? 0 : Math.max(1, b.retryAfterMs(now));
  }
}
