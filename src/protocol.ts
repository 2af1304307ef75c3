/**
 * Parley's wire protocol: every frame a client may send, every event the
 * server may answer with, and the pure functions that validate the one and
 * render the other. The server and the chat page both import this module, so
 * it must stay free of Worker-only APIs.
 *
 * Two formats share one room:
 * - `text`: the seed chat room's plain lines (`batman : hello`), for clients
 *   that offer no subprotocol;
 * - `json`: one {@link ServerEvent} per frame, for clients that offer
 *   {@link SUBPROTOCOL}.
 */
import { DEFAULT_LIMITS, MAX_FRAME_BYTES, MAX_ID_CHARS, MAX_ROOM_CHARS, type Limits } from "./limits";

/** The WebSocket subprotocol that selects JSON events. */
export const SUBPROTOCOL = "parley.v1";

export type Format = "text" | "json";

// ---------------------------------------------------------------- client → server

/** Join a room (`msg` is the room name). `since` asks for the messages after that seq. */
export interface JoinFrame {
  action: "join";
  msg: string;
  nick: string;
  since?: number;
}

/** Say something to the current room. `id` makes the send idempotent. */
export interface SendFrame {
  action: "send_to_room";
  msg: string;
  nick?: string;
  id?: string;
}

/** Leave the current room; the connection stays open (seed path) or closes (direct path). */
export interface LeaveFrame {
  action: "leave";
  msg?: string;
  nick?: string;
}

export type ClientFrame = JoinFrame | SendFrame | LeaveFrame;
export type Action = ClientFrame["action"];

// ---------------------------------------------------------------- server → client

export interface Member {
  id: string;
  nick: string;
}

export interface MessageEvent {
  type: "message";
  room: string;
  /** Per-room sequence number, assigned when stored; rises by exactly 1. */
  seq: number;
  /** The client's message id, or one the server made. */
  id: string;
  from: Member;
  text: string;
  /** Server time the message was stored, epoch ms. */
  ts: number;
}

export interface JoinedEvent {
  type: "joined";
  room: string;
  self: Member;
  members: Member[];
  history: MessageEvent[];
  lastSeq: number;
  /** Present and true when a `since` resume missed more than `history` holds: page the rest over HTTP. */
  more?: boolean;
}

export interface PresenceEvent {
  type: "presence";
  room: string;
  event: "join" | "leave";
  member: Member;
  /** Members in the room after this event. */
  count: number;
}

export interface LeftEvent {
  type: "left";
  room: string;
}

export interface ErrorEvent {
  type: "error";
  code: ErrorCode;
  message: string;
  /** The offending frame's `id`, where it had one. */
  ref?: string;
}

export type ServerEvent = JoinedEvent | MessageEvent | PresenceEvent | LeftEvent | ErrorEvent;

/** Stable error codes; documented in docs/protocol.md. */
export const ERROR_CODES = [
  "bad_json",
  "bad_frame",
  "unknown_action",
  "invalid_room",
  "invalid_nick",
  "invalid_message",
  "invalid_id",
  "invalid_since",
  "not_in_room",
  "room_bound",
  "frame_too_large",
  "binary_unsupported",
  "rate_limited",
  "room_full",
  "forbidden_origin",
  "too_many_connections",
  "upgrade_required",
  "not_found",
  "room_unavailable",
  "internal",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Builds an error event. */
export function errorEvent(code: ErrorCode, message: string, ref?: string): ErrorEvent {
  return ref === undefined ? { type: "error", code, message } : { type: "error", code, message, ref };
}

// ---------------------------------------------------------------- validation

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorEvent };

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(code: ErrorCode, message: string, ref?: string): Result<T> => ({
  ok: false,
  error: errorEvent(code, message, ref),
});

// C0/C1 controls, plus the line and paragraph separators, which break lines
// in the seed's text format as surely as a newline does.
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

const optionalString = (v: unknown): v is string | undefined => v === undefined || typeof v === "string";

/**
 * Parses one frame into a {@link ClientFrame}, or the error to answer it
 * with (binary frames and frames over 16 KiB included). Every field a handler later reads has been checked here; room, nick
 * and text are returned normalised (trimmed where the rules say so).
 */
export function parseClientFrame(data: string | ArrayBuffer, limits: Limits = DEFAULT_LIMITS): Result<ClientFrame> {
  if (typeof data !== "string") return fail("binary_unsupported", "binary frames are not supported; send JSON text");
  // A UTF-8 byte is at least a third of a UTF-16 unit, so short frames skip the encode.
  if (data.length * 3 > MAX_FRAME_BYTES && new TextEncoder().encode(data).length > MAX_FRAME_BYTES) {
    return fail("frame_too_large", `frames are limited to ${MAX_FRAME_BYTES} bytes`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return fail("bad_json", "frame is not valid JSON");
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return fail("bad_frame", "frame must be a JSON object");
  }
  const f = raw as Record<string, unknown>;
  const ref = typeof f.id === "string" && f.id.length <= MAX_ID_CHARS ? f.id : undefined;
  if (!optionalString(f.nick)) return fail("invalid_nick", "nick must be a string", ref);
  switch (f.action) {
    case "join": {
      const room = validateRoom(f.msg);
      if (!room.ok) return room;
      const nick = validateNick(f.nick, limits);
      if (!nick.ok) return nick;
      const since = validateSince(f.since);
      if (!since.ok) return since;
      const frame: JoinFrame = { action: "join", msg: room.value, nick: nick.value };
      if (since.value !== undefined) frame.since = since.value;
      return ok(frame);
    }
    case "send_to_room": {
      const id = validateId(f.id);
      if (!id.ok) return id;
      const text = validateText(f.msg, limits, ref);
      if (!text.ok) return text;
      const frame: SendFrame = { action: "send_to_room", msg: text.value };
      if (id.value !== undefined) frame.id = id.value;
      return ok(frame);
    }
    case "leave":
      if (!optionalString(f.msg)) return fail("bad_frame", "msg must be a string");
      return ok({ action: "leave" });
    default:
      return fail("unknown_action", "action must be one of join, send_to_room, leave", ref);
  }
}

// ---------------------------------------------------------------- rendering

/**
 * Renders an event as the seed's text line, or `null` where the seed had no
 * line for it (presence). `nick` is the receiving member's own nick, which the
 * seed's join and leave lines repeat.
 */
export function toTextLine(event: ServerEvent, nick: string): string | null {
  switch (event.type) {
    case "joined":
      return `${nick} join room ${event.room} success .`;
    case "message":
      return `${event.from.nick} : ${event.text}`;
    case "left":
      return `${nick} leave room ${event.room} success .`;
    case "error":
      return `error: ${event.message}`;
    case "presence":
      return null;
  }
}

/** Renders an event in the given format; `null` means "send nothing". */
export function encode(event: ServerEvent, format: Format, nick: string): string | null {
  return format === "json" ? JSON.stringify(event) : toTextLine(event, nick);
}

/** Picks the format from the subprotocols a client offered (`Sec-WebSocket-Protocol`). */
export function formatFromOffer(offer: string | null): Format {
  if (!offer) return "text";
  return offer.split(",").some((p) => p.trim() === SUBPROTOCOL) ? "json" : "text";
}

// ---------------------------------------------------------------- direct sockets

/** What `GET /ws?room=…&nick=…&since=…` asks for. */
export interface ConnectParams {
  room: string;
  nick: string;
  since?: number;
}

/** Validates the query of a direct room socket (`/ws?room=8888&nick=batman&since=41`). */
export function parseConnectParams(query: URLSearchParams, limits: Limits = DEFAULT_LIMITS): Result<ConnectParams> {
  const room = validateRoom(query.get("room"));
  if (!room.ok) return room;
  const nick = validateNick(query.get("nick"), limits);
  if (!nick.ok) return nick;
  const since = validateSince(query.get("since") ?? undefined);
  if (!since.ok) return since;
  return ok(since.value === undefined ? { room: room.value, nick: nick.value } : { room: room.value, nick: nick.value, since: since.value });
}

/** A type guard for one kind of event: `events.filter(isEvent("message"))`. */
export function isEvent<T extends ServerEvent["type"]>(type: T): (e: ServerEvent) => e is Extract<ServerEvent, { type: T }> {
  return (e): e is Extract<ServerEvent, { type: T }> => e.type === type;
}

/**
 * The `id` of a frame that was refused before it was parsed (rate limiting
 * refuses first, to keep floods cheap), so that the error can still carry
 * `ref` and the client knows which send to retry.
 */
export function refOf(data: string | ArrayBuffer): string | undefined {
  if (typeof data !== "string" || !data.includes('"id"')) return undefined;
  try {
    const id: unknown = (JSON.parse(data) as { id?: unknown })?.id;
    return typeof id === "string" && id.length <= MAX_ID_CHARS ? id : undefined;
  } catch {
    return undefined;
  }
}
