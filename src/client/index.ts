/**
 * `parley/client`: Parley's client, for apps in browsers and in Node 22+
 * (docs/client.md), and for the chat page. Built by scripts/build-client.ts
 * into dist/client.
 *
 * ParleyClient and ParleyRoom are the API; the rest is their vocabulary.
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
  PresentMember,
  ReactionEvent,
  ReplyRef,
  ServerEvent,
  StoredEvent,
  TypingEvent,
} from "../shared/events";
export type { Limits, PublicLimits } from "../shared/limits";
export type { CountedRoom, MyRoom, MyRooms, UncountedRoom } from "../shared/my-rooms";
export { newMessageId } from "./core/address";
export type { BackoffOptions } from "./core/backoff";
export { ParleyClient } from "./core/client";
export { type LocalRoom, type MarkerStore, memoryMarkers, parseLocalRooms } from "./core/my-rooms";
export { type OutboxEntry, parseOutbox } from "./core/outbox";
export { ParleyRoom } from "./core/room";
export {
  CLIENT_BACKOFF,
  type ClientEventMap,
  type CommandFrame,
  type DroppedEvent,
  type EndedEvent,
  type FailedEvent,
  type FetchFunction,
  type GapEvent,
  type LeaveOptions,
  type OutboxEvent,
  type OutboxStore,
  type ParleyClientOptions,
  ParleyError,
  type ParleyErrorCode,
  type RoomEventMap,
  type RoomJoinedEvent,
  type RoomOptions,
  type RoomState,
  type SendOptions,
  type ServerEventMap,
  type StateEvent,
  type StoredBatchEvent,
  type WebSocketConstructor,
} from "./core/types";
