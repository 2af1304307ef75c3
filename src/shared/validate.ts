/**
 * The validators every input passes through, on every path (sockets of both
 * kinds, the HTTP API, the page before it sends). Each returns the value
 * normalised, or the error event to answer with.
 */

import type { ErrorCode } from "./codes";
import { refusal } from "./errors";
import { type ErrorEvent, errorEvent } from "./events";
import { DEFAULT_LIMITS, type Limits, MAX_ID_CHARS, MAX_QUERY_CHARS, MAX_ROOM_CHARS } from "./limits";

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorEvent };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T>(code: ErrorCode, message: string, ref?: string): Result<T> => ({
  ok: false,
  error: errorEvent(code, message, ref),
});

// C0/C1 controls, plus the line and paragraph separators, which break lines
// in the text format as surely as a newline does.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
// A surrogate that is not half of a pair: JSON can carry one, but it is no
// character, and storing it turns it into U+FFFD (so what is echoed differs
// from what was sent, and different names collide).
const LONE_SURROGATE = /\p{Cs}/u;
// Format characters (bidi overrides and isolates, zero-width space and
// joiners, …): invisible, and able to make one name look like another
// ("evil\u202Eecila" displays as "evilalice"). A zero-width joiner is kept
// inside an emoji sequence, where it is part of one picture (👩‍💻).
const FORMAT = /\p{Cf}/u;
const EMOJI_JOINER = /(?<=\p{Extended_Pictographic}\uFE0F?)\u200D(?=\p{Extended_Pictographic})/gu;

/**
 * Why a name or id is not plain visible text, or null when it is: the one
 * rule for rooms, nicks and message ids, on every path.
 */
function notPlainText(s: string): string | null {
  if (LONE_SURROGATE.test(s)) return "an unpaired surrogate";
  if (CONTROL.test(s)) return "control characters";
  if (FORMAT.test(s.replace(EMOJI_JOINER, ""))) return "invisible format characters (such as bidi overrides or zero-width characters)";
  return null;
}

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

/**
 * A name as Parley keeps it: trimmed and in Unicode NFC, so that "café"
 * typed as one code point or as e + combining accent is one name.
 */
function normalName(raw: string): string {
  return raw.trim().normalize("NFC");
}

/**
 * A room name: trimmed, NFC, 1–64 visible characters, without `/`, and not
 * `.` or `..` (which URL paths resolve away, so HTTP could never name them).
 */
export function validateRoom(raw: unknown): Result<string> {
  if (typeof raw !== "string") return fail("invalid_room", "room must be a string");
  const problem = notPlainText(raw);
  if (problem) return fail("invalid_room", `room may not contain ${problem}`);
  const room = normalName(raw);
  if (room.length === 0) return fail("invalid_room", "room must not be empty");
  if (!withinChars(room, MAX_ROOM_CHARS)) return fail("invalid_room", `room is longer than ${MAX_ROOM_CHARS} characters`);
  if (room.includes("/")) return fail("invalid_room", "room may not contain '/'");
  if (room === "." || room === "..") return fail("invalid_room", "room may not be '.' or '..'");
  return ok(room);
}

/** A nick: trimmed, NFC, 1–MAX_NICK_CHARS visible characters. */
export function validateNick(raw: unknown, limits: Limits = DEFAULT_LIMITS): Result<string> {
  if (typeof raw !== "string") return fail("invalid_nick", "nick must be a string");
  const problem = notPlainText(raw);
  if (problem) return fail("invalid_nick", `nick may not contain ${problem}`);
  const nick = normalName(raw);
  if (nick.length === 0) return fail("invalid_nick", "nick must not be empty");
  if (!withinChars(nick, limits.MAX_NICK_CHARS)) return fail("invalid_nick", `nick is longer than ${limits.MAX_NICK_CHARS} characters`);
  return ok(nick);
}

/**
 * A message text: not blank, at most MAX_MESSAGE_CHARS code points, no
 * unpaired surrogate. Otherwise kept exactly as sent: newlines, bidi marks
 * and all (text clients see it on one line; see format.ts).
 */
export function validateText(raw: unknown, limits: Limits = DEFAULT_LIMITS, ref?: string): Result<string> {
  if (typeof raw !== "string") return fail("invalid_message", "msg must be a string", ref);
  if (LONE_SURROGATE.test(raw)) return fail("invalid_message", "msg may not contain an unpaired surrogate", ref);
  if (raw.trim().length === 0) return fail("invalid_message", "msg must not be empty", ref);
  if (!withinChars(raw, limits.MAX_MESSAGE_CHARS)) {
    return fail("invalid_message", `msg is longer than ${limits.MAX_MESSAGE_CHARS} characters`, ref);
  }
  return ok(raw);
}

/** What a search can find: words are runs of letters and digits (the search index splits text there), so a query needs one. */
export const SEARCHABLE = /[\p{L}\p{N}]/u;

/**
 * A search query (`q`): trimmed, 1–MAX_QUERY_CHARS code points, with a
 * letter or digit to search for. Plain words: the room decides how they
 * become the search engine's query (search-index.ts).
 */
export function validateQuery(raw: unknown, ref?: string): Result<string> {
  if (typeof raw !== "string") return { ok: false, error: refusal.invalidQuery("must be a string", ref) };
  const q = raw.trim();
  if (LONE_SURROGATE.test(q)) return { ok: false, error: refusal.invalidQuery("may not contain an unpaired surrogate", ref) };
  if (!withinChars(q, MAX_QUERY_CHARS)) {
    return { ok: false, error: refusal.invalidQuery(`is longer than ${MAX_QUERY_CHARS} characters`, ref) };
  }
  if (!SEARCHABLE.test(q)) return { ok: false, error: refusal.invalidQuery("has no letter or digit to search for", ref) };
  return ok(q);
}

/**
 * A client message id: 1–64 visible characters. Ids are opaque: compared
 * exactly as sent, never normalised, so the echo carries the id the client
 * sent.
 */
export function validateId(raw: unknown): Result<string | undefined> {
  if (raw === undefined) return ok(undefined);
  if (typeof raw !== "string" || raw.length === 0 || !withinChars(raw, MAX_ID_CHARS) || notPlainText(raw)) {
    return fail("invalid_id", `id must be 1–${MAX_ID_CHARS} visible characters`);
  }
  return ok(raw);
}

/**
 * A sender key: a secret the client makes once (a browser keeps it) and sends
 * on every connection, so that the room knows its resends after a reconnect
 * as its own. The room stores only a hash of it.
 */
export function validateKey(raw: unknown): Result<string | undefined> {
  if (raw === undefined || raw === null) return ok(undefined);
  if (typeof raw !== "string" || !/^[A-Za-z0-9_-]{16,128}$/.test(raw)) {
    return fail("invalid_key", "key must be 16–128 letters, digits, '-' or '_'");
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

/**
 * A token as it travels: a string of at most 4 KiB. Whether it is one is
 * for its verification to say (an `unauthenticated` refusal, HTTP 401 on a
 * direct socket), not for the frame's parse.
 */
export function validateToken(raw: unknown): Result<string | undefined> {
  if (raw === undefined || raw === null) return ok(undefined);
  if (typeof raw !== "string" || raw.length > 4096) return fail("unauthenticated", "token is malformed");
  return ok(raw);
}

/** A member id, as events carry it: 1–64 visible characters. */
export function validateMemberId(raw: unknown): Result<string> {
  if (typeof raw !== "string" || raw.length === 0 || !withinChars(raw, 64) || notPlainText(raw)) {
    return fail("bad_frame", "member must be a member id (1–64 visible characters)");
  }
  return ok(raw);
}

/** Longest reason a moderator may give. */
const MAX_REASON_CHARS = 200;

/** A moderation reason: at most MAX_REASON_CHARS, on one line. */
export function validateReason(raw: unknown): Result<string> {
  if (typeof raw !== "string" || !withinChars(raw, MAX_REASON_CHARS) || LONE_SURROGATE.test(raw) || CONTROL.test(raw)) {
    return fail("bad_frame", `reason must be at most ${MAX_REASON_CHARS} characters on one line`);
  }
  return ok(raw.trim());
}

/** Longest ban or mute, in seconds: a year. */
const MAX_SANCTION_SECONDS = 365 * 24 * 3600;

/** A ban's or mute's length: whole seconds, 1 to a year. */
export function validateSeconds(raw: unknown): Result<number> {
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 1 || raw > MAX_SANCTION_SECONDS) {
    return fail("bad_frame", `seconds must be a whole number from 1 to ${MAX_SANCTION_SECONDS}`);
  }
  return ok(raw);
}

/** A seq that names a stored event: a positive safe integer. */
export function validateSeq(raw: unknown): Result<number> {
  if (typeof raw !== "number" || !Number.isSafeInteger(raw) || raw < 1) return fail("bad_frame", "seq must be a positive integer");
  return ok(raw);
}

// One emoji: a pictograph (with its variation selector, skin tone and ZWJ
// sequence), a keycap, or a flag of two regional indicators.
const EMOJI =
  /^(?:\p{Extended_Pictographic}\uFE0F?[\u{1F3FB}-\u{1F3FF}]?(?:\u200D\p{Extended_Pictographic}\uFE0F?[\u{1F3FB}-\u{1F3FF}]?)*|[0-9#*]\uFE0F?\u20E3|[\u{1F1E6}-\u{1F1FF}]{2})$/u;

/** A reaction: exactly one emoji (at most 16 UTF-16 units). */
export function validateEmoji(raw: unknown): Result<string> {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 16 || !EMOJI.test(raw)) {
    return fail("invalid_emoji", "emoji must be one emoji");
  }
  return ok(raw);
}
