/**
 * The validators every input passes through, on every path (sockets of both
 * kinds, the HTTP API, the page before it sends). Each returns the value
 * normalised, or the error event to answer with.
 */

import type { ErrorCode } from "./codes";
import { type ErrorEvent, errorEvent } from "./events";
import { DEFAULT_LIMITS, type Limits, MAX_ID_CHARS, MAX_ROOM_CHARS } from "./limits";

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorEvent };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T>(code: ErrorCode, message: string, ref?: string): Result<T> => ({
  ok: false,
  error: errorEvent(code, message, ref),
});

// C0/C1 controls, plus the line and paragraph separators, which break lines
// in the text format as surely as a newline does.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

/** Length in Unicode code points, so an emoji counts once. */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Cheap length check: a string's UTF-16 length is an upper bound for its code points. */
function withinChars(s: string, max: number): boolean {
  return s.length <= max || codePoints(s) <= max;
}

/** A room name: 1–64 printable characters without `/`, trimmed. */
export function validateRoom(raw: unknown): Result<string> {
  if (typeof raw !== "string") return fail("invalid_room", "room must be a string");
  const room = raw.trim();
  if (room.length === 0) return fail("invalid_room", "room must not be empty");
  if (!withinChars(room, MAX_ROOM_CHARS)) return fail("invalid_room", `room is longer than ${MAX_ROOM_CHARS} characters`);
  if (CONTROL.test(room) || room.includes("/")) return fail("invalid_room", "room may not contain control characters or '/'");
  return ok(room);
}

/** A nick: trimmed, 1–MAX_NICK_CHARS characters, no control characters. */
export function validateNick(raw: unknown, limits: Limits = DEFAULT_LIMITS): Result<string> {
  if (typeof raw !== "string") return fail("invalid_nick", "nick must be a string");
  const nick = raw.trim();
  if (nick.length === 0) return fail("invalid_nick", "nick must not be empty");
  if (!withinChars(nick, limits.MAX_NICK_CHARS)) return fail("invalid_nick", `nick is longer than ${limits.MAX_NICK_CHARS} characters`);
  if (CONTROL.test(nick)) return fail("invalid_nick", "nick may not contain control characters");
  return ok(nick);
}

/** A message text: not blank, at most MAX_MESSAGE_CHARS code points. Kept as sent (newlines allowed). */
export function validateText(raw: unknown, limits: Limits = DEFAULT_LIMITS, ref?: string): Result<string> {
  if (typeof raw !== "string") return fail("invalid_message", "msg must be a string", ref);
  if (raw.trim().length === 0) return fail("invalid_message", "msg must not be empty", ref);
  if (!withinChars(raw, limits.MAX_MESSAGE_CHARS)) {
    return fail("invalid_message", `msg is longer than ${limits.MAX_MESSAGE_CHARS} characters`, ref);
  }
  return ok(raw);
}

/** A client message id: 1–64 characters, no control characters. */
export function validateId(raw: unknown): Result<string | undefined> {
  if (raw === undefined) return ok(undefined);
  if (typeof raw !== "string" || raw.length === 0 || !withinChars(raw, MAX_ID_CHARS) || CONTROL.test(raw)) {
    return fail("invalid_id", `id must be 1–${MAX_ID_CHARS} printable characters`);
  }
  return ok(raw);
}

/** A `since` sequence number: a non-negative safe integer, given as a number or a decimal string. */
export function validateSince(raw: unknown): Result<number | undefined> {
  if (raw === undefined || raw === null || raw === "") return ok(undefined);
  const n = typeof raw === "string" && /^\d{1,16}$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    return fail("invalid_since", "since must be a non-negative integer");
  }
  return ok(n);
}
