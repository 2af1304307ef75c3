/**
 * The public vocabulary of `parley/client` (docs/client.md): options, the
 * room's states and events, and the error its promises reject with. No code
 * but {@link ParleyError} and {@link CLIENT_BACKOFF}; the client and its
 * rooms are client.ts and room.ts.
 */

import { CloseCode, type ErrorCode } from "../../shared/codes";
import type { ErrorEvent, JoinedEvent, PresenceEvent, ServerEvent, StoredEvent } from "../../shared/events";
import type {
  DeleteFrame,
  EditFrame,
  MembersFrame,
  ModerationFrame,
  ReactFrame,
  ReadFrame,
  SearchFrame,
  TypingFrame,
} from "../../shared/frames";
import type { BackoffOptions } from "./backoff";
import type { MarkerStore } from "./my-rooms";
import type { OutboxEntry } from "./outbox";

/** A room's connection: `closed` before `connect()`, after `leave()`, or once the server ended the visit. */
export type RoomState = "connecting" | "open" | "reconnecting" | "closed";

/** The room's connection changed (every try of a reconnect is one). */
export interface StateEvent {
  type: "state";
  room: string;
  state: RoomState;
  /** Failed tries since the room was last open (0 on the first try). */
  attempt: number;
  /** While `reconnecting` and waiting: when the next try starts, epoch ms. */
  retryAt?: number;
}

/**
 * Seqs `from`..`to` (inclusive) of the room's stream will never come: the
 * room pruned them before this client got them (it was away for longer than
 * the room keeps history). Told in order: after every event before `from`,
 * before any event after `to`.
 */
export interface GapEvent {
  type: "gap";
  room: string;
  from: number;
  to: number;
}

/** `joined` as a room tells it: the server's event, and what the client made of it. */
export interface RoomJoinedEvent extends JoinedEvent {
  /** The connection resumed a visit (a reconnect, or a new nick or token): it asked with `since`. */
  resumed: boolean;
  /** How many of `history`'s events this client had not been told before (they are told next). */
  unseen: number;
}

/**
 * Stored events as one batch, besides each one's own event: `from` says
 * where they came from. `live`, `joined` (a join's history) and `page` (paged
 * over HTTP) batches are the events just told by type, in seq order;
 * `older` ones (from `loadOlder()`) come only here, older than any told.
 */
export interface StoredBatchEvent {
  type: "stored";
  room: string;
  events: StoredEvent[];
  from: "live" | "joined" | "page" | "older";
}

/** The room's unconfirmed messages changed (a send, a confirmation, a refusal, a visit's end): all of them, oldest first. */
export interface OutboxEvent {
  type: "outbox";
  room: string;
  entries: OutboxEntry[];
}

/** The room refused a queued message for good; it left the outbox. Its `error` event came first. */
export interface FailedEvent {
  type: "failed";
  room: string;
  entry: OutboxEntry;
  error: ErrorEvent;
}

/** The open connection was lost; a `state` event `reconnecting` follows. */
export interface DroppedEvent {
  type: "dropped";
  room: string;
}

/** The server ended the visit (a kick, a ban, a refusal, a `left` of its own): no reconnect. `error` says why. */
export interface EndedEvent {
  type: "ended";
  room: string;
  error: ParleyError;
}

/** Every server event this client hears (it speaks parley.v2, whose presence is `presence_changes`), by its `type`. */
export type ServerEventMap = { [T in Exclude<ServerEvent, PresenceEvent>["type"]]: Extract<ServerEvent, { type: T }> };

/** What `room.on(type, listener)` can listen to: the server's events, and the client's own. */
export interface RoomEventMap extends Omit<ServerEventMap, "joined"> {
  joined: RoomJoinedEvent;
  state: StateEvent;
  gap: GapEvent;
  stored: StoredBatchEvent;
  outbox: OutboxEvent;
  failed: FailedEvent;
  dropped: DroppedEvent;
  ended: EndedEvent;
}

/** What `client.on(type, listener)` can listen to. */
export interface ClientEventMap {
  /** A room is open again after every room had lost its connection. */
  online: { type: "online" };
  /** Every room the client is in has lost its connection (at least one is reconnecting, none is open). */
  offline: { type: "offline" };
}

/** A frame that is not a message, for `room.command()`: answered by events, never queued. */
export type CommandFrame = ModerationFrame | DeleteFrame | MembersFrame | EditFrame | ReactFrame | TypingFrame | SearchFrame | ReadFrame;

/** Why a promise of the client was rejected: a server refusal's code, or one of the client's own. */
export type ParleyErrorCode =
  | ErrorCode
  /** `leave()` came first: not sent (if it was in flight, the room may still have stored it). */
  | "left"
  /** The server ended the visit without saying why. */
  | "ended";

/** The rejection of `connect()` and `send()`. */
export class ParleyError extends Error {
  override readonly name = "ParleyError";

  constructor(
    readonly code: ParleyErrorCode,
    message: string,
    /** The server's error event, when the server refused. */
    readonly event?: ErrorEvent,
  ) {
    super(message);
  }

  static from(event: ErrorEvent): ParleyError {
    return new ParleyError(event.code, event.message, event);
  }

  /** A close the server meant, with the error event that came before it (or none). */
  static closed(code: number, event: ErrorEvent | null): ParleyError {
    const reason = CLOSE_REASONS[code] ?? event?.code;
    return event && event.code === reason
      ? ParleyError.from(event)
      : new ParleyError(reason ?? "ended", `the server ended the visit (close ${code})`, event ?? undefined);
  }
}

/** A close the server meant, by the error code it stands for. */
const CLOSE_REASONS: Partial<Record<number, ErrorCode>> = { [CloseCode.KICKED]: "kicked", [CloseCode.BANNED]: "banned" };

/** A WebSocket constructor: the platform's (browsers, Node 22+), or one such as the `ws` package's. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

/** The part of `fetch` the client uses. */
export type FetchFunction = (
  url: string,
  init: { headers: Record<string, string>; method?: string },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/**
 * Where unconfirmed messages are kept between runs (the chat page keeps them
 * in sessionStorage), so that a reload sends them once it is back in the room.
 */
export interface OutboxStore {
  /** The entries saved for `room`, oldest first (read once, when the room object is made). */
  load(room: string): OutboxEntry[];
  /** Called with all of `room`'s unconfirmed entries whenever they change. */
  save(room: string, entries: OutboxEntry[]): void;
}

export interface ParleyClientOptions {
  /** The server: `https://chat.example.com` (or `http://`, `ws://`, `wss://`; only the scheme and host are used). */
  url: string;
  /** The nick rooms are joined as, unless a room's options say otherwise (not needed with a token). */
  nick?: string;
  /** A signed token (docs/protocol.md, "Tokens"): it names the member and opens private rooms. */
  token?: string;
  /**
   * The sender key (16–128 of A–Z a–z 0–9 _ -): the room knows this
   * client's resends as its own by it, so a resend after a reconnect is never
   * stored twice. Default: a random one per client object. Keep one per app
   * install, secret, to make resends safe across restarts too.
   */
  key?: string;
  /** Reconnect delays. Default {@link CLIENT_BACKOFF}: full jitter, 1 s doubling to 15 s. */
  backoff?: BackoffOptions;
  /** Least time between two reconnects of this client's rooms, in ms (jittered ±50 %). Default 100. */
  reconnectSpacingMs?: number;
  /** Give up on a socket that has not said `joined` after this long. Default 10 s. */
  connectTimeoutMs?: number;
  /** Idle time on an open socket before a `ping`. Default 25 s. */
  heartbeatMs?: number;
  /** How long a `ping` may go unanswered before the socket counts as dead. Default 10 s. */
  deadAfterMs?: number;
  /** Longest wait for an HTTP answer (paging, admission, limits). Default 10 s. */
  requestTimeoutMs?: number;
  /** At most this many sends of a room unanswered at a time (the server rate-limits bursts). Default 5. */
  sendWindow?: number;
  /** Wait before sending again after `rate_limited`. Default 1 s. */
  rateLimitRetryMs?: number;
  /** Keeps unconfirmed messages across runs. Default: none (they are kept in memory only). */
  outbox?: OutboxStore;
  /** Default: the global `WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** Default: the global `fetch`. */
  fetch?: FetchFunction;
  /** In a browser, retry at once when the browser says the network is back (`online`). Default true. */
  watchNetwork?: boolean;
  /**
   * Where an anonymous person's rooms and read markers are kept (a signed-in
   * person's are the server's). Default: in memory, for this object's life.
   */
  markers?: MarkerStore;
}

/** Per-room settings; the client's are the defaults. */
export interface RoomOptions {
  nick?: string;
  token?: string;
}

/** What `room.send()` may say besides its text. */
export interface SendOptions {
  /** The seq of the message this one answers (docs/protocol.md, "Messages that change"). */
  replyTo?: number;
  /** Member ids the message mentions (at most 20; a token member's id is its `sub`): counted in their `myRooms()` until they read past it. */
  mentions?: string[];
}

/** What `room.leave()` may keep. */
export interface LeaveOptions {
  /**
   * Unconfirmed messages stay queued (and in the outbox store) for the next
   * `connect()`, which sends them, instead of being dropped. Their promises
   * reject with `left` all the same.
   */
  keepQueued?: boolean;
}

/**
 * The client's reconnect delays: full jitter (anywhere from 0 to the
 * ceiling), so clients that lost their sockets at the same moment — a deploy
 * drops every socket — come back spread over the whole first second, not as
 * one wave.
 */
export const CLIENT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 15_000, factor: 2, jitter: 1 };
