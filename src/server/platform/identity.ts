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
 * Synchronous (WebCrypto's digest is not), so a log line is written where it
 * is made.
 */
export function pseudonym(id: string): string {
  return hex(sha256(new TextEncoder().encode(id))).slice(0, PSEUDONYM_HEX);
}

function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** SHA-256's round constants (FIPS 180-4 §4.2.2). */
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
const at = (words: Uint32Array, i: number): number => words[i] ?? 0;

/** SHA-256 (FIPS 180-4), synchronous: for the short ids the logs name. */
export function sha256(data: Uint8Array): Uint8Array {
  // The message, a 1 bit, zeros, and its length in bits: a whole number of 64-byte blocks.
  const blocks = Math.ceil((data.length + 9) / 64);
  const padded = new Uint8Array(blocks * 64);
  padded.set(data);
  padded[data.length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(data.length / 0x20000000));
  view.setUint32(padded.length - 4, data.length * 8);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  for (let block = 0; block < blocks; block++) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(block * 64 + i * 4);
    for (let i = 16; i < 64; i++) {
      const x = at(w, i - 15);
      const y = at(w, i - 2);
      // A Uint32Array keeps each sum modulo 2^32.
      w[i] = at(w, i - 16) + (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) + at(w, i - 7) + (rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10));
    }
    // The working variables a…h as s[0…7].
    const s = h.slice();
    for (let i = 0; i < 64; i++) {
      const a = at(s, 0);
      const e = at(s, 4);
      const t1 = at(s, 7) + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & at(s, 5)) ^ (~e & at(s, 6))) + at(K, i) + at(w, i);
      const t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & at(s, 1)) ^ (a & at(s, 2)) ^ (at(s, 1) & at(s, 2)));
      s.copyWithin(1, 0, 7);
      s[4] = at(s, 4) + t1;
      s[0] = t1 + t2;
    }
    for (let i = 0; i < 8; i++) h[i] = at(h, i) + at(s, i);
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) outView.setUint32(i * 4, at(h, i));
  return out;
}
