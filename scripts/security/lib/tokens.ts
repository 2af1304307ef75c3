/**
 * Signed tokens for the attacks that need identities and roles: HS256 JWTs
 * signed with Hono's JWT helper and the secret the main target runs with, as
 * an app backend would sign them (scripts/token.ts does the same for people).
 */
import { sign } from "hono/jwt";
import type { Target } from "./targets.ts";

/** The main target's AUTH_SECRET (targets.ts): a test secret, never a real one. */
export const AUTH_SECRET = "security-auth-secret-0123456789abcdef";

export type Role = "reader" | "member" | "moderator" | "owner";

export interface Claims {
  sub: string;
  name: string;
  room: string;
  role?: Role;
}

/** A token for `claims` (a member unless it names a role), valid for ten minutes. */
export function tokenFor(claims: Claims): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return sign({ role: "member", ...claims, iat: now, nbf: now, exp: now + 600 }, AUTH_SECRET, "HS256");
}

/** A direct room socket's URL for `sub` with `role` (its name is the sub in capitals). */
export async function withToken(t: Target, room: string, sub: string, role: Role): Promise<string> {
  const token = await tokenFor({ sub, name: sub.toUpperCase(), room, role });
  return `${t.wsUrl}/ws?room=${encodeURIComponent(room)}&token=${token}`;
}
