/**
 * Signed tokens for the attacks that need identities and roles: HS256 JWTs,
 * signed with the secret the main target runs with, as an operator's backend
 * would sign them (docs/protocol.md, Tokens).
 */
import { createHmac } from "node:crypto";
import type { Target } from "./targets.ts";

/** The AUTH_SECRET the main target runs with (targets.ts). */
export const AUTH_SECRET = "security-auth-secret-0123456789abcdef";

export type Role = "reader" | "member" | "moderator" | "owner";

const b64url = (s: string | Buffer): string => Buffer.from(s).toString("base64url");

/** A token for `sub` in `room` with `role`, valid for ten minutes. */
export function tokenFor(sub: string, room: string, role: Role): string {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify({ sub, name: sub.toUpperCase(), room, role, iat: now, exp: now + 600 }));
  const signature = createHmac("sha256", AUTH_SECRET).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${signature}`;
}

/** A direct room socket's URL for a token holder. */
export const withToken = (t: Target, room: string, sub: string, role: Role): string =>
  `${t.wsUrl}/ws?room=${encodeURIComponent(room)}&token=${tokenFor(sub, room, role)}`;
