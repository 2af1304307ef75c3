/** Tokens for the tests, signed as an operator's backend would (or forged, as an attacker would). */
import { sign } from "hono/jwt";

/** The secret the `workers-auth` project runs with (vitest.config.ts). */
const SECRET = "test-auth-secret-0123456789abcdef";
export const API_KEY = "test-api-key-0123456789";

export interface Claims {
  sub: string;
  name: string;
  room: string;
  role?: string;
  exp?: number;
  nbf?: number;
}

const now = () => Math.floor(Date.now() / 1000);

/** A token signed with `secret` (the server's by default), valid for an hour unless `exp` says otherwise. */
export function token(claims: Claims, secret = SECRET): Promise<string> {
  return sign({ exp: now() + 3600, ...claims }, secret, "HS256");
}

const b64url = (s: string) => btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** An unsigned token (`alg: none`). */
export function unsigned(claims: Claims): string {
  return `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify({ exp: now() + 3600, ...claims }))}.`;
}

export const expired = (claims: Claims) => token({ ...claims, exp: now() - 60 });
export const notYet = (claims: Claims) => token({ ...claims, nbf: now() + 3600 });
