/**
 * Everything the server says to a JSON client: one {@link ServerEvent} per
 * frame. Text clients get the same events rendered as lines (see format.ts).
 */
import type { ErrorCode } from "./codes";
import type { PublicLimits } from "./limits";

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
  /** The server's limits on what a client sends, so a client validates as the server will. */
  limits: PublicLimits;
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

/** Builds an error event. */
export function errorEvent(code: ErrorCode, message: string, ref?: string): ErrorEvent {
  return ref === undefined ? { type: "error", code, message } : { type: "error", code, message, ref };
}
