/**
 * Who a request comes from, as both the edge (rate limits, HTTP senders) and
 * the room (an anonymous member's bans) need it: the client's address, and
 * the short hash Parley keeps in its place; and the pseudonym a member id
 * goes by in the logs.
 */

/**
 * The client's address: Cloudflare's CF-Connecting-IP, the one request header
 * Parley believes about a client. In production Cloudflare sets it on every
 * request, overwriting whatever the client sent; under `wrangler dev` a
 * client-sent one is kept, so there every client chooses its own address.
 * Requests without one (in-process tests, and wrangler dev unless a client
 * sends it) share one address.
 */
export function clientAddress(request: Request): string {
  return request.headers.get("CF-Connecting-IP") ?? "unknown";
}

/** Hex SHA-256 of a string, truncated to 128 bits (plenty to tell senders apart). */
export async function sha256Hex(s: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
  return hex(digest.subarray(0, 16));
}

/** Hex digits of the pseudonym: 48 bits, enough to tell a room's members apart in the logs. */
const PSEUDONYM_HEX = 12;

/**
 * How a member id appears in a log line: the first 48 bits of its unsalted
 * SHA-256, in hex. A token member's id is its `sub`, which may be an e-mail
 * address; the logs are not the place for it. Unsalted, so one member's lines
 * link up across rooms, restarts and deploys, and an operator can find them
 * (`printf %s "$SUB" | sha256sum | cut -c1-12`). It hides a sub from whoever
 * reads a line, not from someone who guesses it: the logs stay personal data.
 * WebCrypto's digest is asynchronous, so it is worked out once per
 * connection, at admission, and kept in the attachment (`alias`).
 */
export async function pseudonym(id: string): Promise<string> {
  return (await sha256Hex(id)).slice(0, PSEUDONYM_HEX);
}

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}
