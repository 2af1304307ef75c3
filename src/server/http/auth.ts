/**
 * Who an HTTP request is: an app backend holding the API_KEY, a user with a
 * token, or anonymous — and whether that may read or write a room.
 * Credentials travel as `Authorization: Bearer …`.
 */
import { atLeast } from "../../shared/auth";
import { refusal } from "../../shared/errors";
import type { Member } from "../../shared/events";
import { limitsFrom } from "../../shared/limits";
import type { Result } from "../../shared/validate";
import { admit, type Identity, verifyToken } from "../auth/tokens";
import type { Env } from "../env";

export type Caller =
  /** The operator's app backend (API_KEY): may read and write every room, posting under any nick. */
  | { kind: "app" }
  /** A user with a verified token. */
  | { kind: "user"; identity: Identity }
  | { kind: "anonymous" };

/** The Bearer credential of a request, if any. */
function bearer(request: Request): string | undefined {
  const header = request.headers.get("Authorization");
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1];
}

/** Whether a request presents a credential (the API key or a token), which checkCredential (guards.ts) counts. */
export function hasCredential(request: Request): boolean {
  return bearer(request) !== undefined;
}

/** A key of this isolate's own, never stored: what secrets are compared under (sameSecret). */
let compareKey: Promise<CryptoKey> | undefined;

/**
 * Compares secrets in time that depends on neither their contents nor their
 * lengths: both are HMACed under a random key first, and the digests (always
 * 32 bytes) compared in constant time. timingSafeEqual alone throws on
 * unequal lengths, and checking the lengths first would tell them.
 */
async function sameSecret(a: string, b: string): Promise<boolean> {
  compareKey ??= crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]) as Promise<CryptoKey>;
  const key = await compareKey;
  const encoder = new TextEncoder();
  const [x, y] = await Promise.all([a, b].map((s) => crypto.subtle.sign("HMAC", key, encoder.encode(s))));
  return crypto.subtle.timingSafeEqual(x as ArrayBuffer, y as ArrayBuffer);
}

/** Each request's caller, read once: the API's credential gate and its route both ask. */
const callers = new WeakMap<Request, Promise<Result<Caller>>>();

/** Reads the request's credential: the API key, a valid token, or none. */
export function callerOf(request: Request, env: Env): Promise<Result<Caller>> {
  let caller = callers.get(request);
  if (!caller) {
    caller = readCaller(request, env);
    callers.set(request, caller);
  }
  return caller;
}

async function readCaller(request: Request, env: Env): Promise<Result<Caller>> {
  const credential = bearer(request);
  if (credential === undefined) return { ok: true, value: { kind: "anonymous" } };
  if (env.API_KEY && (await sameSecret(credential, env.API_KEY))) return { ok: true, value: { kind: "app" } };
  const identity = await verifyToken(credential, env.AUTH_SECRET, limitsFrom(env));
  return identity.ok ? { ok: true, value: { kind: "user", identity: identity.value } } : identity;
}

/** Whether `caller` may read `room`: private rooms (and every room with ANONYMOUS=false) need the key or a token that covers them. */
export function mayRead(caller: Caller, room: string, env: Env): Result<void> {
  if (caller.kind === "app") return { ok: true, value: undefined };
  const admission = admit(caller.kind === "user" ? caller.identity : null, room, env);
  return admission.ok ? { ok: true, value: undefined } : admission;
}

/**
 * Whether `caller` may post to `room`, and as whom. With API_KEY set,
 * anonymous posts are refused; a reader's token may not post.
 */
export function mayWrite(caller: Caller, room: string, env: Env): Result<{ identity: Identity | null }> {
  if (caller.kind === "app") return { ok: true, value: { identity: null } };
  if (caller.kind === "anonymous" && env.API_KEY) {
    return { ok: false, error: refusal.unauthenticated("posting needs the API key or a user token") };
  }
  const identity = caller.kind === "user" ? caller.identity : null;
  const admission = admit(identity, room, env);
  if (!admission.ok) return admission;
  if (!atLeast(admission.value.role, "member")) return { ok: false, error: refusal.forbidden("readers may not post") };
  return { ok: true, value: { identity } };
}

/** How an authorised post is signed: a user's token names it; otherwise the body's nick does. */
export function posterOf(identity: Identity | null, nick: string): Member {
  return identity ? { id: identity.sub, nick: identity.name } : { id: "http", nick };
}
