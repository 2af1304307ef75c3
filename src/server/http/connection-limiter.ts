/**
 * New connections per client address: one small Durable Object per address
 * (`getByName(ip)`) holding a token bucket of CONNECTS_PER_MINUTE tokens.
 *
 * Cloudflare's Rate Limiting binding would be cheaper, but its limit is fixed
 * in wrangler.toml and cannot follow the CONNECTS_PER_MINUTE var. The bucket
 * lives in memory: an object that is evicted has seen no connection for a
 * while, so starting it full again forgives nothing.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { TokenBucket } from "../platform/token-bucket";

export class ConnectionLimiter extends DurableObject<Env> {
  private bucket: TokenBucket | undefined;

  /** Takes one connection slot; false when the address is over `perMinute`. */
  admit(perMinute: number): boolean {
    const now = Date.now();
    this.bucket ??= new TokenBucket(perMinute, perMinute / 60, now);
    return this.bucket.take(now) === "ok";
  }
}
