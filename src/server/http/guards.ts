/**
 * Checks the Worker runs before a request reaches a room: the Origin rule
 * (cross-site WebSocket hijacking), rate limits per client address (failed
 * credentials among them), and the size of a request body. The first two are
 * gates: each returns the refusal to answer with (a 429 carries its
 * Retry-After), or null to go on; none touches the response of a request it
 * lets through.
 *
 * Refusals are logged with their code (and a limit's kind) only: a client's
 * address and Origin are the users' data, not the operator's.
 */
import { refusal } from "../../shared/errors";
import type { ErrorEvent } from "../../shared/events";
import { limitsFrom, MAX_FRAME_BYTES } from "../../shared/limits";
import type { Result } from "../../shared/validate";
import type { Env } from "../env";
import { clientAddress } from "../platform/identity";
import { log } from "../platform/log";
import type { AddressBucket } from "./address-limiter";
import { httpError } from "./errors";
import { originAllowed, parseAllowedOrigins } from "./origin";

/** 403 for a browser request from an origin that is neither ours nor allowed. */
export function checkOrigin(request: Request, env: Env): Response | null {
  const origin = request.headers.get("Origin");
  if (originAllowed(origin, request.url, parseAllowedOrigins(env.ALLOWED_ORIGINS))) return null;
  const error = refusal.forbiddenOrigin(origin);
  log("refusal", { code: error.code });
  return httpError(error);
}

/** The limit of each kind of request per address, as a bucket: `burst` at once, refilled at `perSecond`; null when off. */
function bucketOf(kind: AddressBucket, env: Env): { burst: number; perSecond: number } | null {
  const limits = limitsFrom(env);
  switch (kind) {
    case "connect":
      return limits.CONNECTS_PER_MINUTE === 0 ? null : { burst: limits.CONNECTS_PER_MINUTE, perSecond: limits.CONNECTS_PER_MINUTE / 60 };
    case "read":
      return limits.HTTP_READS_PER_MINUTE === 0
        ? null
        : { burst: limits.HTTP_READS_PER_MINUTE, perSecond: limits.HTTP_READS_PER_MINUTE / 60 };
    case "write":
      // Posting is sending: the same budget a socket has.
      return { burst: limits.RATE_LIMIT_BURST, perSecond: limits.RATE_LIMIT_PER_SECOND };
    case "upload":
      // In MiB: five of the largest files at once, then one MiB a second.
      return { burst: Math.max(1, Math.ceil((UPLOAD_BURST_FILES * limits.MAX_UPLOAD_BYTES) / MIB)), perSecond: 1 };
  }
}

const MIB = 1024 * 1024;
/** How many of the largest files an address may upload at once before the upload budget refills. */
const UPLOAD_BURST_FILES = 5;

/** What an upload of `bytes` costs of its address's upload budget: its MiB, rounded up (at least one). */
export const uploadCost = (bytes: number) => Math.max(1, Math.ceil(bytes / MIB));

/** 429 with Retry-After when the client's address is over its limit for this kind of request. */
export async function checkRate(request: Request, env: Env, kind: AddressBucket, cost = 1): Promise<Response | null> {
  const bucket = bucketOf(kind, env);
  if (!bucket) return null;
  const waitMs = await env.LIMITER.getByName(clientAddress(request)).admit(kind, bucket.burst, bucket.perSecond, cost);
  if (waitMs === 0) return null;
  return tooMany(
    kind === "connect" ? refusal.tooManyConnections(limitsFrom(env).CONNECTS_PER_MINUTE) : refusal.tooManyRequests(),
    kind,
    waitMs,
  );
}

/**
 * Failed credentials (a wrong API key, a bad token) each address may present
 * per minute, on every route that checks one: at most this many at once, then
 * one more every 60 / this seconds. Fixed, not a var: a right credential
 * never fails, so no honest client needs more, while a guesser of the API key
 * gets no more than 14,400 guesses a day from one address.
 */
export const CREDENTIAL_FAILURES_PER_MINUTE = 10;

/**
 * 429 with Retry-After when the client's address has spent its budget of
 * failed credentials — whatever this check's verdict (`failed`), so that
 * guessing on past the budget tells nothing. Call it once per credential
 * checked, after checking it.
 */
export async function checkCredential(request: Request, env: Env, failed: boolean): Promise<Response | null> {
  const perMinute = CREDENTIAL_FAILURES_PER_MINUTE;
  const waitMs = await env.LIMITER.getByName(clientAddress(request)).credential(failed, perMinute, perMinute / 60);
  return waitMs === 0 ? null : tooMany(refusal.tooManyRequests(), "credential", waitMs);
}

/** The 429 of a limit, logged with its code and kind only. */
function tooMany(error: ErrorEvent, kind: string, waitMs: number): Response {
  log("refusal", { code: error.code, kind });
  const response = httpError(error);
  response.headers.set("Retry-After", String(Math.ceil(waitMs / 1000)));
  return response;
}

/**
 * A request body of at most MAX_FRAME_BYTES — the limit a socket frame has —
 * or `body_too_large` (413). A declared length over it is refused unread; a
 * body without one is read only until it passes the limit.
 */
export async function readBody(request: Request): Promise<Result<string>> {
  const tooLarge = (): Result<string> => ({ ok: false, error: refusal.bodyTooLarge() });
  const declared = Number(request.headers.get("Content-Length") ?? "0");
  if (declared > MAX_FRAME_BYTES) {
    // Cancelled, not just left: a body nobody reads may still be received in
    // full before the answer goes out.
    await request.body?.cancel();
    return tooLarge();
  }
  if (!request.body) return { ok: true, value: "" };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_FRAME_BYTES) {
      await reader.cancel();
      return tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return { ok: true, value: new TextDecoder().decode(body) };
}
