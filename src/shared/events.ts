/**
 * Everything the server says to a JSON client: one {@link ServerEvent} per
 * frame. Text clients get the same events rendered as lines (see format.ts).
 */
import type { Role } from "./auth";
import type { ErrorCode } from "./codes";
import { type PublicLimits, REPLY_SNIPPET_CHARS } from "./limits";

export interface Member {
  /** A token member's `sub`; otherwise an id of this connection. */
  id: string;
  nick: string;
}

/** A member as member lists show it: with its role, so moderators know whom they may act on. */
export interface PresentMember extends Member {
  role: Role;
}

export interface MessageEvent {
  type: "message";
  room: string;
  /** Per-room sequence number, assigned when stored; rises by exactly 1. */
  seq: number;
  /** The client's message id, or one the server made. */
  id: string;
  from: Member;
  /** The text; empty once the message is deleted. */
  text: string;
  /** Server time the message was stored, epoch ms. */
  ts: number;
  /** Present and true on a tombstone: the message was deleted (its `delete` event has a later seq). */
  deleted?: true;
  /** Present and true once its author edited it; `text` is then the latest. */
  edited?: true;
  /** The message this one answers (kept with the reply, so it shows even once that one is pruned). */
  replyTo?: ReplyRef;
  /** The member ids it mentions, as its sender named them (see `send_to_room`); absent when none. */
  mentions?: string[];
}

/**
 * What a reply shows of the message it answers: its seq, author and the
 * start of its text, as that text stands now (an edit changes it, a delete
 * removes it).
 */
export interface ReplyRef {
  seq: number;
  nick: string;
  /** The start of its latest text ({@link snippetOf}); empty once it is deleted. */
  snippet: string;
  /** Present and true once the answered message was deleted: the snippet is then empty. */
  deleted?: true;
}

/** What a reply quotes of a text: its first REPLY_SNIPPET_CHARS characters (code points, so no emoji is cut in half). */
export function snippetOf(text: string): string {
  return [...text].slice(0, REPLY_SNIPPET_CHARS).join("");
}

/**
 * A message's author changed its text. Stored, it carries the message's
 * latest text (a later edit rewrites it), so the stream keeps no older
 * version; once the message is deleted, none.
 */
export interface EditEvent {
  type: "edit";
  room: string;
  seq: number;
  target: number;
  /** The message's text; empty once it is deleted. */
  text: string;
  /** Present and true once the edited message was deleted (a `delete` event with a later seq says so): `text` is then empty. */
  deleted?: true;
  from: Member;
  ts: number;
}

/** A member put a reaction on a message (`on: true`) or took it back. */
export interface ReactionEvent {
  type: "reaction";
  room: string;
  seq: number;
  target: number;
  emoji: string;
  from: Member;
  on: boolean;
  ts: number;
}

/** Someone is typing (JSON clients only; never stored, no seq). */
export interface TypingEvent {
  type: "typing";
  room: string;
  member: Member;
}

/** A moderator acted on a member. On the seq stream: stored, replayed by `since`, in the HTTP history. */
export interface ModerationEvent {
  type: "moderation";
  room: string;
  seq: number;
  action: ModerationAction;
  /** The member acted on (its id), and its nick where the room knew it. */
  member: string;
  nick?: string;
  by: Member;
  reason?: string;
  /** How long a ban or mute lasts; absent for a ban without end. */
  seconds?: number;
  ts: number;
}
export type ModerationAction = "kick" | "ban" | "unban" | "mute";

/** A message was deleted: `target` is its seq, now a tombstone. */
export interface DeleteEvent {
  type: "delete";
  room: string;
  seq: number;
  target: number;
  from: Member;
  ts: number;
}

/** Everything on a room's seq stream. */
export type StoredEvent = MessageEvent | ModerationEvent | DeleteEvent | EditEvent | ReactionEvent;

/** A message as it stands now: latest text, tombstone, and its reactions counted. */
export interface MessageState {
  message: MessageEvent;
  /** Emoji → how many members reacted with it. */
  reactions: Record<string, number>;
}

export interface JoinedEvent {
  type: "joined";
  room: string;
  self: PresentMember;
  /** At most MEMBERS_PAGE members (the first ones); page the rest with a `members` request. */
  members: PresentMember[];
  /** How many members the room has: exact. */
  count: number;
  /** The newest events of the seq stream (or those after `since`): messages, moderation, deletes. */
  history: StoredEvent[];
  lastSeq: number;
  /** Present and true when a `since` resume missed more than `history` holds: page the rest over HTTP. */
  more?: boolean;
  /** The server's limits on what a client sends, so a client validates as the server will. */
  limits: PublicLimits;
  /** In a room of at most RECEIPTS_MAX_MEMBERS: how far the members who said so have read. */
  receipts?: ReadReceipt[];
}

/** How far one member has read: the newest seq it marked read (`read`). */
export interface ReadReceipt {
  member: string;
  seq: number;
}

/**
 * Read receipts ("seen by"), in rooms of at most RECEIPTS_MAX_MEMBERS: the
 * members whose markers moved in the last presence window, and where to.
 * JSON clients only; none in bigger rooms.
 */
export interface ReceiptsEvent {
  type: "receipts";
  room: string;
  reads: ReadReceipt[];
}

/**
 * Someone came or went (parley.v1: one event per change). In a big room the
 * room sends at most PRESENCE_LIST_MAX of each per presence window; `count`
 * is always exact.
 */
export interface PresenceEvent {
  type: "presence";
  room: string;
  event: "join" | "leave";
  member: PresentMember;
  /** Members in the room after this event. */
  count: number;
}

/**
 * The changes to a room's members over one presence window (parley.v2): who
 * came and who went, at most PRESENCE_LIST_MAX of each (`more` says some were
 * left out: page the list with a `members` request), and the exact count.
 */
export interface PresenceChangesEvent {
  type: "presence_changes";
  room: string;
  joined: PresentMember[];
  left: PresentMember[];
  count: number;
  more?: true;
}

/** A page of the member list (the answer to a `members` request, or GET …/members), in member id order. */
export interface MembersEvent {
  type: "members";
  room: string;
  count: number;
  members: PresentMember[];
  /** The `after` of the next page; absent on the last. */
  next?: string;
}

/** One message a search found: its seq, the words around what matched, and the message as it stands now. */
export interface SearchResult {
  seq: number;
  /**
   * Up to 16 words of the message's text around the best match, each matched
   * word between SEARCH_MARK_START and SEARCH_MARK_END, with "…" where the
   * text was cut. Plain text otherwise: escape it before showing it as HTML.
   */
  snippet: string;
  message: MessageEvent;
}

/** What marks the start of a matched word in a {@link SearchResult}'s snippet: U+E000, a private-use character. */
export const SEARCH_MARK_START = "\uE000";
/** What marks the end of a matched word in a snippet: U+E001. */
export const SEARCH_MARK_END = "\uE001";

/** The answer to a `search` frame (and the body of GET …/search, without `type`): most relevant first, then newest. */
export interface SearchEvent {
  type: "search";
  room: string;
  results: SearchResult[];
  /** The `id` of the `search` frame this answers, where it had one. */
  ref?: string;
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

export type ServerEvent =
  | JoinedEvent
  | MessageEvent
  | ModerationEvent
  | DeleteEvent
  | EditEvent
  | ReactionEvent
  | TypingEvent
  | PresenceEvent
  | PresenceChangesEvent
  | MembersEvent
  | SearchEvent
  | ReceiptsEvent
  | LeftEvent
  | ErrorEvent;

/** Builds an error event. */
export function errorEvent(code: ErrorCode, message: string, ref?: string): ErrorEvent {
  return ref === undefined ? { type: "error", code, message } : { type: "error", code, message, ref };
}
