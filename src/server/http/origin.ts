/**
 * Cross-site WebSocket hijacking defence. Browsers always send `Origin` on a
 * WebSocket upgrade and on a cross-site POST; another site's page must not be
 * able to open a socket (or post) as the visitor. Non-browser clients send no
 * Origin and are allowed: they could forge any header anyway.
 */

/** Parses the `ALLOWED_ORIGINS` var: comma-separated origins, blanks ignored. */
export function parseAllowedOrigins(raw: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const part of (raw ?? "").split(",")) {
    const origin = part.trim().replace(/\/+$/, "");
    if (origin) out.add(origin.toLowerCase());
  }
  return out;
}

/**
 * Whether a request may proceed: no `Origin`, the page's own origin (the
 * origin of the request URL), or one listed in `allowed`.
 */
export function originAllowed(origin: string | null, requestUrl: string, allowed: Set<string>): boolean {
  if (origin === null) return true;
  const o = origin.toLowerCase();
  return o === new URL(requestUrl).origin.toLowerCase() || allowed.has(o);
}
