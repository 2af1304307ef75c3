/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com), with
 * WebCrypto only: the secret is `whsec_` and the base64 of the key; a request
 * is signed by `v1,` and the base64 of HMAC-SHA256 over `id.timestamp.body`.
 * Any Standard Webhooks library verifies what this signs.
 */

const PREFIX = "whsec_";

/** The key a `whsec_<base64>` secret holds, or undefined when the secret is missing or not of that form. */
export async function signingKey(secret: string | undefined): Promise<CryptoKey | undefined> {
  if (!secret?.startsWith(PREFIX)) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.from(atob(secret.slice(PREFIX.length)), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
  if (bytes.length === 0) return undefined;
  return crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

/** The `webhook-signature` header of one request: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export async function signature(key: CryptoKey, id: string, timestamp: number, body: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${btoa(String.fromCharCode(...new Uint8Array(mac)))}`;
}
