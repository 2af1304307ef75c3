/**
 * The refusals the server words itself (validation words its own, in
 * validate.ts and frames.ts): one function per situation, so a code and its
 * message are written once.
 */

import { type ErrorEvent, errorEvent } from "./events";
import { MAX_FRAME_BYTES } from "./limits";

export const refusal = {
  alreadyStored: (id: string, seq: number): ErrorEvent =>
    errorEvent("already_stored", `message ${id} was stored as seq ${seq}, which the room no longer keeps`, id),
  unauthenticated: (why: string): ErrorEvent => errorEvent("unauthenticated", why),
  readNeedsToken: (): ErrorEvent =>
    errorEvent("unauthenticated", "read markers are kept for token members; an anonymous member keeps its own"),
  forbidden: (why: string, ref?: string): ErrorEvent => errorEvent("forbidden", why, ref),
  muted: (untilMs: number, ref?: string): ErrorEvent => errorEvent("muted", `you are muted until ${new Date(untilMs).toISOString()}`, ref),
  banned: (room: string, reason: string | undefined): ErrorEvent =>
    errorEvent("banned", `you are banned from room ${room}${reason ? `: ${reason}` : ""}`),
  kicked: (room: string, reason: string | undefined): ErrorEvent =>
    errorEvent("kicked", `a moderator removed you from room ${room}${reason ? `: ${reason}` : ""}`),
  noSuchMember: (member: string): ErrorEvent => errorEvent("no_such_member", `no member ${member} in this room`),
  noSuchMessage: (seq: number, ref?: string): ErrorEvent => errorEvent("no_such_message", `no message ${seq} in this room`, ref),
  messageDeleted: (seq: number, ref?: string): ErrorEvent => errorEvent("message_deleted", `message ${seq} was deleted`, ref),
  tooManyReactions: (seq: number, max: number): ErrorEvent =>
    errorEvent("too_many_reactions", `message ${seq} already has ${max} different reactions`),
  notInRoom: (ref?: string): ErrorEvent => errorEvent("not_in_room", "join a room first", ref),
  roomBound: (room: string, wanted: string): ErrorEvent =>
    errorEvent("room_bound", `this connection belongs to room ${room}; open a new one to join ${wanted}`),
  roomFull: (room: string, max: number): ErrorEvent => errorEvent("room_full", `room ${room} is full (${max} members)`),
  roomUnavailable: (room: string): ErrorEvent => errorEvent("room_unavailable", `room ${room} is unavailable; try again`),
  rateLimited: (perSecond: number, ref?: string): ErrorEvent =>
    errorEvent("rate_limited", `slow down: at most ${perSecond} messages a second`, ref),
  flooding: (ref?: string): ErrorEvent => errorEvent("rate_limited", "too many messages; closing this connection", ref),
  frameTooLarge: (): ErrorEvent => errorEvent("frame_too_large", `frames are limited to ${MAX_FRAME_BYTES} bytes`),
  binary: (): ErrorEvent => errorEvent("binary_unsupported", "binary frames are not supported; send JSON text"),
  upgradeRequired: (): ErrorEvent => errorEvent("upgrade_required", "expected a WebSocket upgrade (Upgrade: websocket)"),
  notFound: (what = "not found"): ErrorEvent => errorEvent("not_found", what),
  internal: (ref?: string): ErrorEvent => errorEvent("internal", "internal error", ref),
  forbiddenOrigin: (origin: string | null): ErrorEvent => errorEvent("forbidden_origin", `origin ${origin} may not use this server`),
  tooManyConnections: (perMinute: number): ErrorEvent =>
    errorEvent("too_many_connections", `at most ${perMinute} new connections a minute from one address`),
  tooManyRequests: (): ErrorEvent => errorEvent("too_many_requests", "too many requests from this address; see Retry-After"),
  bodyTooLarge: (): ErrorEvent => errorEvent("body_too_large", `request bodies are limited to ${MAX_FRAME_BYTES} bytes`),
  badJson: (): ErrorEvent => errorEvent("bad_json", "body is not valid JSON"),
  badBody: (shape: string): ErrorEvent => errorEvent("bad_frame", `body must be a JSON object ${shape}`),
  invalidQuery: (why: string, ref?: string): ErrorEvent => errorEvent("invalid_query", `q ${why}`, ref),
  fileTooLarge: (max: number): ErrorEvent => errorEvent("file_too_large", `files are limited to ${max} bytes`),
  lengthRequired: (): ErrorEvent => errorEvent("length_required", "an upload needs a Content-Length"),
  badFileName: (): ErrorEvent => errorEvent("bad_frame", "name must be 1–200 characters, without control characters"),
  rejected: (reason: string, ref?: string): ErrorEvent => errorEvent("rejected", reason, ref),
  badKind: (): ErrorEvent => errorEvent("bad_frame", "kind must be ban or mute"),
  badLimit: (max: number): ErrorEvent => errorEvent("bad_frame", `limit must be an integer from 1 to ${max}`),
};
