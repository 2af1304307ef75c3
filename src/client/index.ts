/**
 * `parley/client`: Parley's client for apps, in browsers and in Node 22+
 * (docs/client.md). Built by scripts/build-client.ts into dist/client.
 *
 * ParleyClient and ParleyRoom are the API. ChatSession, the layer they are
 * built on (and the chat page's client core), is exported for clients that
 * need its lower-level control: saved outboxes, loading earlier messages,
 * moderation commands.
 */

export type { ErrorCode } from "../shared/codes";
export type {
  DeleteEvent,
  EditEvent,
  ErrorEvent,
  JoinedEvent,
  LeftEvent,
  Member,
  MembersEvent,
  MessageEvent,
  ModerationAction,
  ModerationEvent,
  PresenceChangesEvent,
  PresenceEvent,
  PresentMember,
  ReactionEvent,
  ReplyRef,
  ServerEvent,
  StoredEvent,
  TypingEvent,
} from "../shared/events";
export type { Limits, PublicLimits } from "../shared/limits";
export { newMessageId } from "./core/address";
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./core/backoff";
export {
  CLIENT_BACKOFF,
  type ClientEventMap,
  type FetchFunction,
  type GapEvent,
  ParleyClient,
  type ParleyClientOptions,
  ParleyError,
  type ParleyErrorCode,
  ParleyRoom,
  ReconnectSchedule,
  type RoomEventMap,
  type RoomHost,
  type RoomOptions,
  type RoomState,
  type ServerEventMap,
  type StateEvent,
  type WebSocketConstructor,
} from "./core/client";
export { type OutboxEntry, parseOutbox } from "./core/outbox";
export {
  ChatSession,
  type ConnState,
  checkOutgoing,
  refusalOf,
  type SendOptions,
  type SessionDeps,
  type SessionListener,
  type SessionOptions,
  type SocketHandle,
  type SocketHandlers,
  socketUrl,
  type Timer,
} from "./core/session";
