/**
 * Who a request comes from, as both the edge (rate limits, HTTP senders) and
 * the room (an anonymous member's bans) need it: the client's address, and
 * the short hash Parley keeps in its place.
 */

/**
 * The client's address: Cloudflare's CF-Connecting-IP. Requests without one
 * (in-process tests, and wrangler dev unless a client sends it) share one
 * address.
 */
export function clientAddress(request: Request): string {
  return request.headers.get("CF-Connecting-IP") ?? "unknown";
}

/** Hex SHA-256 of a string, truncated to 128 bits (plenty to tell senders apart). */
export async function sha256Hex(s: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  let hex = "";
  for (const b of digest.subarray(0, 16)) hex += b.toString(16).padStart(2, "0");
  return hex;
}
