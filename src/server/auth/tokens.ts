/**
 * Signed identities: JWTs (HS256) that an operator's backend mints with the
 * AUTH_SECRET, verified here with Hono's JWT helper (WebCrypto underneath).
 * Any other algorithm, `none` included, is refused. A token is never logged.
 */
import { sign, verify } from "hono/jwt";
import { ANONYMOUS_ROLE, isPrivateRoom, isRole, type Role, roomCovered } from "../../shared/auth";
import { refusal } from "../../shared/errors";
import { DEFAULT_LIMITS, type Limits } from "../../shared/limits";
import { fail, ok, type Result, validateNick, validateRoom } from "../../shared/validate";

/** A verified token's claims. */
export interface Identity {
  /** Stable user id: the member's `from.id`. */
  sub: string;
  /** Display name: wins over any nick the client sends. */
  name: string;
  /** One room, or a prefix ending in `*`. */
  room: string;
  role: Role;
}

/** What a connection or request is, once its token (if any) is checked. */
export interface Admission {
  identity: Identity | null;
  role: Role;
}

const ALG = "HS256";
/** Longer is no token of ours, and not worth an HMAC. */
const MAX_TOKEN_CHARS = 4096;
const SUB = /^[\p{L}\p{N}._:@-]{1,64}$/u;

/** Whether anonymous members may enter rooms that are not private (ANONYMOUS, default true). */
function anonymousAllowed(env: { ANONYMOUS?: string }): boolean {
  return env.ANONYMOUS !== "false";
}

/** Verifies a token and reads its claims; any failure is `unauthenticated`, with what was wrong. */
export async function verifyToken(token: string, secret: string | undefined, limits: Limits = DEFAULT_LIMITS): Promise<Result<Identity>> {
  if (!secret) return { ok: false, error: refusal.unauthenticated("this server accepts no tokens (AUTH_SECRET is not set)") };
  if (token.length > MAX_TOKEN_CHARS) return { ok: false, error: refusal.unauthenticated("token is malformed") };
  let claims: Record<string, unknown>;
  try {
    claims = await verify(token, secret, { alg: ALG, iat: false });
  } catch (err) {
    const name = err instanceof Error ? err.name : "";
    const why =
      name === "JwtTokenExpired" ? "token has expired" : name === "JwtTokenNotBefore" ? "token is not valid yet" : "token is invalid";
    return { ok: false, error: refusal.unauthenticated(why) };
  }
  if (typeof claims.exp !== "number") return { ok: false, error: refusal.unauthenticated("token has no exp") };
  if (typeof claims.sub !== "string" || !SUB.test(claims.sub))
    return { ok: false, error: refusal.unauthenticated("token's sub is missing or malformed") };
  const name = validateNick(claims.name, limits);
  if (!name.ok) return { ok: false, error: refusal.unauthenticated(`token's name: ${name.error.message}`) };
  const room = validateRoomClaim(claims.room);
  if (!room.ok) return { ok: false, error: refusal.unauthenticated(`token's room: ${room.error.message}`) };
  const role = claims.role ?? ANONYMOUS_ROLE;
  if (!isRole(role)) return { ok: false, error: refusal.unauthenticated("token's role is not reader, member, moderator or owner") };
  return ok({ sub: claims.sub, name: name.value, room: room.value, role });
}

/** A `room` claim: a room name, or a prefix ending in `*`. */
function validateRoomClaim(raw: unknown): Result<string> {
  if (raw === "*") return ok(raw);
  if (typeof raw === "string" && raw.endsWith("*")) {
    const prefix = validateRoom(raw.slice(0, -1));
    return prefix.ok ? ok(`${prefix.value}*`) : prefix;
  }
  if (raw === undefined) return fail("invalid_room", "room is missing");
  return validateRoom(raw);
}

/**
 * Who may enter `room`: a verified identity whose `room` covers it, with its
 * role; or, without a token, anyone — unless the room is private or the
 * server takes no anonymous members.
 */
export function admit(identity: Identity | null, room: string, env: { ANONYMOUS?: string }): Result<Admission> {
  if (identity) {
    if (!roomCovered(identity.room, room)) return { ok: false, error: refusal.forbidden(`your token is not for room ${room}`) };
    return ok({ identity, role: identity.role });
  }
  if (isPrivateRoom(room)) return { ok: false, error: refusal.unauthenticated(`room ${room} is private: it needs a token`) };
  if (!anonymousAllowed(env)) return { ok: false, error: refusal.unauthenticated("this server needs a token for every room") };
  return ok({ identity: null, role: ANONYMOUS_ROLE });
}

/** Verifies an optional token, then decides entry to `room`. */
export async function admitToken(
  token: string | undefined,
  room: string,
  env: { AUTH_SECRET?: string; ANONYMOUS?: string },
  limits: Limits = DEFAULT_LIMITS,
): Promise<Result<Admission>> {
  if (token === undefined) return admit(null, room, env);
  const identity = await verifyToken(token, env.AUTH_SECRET, limits);
  return identity.ok ? admit(identity.value, room, env) : identity;
}

/** What an app backend asks for when it mints a token. */
export interface TokenRequest {
  sub: string;
  name: string;
  room: string;
  role: Role;
  /** Lifetime in seconds. */
  ttl: number;
}

/** The longest lifetime a minted token may have: tokens travel in URLs, so they should be short-lived. */
const MAX_TOKEN_TTL_S = 7 * 24 * 3600;

/** Signs a token for `request`, valid from now for `ttl` seconds. */
export function mintToken(request: TokenRequest, secret: string, nowMs: number): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  return sign(
    { sub: request.sub, name: request.name, room: request.room, role: request.role, iat: now, nbf: now, exp: now + request.ttl },
    secret,
    ALG,
  );
}

/** Validates a mint request's body. */
export function parseTokenRequest(body: Record<string, unknown>, limits: Limits = DEFAULT_LIMITS): Result<TokenRequest> {
  if (typeof body.sub !== "string" || !SUB.test(body.sub)) return fail("bad_frame", "sub must be 1–64 letters, digits or . _ : @ -");
  const name = validateNick(body.name, limits);
  if (!name.ok) return name;
  const room = validateRoomClaim(body.room);
  if (!room.ok) return room;
  const role = body.role ?? ANONYMOUS_ROLE;
  if (!isRole(role)) return fail("bad_frame", "role must be reader, member, moderator or owner");
  const ttl = body.ttl ?? 3600;
  if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_S) {
    return fail("bad_frame", `ttl must be a whole number of seconds from 1 to ${MAX_TOKEN_TTL_S}`);
  }
  return ok({ sub: body.sub, name: name.value, room: room.value, role, ttl });
}
