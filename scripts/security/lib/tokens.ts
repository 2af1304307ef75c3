/**
 * Tokens for the attacks that need a role (a moderator to kick or ban with):
 * signed here with the secret the main target runs with, as an app backend
 * would sign them (scripts/token.ts does the same for people).
 */
import { sign } from "hono/jwt";

/** The main target's AUTH_SECRET (targets.ts): a test secret, never a real one. */
export const SECURITY_AUTH_SECRET = "security-auth-secret-0123456789abcdef";

export interface Claims {
  sub: string;
  name: string;
  room: string;
  role?: "reader" | "member" | "moderator" | "owner";
}

/** A token for `claims`, valid for ten minutes. */
export function tokenFor(claims: Claims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ role: "member", ...claims, iat: now, nbf: now, exp: now + 600 }, SECURITY_AUTH_SECRET, "HS256");
}
