/**
 * Everything a client may send: one JSON object per text frame, with an
 * `action`. {@link parseClientFrame} turns a raw frame into one of these
 * types, or the error to answer it with; nothing acts on a frame before that.
 *
 * Adding an action: its frame type here, an entry in {@link ActionFrames} and
 * in {@link PARSERS} (the compiler asks for both), then its handler in the
 * room's table (src/server/room/actions.ts). See docs/architecture.md.
 */

import { refusal } from "./errors";
import { errorEvent, type ModerationAction } from "./events";
import { DEFAULT_LIMITS, type Limits, MAX_FRAME_BYTES, MAX_ID_CHARS, MAX_MENTIONS, MEMBERS_PAGE, SEARCH_PAGE_MAX } from "./limits";
import {
  fail,
  ok,
  type Result,
  validateEmoji,
  validateId,
  validateKey,
  validateMemberId,
  validateNick,
  validateQuery,
  validateReason,
  validateRoom,
  validateSeconds,
  validateSeq,
  validateSince,
  validateText,
  validateToken,
} from "./validate";

/** Join a room (`msg` is the room name). `since` asks for the messages after that seq. */
export interface JoinFrame {
  action: "join";
  msg: string;
  /** Required without a token; with one, the token's name wins. */
  nick?: string;
  /** A signed token (see docs/protocol.md, Tokens): identity, role, and entry to private rooms. */
  token?: string;
  since?: number;
  /** The sender key (see validateKey): resends after a reconnect are known as this sender's. */
  key?: string;
}

/** Say something to the current room. `id` makes the send idempotent; `replyTo` answers a message. */
export interface SendFrame {
  action: "send_to_room";
  msg: string;
  id?: string;
  replyTo?: number;
  /** Member ids this message mentions (at most MAX_MENTIONS, no repeats): counted in their `GET /api/me/rooms` until they read past it. */
  mentions?: string[];
}

/** Changes the text of one's own message. */
export interface EditFrame {
  action: "edit";
  seq: number;
  msg: string;
}

/** Toggles one's reaction on a message. */
export interface ReactFrame {
  action: "react";
  seq: number;
  emoji: string;
}

/** "I am typing": told to the others, never stored. */
export interface TypingFrame {
  action: "typing";
}

/** Leave the current room; an in-band-join connection stays open, a direct one closes. */
export interface LeaveFrame {
  action: "leave";
}

/** A moderator acts on a member (its id, as `joined`, `presence` and `from.id` carry it). */
export interface ModerationFrame {
  action: ModerationAction;
  member: string;
  reason?: string;
  /** For ban (optional: without it, no end) and mute (default MUTE_DEFAULT_SECONDS). */
  seconds?: number;
}

/** Asks for a page of the member list, in member id order, after `after`. */
export interface MembersFrame {
  action: "members";
  after?: string;
  limit?: number;
}

/**
 * Searches the room's kept messages for `q` (plain words: see validateQuery),
 * among those older than `before` when it is given. Answered with a `search`
 * event naming `id` as its `ref`.
 */
export interface SearchFrame {
  action: "search";
  q: string;
  before?: number;
  limit?: number;
  id?: string;
}

/** How long a mute lasts when the moderator gives no `seconds`. */
export const MUTE_DEFAULT_SECONDS = 600;

/** Deletes a message: its author, or a moderator. */
export interface DeleteFrame {
  action: "delete";
  seq: number;
}

/** Moves the member's read marker in this room forward to `seq` (a token member's; never back). */
export interface ReadFrame {
  action: "read";
  seq: number;
}

/** The frame type of every action. */
export interface ActionFrames {
  join: JoinFrame;
  send_to_room: SendFrame;
  leave: LeaveFrame;
  kick: ModerationFrame;
  ban: ModerationFrame;
  unban: ModerationFrame;
  mute: ModerationFrame;
  delete: DeleteFrame;
  members: MembersFrame;
  edit: EditFrame;
  react: ReactFrame;
  typing: TypingFrame;
  search: SearchFrame;
  read: ReadFrame;
}
export type Action = keyof ActionFrames;
export type ClientFrame = ActionFrames[Action];

/** Validates the fields of one action's frame. `ref` is the frame's `id`, for errors to name. */
type FrameParser<F> = (f: Record<string, unknown>, limits: Limits, ref: string | undefined) => Result<F>;

const optionalString = (v: unknown): v is string | undefined => v === undefined || typeof v === "string";

const PARSERS: { [A in Action]: FrameParser<ActionFrames[A]> } = {
  join(f, limits) {
    const room = validateRoom(f.msg);
    if (!room.ok) return room;
    const token = validateToken(f.token);
    if (!token.ok) return token;
    const since = validateSince(f.since);
    if (!since.ok) return since;
    const key = validateKey(f.key);
    if (!key.ok) return key;
    const frame: JoinFrame = { action: "join", msg: room.value };
    // A token names its member; without one, the nick does.
    if (token.value === undefined || f.nick !== undefined) {
      const nick = validateNick(f.nick, limits);
      if (!nick.ok) return nick;
      frame.nick = nick.value;
    }
    if (token.value !== undefined) frame.token = token.value;
    if (since.value !== undefined) frame.since = since.value;
    if (key.value !== undefined) frame.key = key.value;
    return ok(frame);
  },
  send_to_room(f, limits, ref) {
    const id = validateId(f.id);
    if (!id.ok) return id;
    const text = validateText(f.msg, limits, ref);
    if (!text.ok) return text;
    const frame: SendFrame = { action: "send_to_room", msg: text.value };
    if (id.value !== undefined) frame.id = id.value;
    if (f.replyTo !== undefined) {
      const replyTo = validateSeq(f.replyTo);
      if (!replyTo.ok) return { ok: false, error: { ...replyTo.error, ref } };
      frame.replyTo = replyTo.value;
    }
    if (f.mentions !== undefined) {
      const mentions = validateMentions(f.mentions);
      if (!mentions.ok) return { ok: false, error: { ...mentions.error, ref } };
      if (mentions.value.length > 0) frame.mentions = mentions.value;
    }
    return ok(frame);
  },
  leave(f) {
    if (!optionalString(f.msg)) return fail("bad_frame", "msg must be a string");
    return ok({ action: "leave" });
  },
  kick: (f) => parseModeration("kick", f),
  ban: (f) => parseModeration("ban", f),
  unban: (f) => parseModeration("unban", f),
  mute: (f) => parseModeration("mute", f),
  delete(f) {
    const seq = validateSeq(f.seq);
    return seq.ok ? ok({ action: "delete", seq: seq.value }) : seq;
  },
  edit(f, limits) {
    const seq = validateSeq(f.seq);
    if (!seq.ok) return seq;
    const text = validateText(f.msg, limits);
    return text.ok ? ok({ action: "edit", seq: seq.value, msg: text.value }) : text;
  },
  react(f) {
    const seq = validateSeq(f.seq);
    if (!seq.ok) return seq;
    const emoji = validateEmoji(f.emoji);
    return emoji.ok ? ok({ action: "react", seq: seq.value, emoji: emoji.value }) : emoji;
  },
  typing: () => ok({ action: "typing" }),
  read(f) {
    const seq = validateSeq(f.seq);
    return seq.ok ? ok({ action: "read", seq: seq.value }) : seq;
  },
  members(f) {
    const frame: MembersFrame = { action: "members" };
    if (f.after !== undefined) {
      const after = validateMemberId(f.after);
      if (!after.ok) return after;
      frame.after = after.value;
    }
    if (f.limit !== undefined) {
      if (typeof f.limit !== "number" || !Number.isInteger(f.limit) || f.limit < 1 || f.limit > MEMBERS_PAGE) {
        return fail("bad_frame", `limit must be a whole number from 1 to ${MEMBERS_PAGE}`);
      }
      frame.limit = f.limit;
    }
    return ok(frame);
  },
  search: parseSearch,
};

function parseSearch(f: Record<string, unknown>, _limits: Limits, ref: string | undefined): Result<SearchFrame> {
  const id = validateId(f.id);
  if (!id.ok) return id;
  const q = validateQuery(f.q, ref);
  if (!q.ok) return q;
  const frame: SearchFrame = { action: "search", q: q.value };
  if (id.value !== undefined) frame.id = id.value;
  if (f.before !== undefined) {
    const before = validateSeq(f.before);
    if (!before.ok) return fail("bad_frame", "before must be a positive integer (a seq)", ref);
    frame.before = before.value;
  }
  if (f.limit !== undefined) {
    if (typeof f.limit !== "number" || !Number.isInteger(f.limit) || f.limit < 1 || f.limit > SEARCH_PAGE_MAX) {
      return fail("bad_frame", `limit must be a whole number from 1 to ${SEARCH_PAGE_MAX}`, ref);
    }
    frame.limit = f.limit;
  }
  return ok(frame);
}

/** A send's `mentions`: an array of at most MAX_MENTIONS member ids, repeats dropped. */
export function validateMentions(raw: unknown): Result<string[]> {
  if (!Array.isArray(raw) || raw.length > MAX_MENTIONS) {
    return fail("bad_frame", `mentions must be an array of at most ${MAX_MENTIONS} member ids`);
  }
  const ids = new Set<string>();
  for (const item of raw) {
    const id = validateMemberId(item);
    if (!id.ok) return fail("bad_frame", "mentions must hold member ids (1–64 visible characters)");
    ids.add(id.value);
  }
  return ok([...ids]);
}

function parseModeration(action: ModerationAction, f: Record<string, unknown>): Result<ModerationFrame> {
  const member = validateMemberId(f.member);
  if (!member.ok) return member;
  const frame: ModerationFrame = { action, member: member.value };
  if (f.reason !== undefined) {
    const reason = validateReason(f.reason);
    if (!reason.ok) return reason;
    frame.reason = reason.value;
  }
  if (f.seconds !== undefined) {
    const seconds = validateSeconds(f.seconds);
    if (!seconds.ok) return seconds;
    frame.seconds = seconds.value;
  }
  return ok(frame);
}

const isAction = (a: unknown): a is Action => typeof a === "string" && Object.hasOwn(PARSERS, a);

/**
 * Parses one frame into a {@link ClientFrame}, or the error to answer it
 * with (binary frames and frames over 16 KiB included). Every field a handler
 * later reads has been checked here; room, nick and text come back normalised
 * (trimmed where the rules say so). Errors carry the frame's `id` as `ref`
 * wherever it could be read.
 */
export function parseClientFrame(data: string | ArrayBuffer, limits: Limits = DEFAULT_LIMITS): Result<ClientFrame> {
  if (typeof data !== "string") return { ok: false, error: refusal.binary() };
  // A UTF-8 byte is at least a third of a UTF-16 unit, so short frames skip the encode.
  if (data.length * 3 > MAX_FRAME_BYTES && new TextEncoder().encode(data).length > MAX_FRAME_BYTES) {
    return { ok: false, error: refusal.frameTooLarge() };
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
  if (!isAction(f.action)) {
    return { ok: false, error: errorEvent("unknown_action", `action must be one of ${Object.keys(PARSERS).join(", ")}`, ref) };
  }
  return (PARSERS[f.action] as FrameParser<ClientFrame>)(f, limits, ref);
}

/** The `id` an answer to this parse should name: the frame's id, or the one its error carries. */
export function refOf(parsed: Result<ClientFrame>): string | undefined {
  if (!parsed.ok) return parsed.error.ref;
  return "id" in parsed.value ? parsed.value.id : undefined;
}

/** What `GET /ws?room=…&nick=…&since=…&key=…&token=…` asks for. */
export interface ConnectParams {
  room: string;
  /** Required without a token; with one, the token's name wins. */
  nick?: string;
  since?: number;
  key?: string;
  token?: string;
}

/** Validates the query of a direct room socket (`/ws?room=8888&nick=batman&since=41`). */
export function parseConnectParams(query: URLSearchParams, limits: Limits = DEFAULT_LIMITS): Result<ConnectParams> {
  const room = validateRoom(query.get("room"));
  if (!room.ok) return room;
  const token = validateToken(query.get("token") ?? undefined);
  if (!token.ok) return token;
  const since = validateSince(query.get("since") ?? undefined);
  if (!since.ok) return since;
  const key = validateKey(query.get("key") ?? undefined);
  if (!key.ok) return key;
  const params: ConnectParams = { room: room.value };
  if (token.value === undefined || query.has("nick")) {
    const nick = validateNick(query.get("nick"), limits);
    if (!nick.ok) return nick;
    params.nick = nick.value;
  }
  if (token.value !== undefined) params.token = token.value;
  if (since.value !== undefined) params.since = since.value;
  if (key.value !== undefined) params.key = key.value;
  return ok(params);
}

/** The query of a direct room socket, the inverse of {@link parseConnectParams}. */
export function connectQuery(params: ConnectParams): URLSearchParams {
  const query = new URLSearchParams({ room: params.room });
  if (params.nick !== undefined) query.set("nick", params.nick);
  if (params.token !== undefined) query.set("token", params.token);
  if (params.since !== undefined) query.set("since", String(params.since));
  if (params.key !== undefined) query.set("key", params.key);
  return query;
}
