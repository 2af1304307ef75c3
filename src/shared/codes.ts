/**
 * Every error code and close code Parley sends, each with its documented
 * meaning. docs/protocol.md's tables are checked against these (test/node/docs.test.ts);
 * nothing outside the contract writes a code as a bare string or number.
 */

/** Error codes: the `code` of an `error` event, of an HTTP error body, and (for text clients) the reason behind an `error:` line. */
export const ERROR_CODES = {
  bad_json: "The frame (or request body) is not valid JSON.",
  bad_frame: "Valid JSON of the wrong shape (not an object, a wrong-typed field, a bad `limit`).",
  unknown_action: "`action` is not one the protocol knows.",
  invalid_room: "Room name empty, too long, or with a control character or `/`.",
  invalid_nick: "Nick missing, empty, too long, or with a control character.",
  invalid_message: "Message text missing, blank or too long.",
  invalid_id: "Message id not 1–64 printable characters.",
  invalid_since: "`since` not a non-negative integer.",
  invalid_key: "`key` not 16–128 letters, digits, `-` or `_`.",
  already_stored: "A resend of an id whose message the room stored but no longer keeps (it was pruned); nothing is stored again.",
  not_in_room: "An action other than `join` before joining a room (or after leaving it).",
  room_bound: "`join` of another room on a direct socket.",
  frame_too_large: "A frame over 16 KiB.",
  binary_unsupported: "A binary frame.",
  rate_limited: "Over the per-connection rate limit.",
  room_full: "The room has `MAX_ROOM_MEMBERS` members.",
  forbidden_origin: "A browser request from an origin that is not allowed.",
  too_many_connections: "Over `CONNECTS_PER_MINUTE` from one address.",
  too_many_requests:
    "Over the HTTP API's limits from one address (`HTTP_READS_PER_MINUTE` for reads, `RATE_LIMIT_*` for posts), or over its failed credentials (10 a minute); `Retry-After` says when to try again.",
  body_too_large: "An HTTP request body over 16 KiB.",
  file_too_large: "An upload over `MAX_UPLOAD_BYTES` (HTTP 413); nothing of it was read or stored.",
  length_required: "An upload without a `Content-Length` (HTTP 411): its size is checked before it is read.",
  upgrade_required: "A WebSocket endpoint was reached without a WebSocket upgrade.",
  not_found: "No such route.",
  room_unavailable: "In-band join: the room could not be reached; try again.",
  unauthenticated: "A token was needed and missing, or it is malformed, forged, expired or not yet valid (HTTP 401).",
  forbidden: "Your token is valid but not for this room, or your role may not do this (HTTP 403).",
  muted: "A moderator muted you: what you say (sends, posts, edits, reactions, moderation) is refused until the mute ends.",
  banned: "A moderator banned you from this room.",
  kicked: "A moderator removed you from the room; you may rejoin.",
  no_such_member: "A moderation action named a member id the room does not know.",
  no_such_message: "The seq names no message the room keeps (it never existed, or was pruned).",
  message_deleted: "The message was deleted: a tombstone cannot be edited, reacted to or deleted again.",
  too_many_reactions: "The message already carries the most distinct emoji a message may (`MAX_REACTIONS`).",
  invalid_emoji: "`emoji` is not one emoji.",
  rejected:
    "The operator's before-send hook refused the message or edit (HTTP 422); `message` is its reason. Nothing was stored: a send is not worth retrying as it is.",
  invalid_query:
    "A search query (`q`) that is missing, longer than 200 characters, without a letter or digit to search for, or that the search engine could not parse.",
  internal:
    "Something failed on our side (HTTP 500); nothing about it is sent. A send it answers (`ref`) was not stored: send it again, with the same id.",
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** WebSocket close codes the server sends (besides echoing a client's own code). */
export const CloseCode = {
  /** The member left (`leave` on a direct socket, or the relay closing a room it left). */
  NORMAL: 1000,
  /** Refused: a direct socket's `room`, `nick`, `since` or `key` was invalid, or the connection kept flooding past the rate limit. The error came first. */
  POLICY_VIOLATION: 1008,
  /** The server's end of the socket failed. */
  INTERNAL_ERROR: 1011,
  /** In-band join: the room went away (restart or deploy). Reconnect. */
  SERVICE_RESTART: 1012,
  /** The room is full (`room_full` came first). Try again later. */
  TRY_AGAIN_LATER: 1013,
  /** A moderator kicked you (the reason came first, as a `kicked` error). You may rejoin. */
  KICKED: 4001,
  /** A moderator banned you (a `banned` error came first); rejoining is refused the same way. */
  BANNED: 4003,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** One line per close code, as docs/protocol.md's table states it. */
export const CLOSE_CODE_MEANINGS: Record<CloseCode, string> = {
  [CloseCode.NORMAL]: "After `leave` on a direct socket.",
  [CloseCode.POLICY_VIOLATION]:
    "You kept sending past the rate limit, or a direct socket's `room`, `nick`, `since` or `key` was invalid (the error came first).",
  [CloseCode.INTERNAL_ERROR]: "The server's end of the socket failed.",
  [CloseCode.SERVICE_RESTART]: "In-band join: the room went away (restart or deploy). Reconnect.",
  [CloseCode.TRY_AGAIN_LATER]: "The room is full (`room_full` was sent first). Try again later.",
  [CloseCode.KICKED]: "A moderator kicked you (a `kicked` error with the reason came first). You may rejoin.",
  [CloseCode.BANNED]: "You are banned from this room (a `banned` error with the reason came first); a rejoin is refused the same way.",
};

/**
 * Codes that may never be sent in a close frame (RFC 6455 §7.4.1): a peer
 * that "closed" with one of them sent no code at all, or lost the connection.
 */
export const UNSENDABLE_CLOSE_CODES: ReadonlySet<number> = new Set([1004, 1005, 1006, 1015]);

/** Why the server closes a socket: the code, and the short reason sent with it. */
export interface Disconnect {
  code: CloseCode;
  reason: string;
}

/** Every way the server closes a client's socket. */
export const DISCONNECT = {
  left: { code: CloseCode.NORMAL, reason: "left" },
  flooding: { code: CloseCode.POLICY_VIOLATION, reason: "rate limit exceeded" },
  socketError: { code: CloseCode.INTERNAL_ERROR, reason: "socket error" },
  internal: { code: CloseCode.INTERNAL_ERROR, reason: "internal error" },
  roomGone: { code: CloseCode.SERVICE_RESTART, reason: "room restarted; reconnect" },
  kicked: { code: CloseCode.KICKED, reason: "kicked" },
  banned: { code: CloseCode.BANNED, reason: "banned" },
} as const satisfies Record<string, Disconnect>;

/** A refused connect closes with the refusal's code as its reason: 1013 for a full room, 4003 for a ban, 1008 for anything else. */
export function refusedConnect(code: ErrorCode): Disconnect {
  const close = code === "room_full" ? CloseCode.TRY_AGAIN_LATER : code === "banned" ? CloseCode.BANNED : CloseCode.POLICY_VIOLATION;
  return { code: close, reason: code };
}
