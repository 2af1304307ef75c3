/**
 * Parley's client for apps (the package entry `parley/client`, see
 * docs/client.md): one {@link ParleyClient} per app or user, and one
 * {@link ParleyRoom} per room it is in, each with its own socket.
 *
 * A room is a {@link ChatSession} — the chat page's client core: reconnects,
 * the outbox, exactly-once display by seq, resume with `since`, gap paging —
 * wired to the platform's WebSocket, fetch and timers (browsers, Node 22+),
 * and turned into promises and typed events. What it adds on top:
 *
 * - `send` returns a promise that settles once, when the room has stored the
 *   message (or refused it), however many times a reconnect resent it;
 * - stored events are told in seq order: live ones that overtake a gap being
 *   paged wait for it;
 * - a `gap` event when the room pruned what this client missed;
 * - the rooms of one client share one reconnect schedule and one
 *   online/offline state, so a deploy that drops every socket does not bring
 *   them back as one wave.
 *
 * No DOM: only WebSocket, fetch, setTimeout and crypto.getRandomValues.
 */

import type { ErrorCode } from "../../shared/codes";
import type { ErrorEvent, JoinedEvent, MessageEvent, PresentMember, ServerEvent, StoredEvent } from "../../shared/events";
import type { Limits } from "../../shared/limits";
import { validateKey, validateNick, validateRoom, validateText } from "../../shared/validate";
import { newMessageId } from "./address";
import { type BackoffOptions, backoffDelay } from "./backoff";
import {
  ChatSession,
  type ConnState,
  refusalOf,
  type SendOptions,
  type SessionDeps,
  type SessionListener,
  type SocketHandle,
  type SocketHandlers,
} from "./session";

// ------------------------------------------------------------ types

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

/** Every server event, by its `type`. */
export type ServerEventMap = { [T in ServerEvent["type"]]: Extract<ServerEvent, { type: T }> };

/** What `room.on(type, listener)` can listen to: every server event, and the client's own `state` and `gap`. */
export interface RoomEventMap extends ServerEventMap {
  state: StateEvent;
  gap: GapEvent;
}

/** What `client.on(type, listener)` can listen to. */
export interface ClientEventMap {
  /** A room is open again after every room had lost its connection. */
  online: { type: "online" };
  /** Every room the client is in has lost its connection (at least one is reconnecting, none is open). */
  offline: { type: "offline" };
}

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
}

/** A WebSocket constructor: the platform's (browsers, Node 22+), or one such as the `ws` package's. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

/** The part of `fetch` the client uses. */
export type FetchFunction = (
  url: string,
  init: { headers: Record<string, string> },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

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
  /** Longest wait for an HTTP answer (paging a gap). Default 10 s. */
  requestTimeoutMs?: number;
  /** Default: the global `WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** Default: the global `fetch`. */
  fetch?: FetchFunction;
  /** In a browser, retry at once when the browser says the network is back (`online`). Default true. */
  watchNetwork?: boolean;
}

/** Per-room settings; the client's are the defaults. */
export interface RoomOptions {
  nick?: string;
  token?: string;
}

/**
 * The client's reconnect delays: full jitter (anywhere from 0 to the
 * ceiling), so clients that lost their sockets at the same moment — a deploy
 * drops every socket — come back spread over the whole first second, not as
 * one wave.
 */
export const CLIENT_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 15_000, factor: 2, jitter: 1 };

const DEFAULT_SPACING_MS = 100;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** The few members of a WebSocket the client uses (standard ones, also on `ws`). */
interface SocketLike {
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

type Listener<E> = (event: E) => void;

/** A promise with its settle functions; a rejection nobody waits for is not reported as unhandled (events tell it too). */
interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: ParleyError): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: ParleyError) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

function rejected<T>(error: ParleyError): Promise<T> {
  const d = deferred<T>();
  d.reject(error);
  return d.promise;
}

/** A listener that throws must not break the client: its error is thrown again outside, as an uncaught one. */
function call<E>(listener: Listener<E>, event: E): void {
  try {
    listener(event);
  } catch (error) {
    setTimeout(() => {
      throw error;
    }, 0);
  }
}

/** Listeners by event type. */
class Listeners<M> {
  private readonly byType = new Map<keyof M, Set<Listener<never>>>();

  on<K extends keyof M>(type: K, listener: Listener<M[K]>): () => void {
    const set = this.byType.get(type) ?? new Set();
    this.byType.set(type, set);
    set.add(listener as Listener<never>);
    return () => this.off(type, listener);
  }

  off<K extends keyof M>(type: K, listener: Listener<M[K]>): void {
    this.byType.get(type)?.delete(listener as Listener<never>);
  }

  emit<K extends keyof M>(type: K, event: M[K]): void {
    const set = this.byType.get(type);
    if (set) for (const listener of [...set]) call(listener as Listener<M[K]>, event);
  }
}

// ------------------------------------------------------------ shared reconnects

/**
 * One reconnect schedule for all the rooms of a client. A room's wait is
 * its backoff delay, but
 *
 * - while no room of the client is open (an outage), rooms share the
 *   deepest attempt count any of them reached: a room that drops now waits
 *   as long as the others, instead of hammering a network known to be down;
 * - reconnects are spaced at least `spacingMs` (±50 %) apart, so rooms that
 *   dropped together come back one after another.
 *
 * Pure but for the clock and randomness it is given.
 */
export class ReconnectSchedule {
  private level = 0;
  private nextAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly options: BackoffOptions,
    private readonly spacingMs: number,
    private readonly now: () => number,
    private readonly random: () => number,
  ) {}

  /** The wait before a room's reconnect number `attempt`; `outage`: no other room of the client is open. */
  delay(attempt: number, outage: boolean): number {
    if (outage) this.level = Math.max(this.level, attempt);
    return this.slot(backoffDelay(outage ? this.level : attempt, this.random, this.options));
  }

  /** The wait before a reconnect that wants to start in `ms`, spaced from the others. */
  slot(ms: number): number {
    const now = this.now();
    const at = Math.max(now + ms, this.nextAt);
    this.nextAt = at + this.spacingMs * (0.5 + this.random());
    return at - now;
  }

  /** A room is open: the outage, if there was one, is over. */
  reset(): void {
    this.level = 0;
  }
}

// ------------------------------------------------------------ the client

/** What a room needs of its client (internal: rooms are made by `client.room()`). */
export interface RoomHost {
  readonly key: string;
  readonly schedule: ReconnectSchedule;
  readonly options: ParleyClientOptions;
  readonly wsBase: string;
  /** Whether any room other than `room` is open. */
  anyOpen(except: ParleyRoom): boolean;
  request(path: string, token: string | undefined): ReturnType<FetchFunction>;
  openSocket(url: string, protocol: string): SocketLike;
  stateChanged(): void;
}

/**
 * A client of one Parley server: it makes the room objects, and they share
 * its sender key, reconnect schedule and online/offline state.
 *
 *   const client = new ParleyClient({ url: "https://chat.example.com", nick: "batman" });
 *   const room = client.room("8888");
 *   room.on("message", (m) => console.log(`${m.from.nick}: ${m.text}`));
 *   await room.connect();
 *   await room.send("hello");
 */
export class ParleyClient {
  /** `http(s)://host` of the server. */
  readonly url: string;
  private readonly host: RoomHost;
  private readonly rooms = new Map<string, ParleyRoom>();
  private readonly listeners = new Listeners<ClientEventMap>();
  private offline = false;
  private readonly onNetwork = () => this.reconnectNow();
  private readonly WebSocketImpl: WebSocketConstructor;
  private readonly fetchImpl: FetchFunction;

  constructor(private readonly options: ParleyClientOptions) {
    const match = /^(https?|wss?):\/\/([^/?#\s]+)/i.exec(options.url.trim());
    if (!match) throw new TypeError(`url must start with http://, https://, ws:// or wss:// and a host: ${options.url}`);
    const secure = /^(https|wss)$/i.test(match[1] ?? "");
    this.url = `${secure ? "https" : "http"}://${match[2]}`;
    const wsBase = `${secure ? "wss" : "ws"}://${match[2]}`;
    const key = options.key ?? newMessageId(randomBytes);
    const checked = validateKey(key);
    if (!checked.ok) throw new TypeError(`key: ${checked.error.message}`);
    const platform = globalThis as { WebSocket?: unknown; fetch?: unknown };
    const WebSocketImpl = options.WebSocket ?? (platform.WebSocket as WebSocketConstructor | undefined);
    if (typeof WebSocketImpl !== "function") {
      throw new TypeError("no WebSocket here: use Node 22 or newer (or a browser), or pass options.WebSocket (say, from the ws package)");
    }
    this.WebSocketImpl = WebSocketImpl;
    this.fetchImpl = options.fetch ?? (platform.fetch as FetchFunction);
    this.host = {
      key,
      options,
      wsBase,
      schedule: new ReconnectSchedule(
        options.backoff ?? CLIENT_BACKOFF,
        options.reconnectSpacingMs ?? DEFAULT_SPACING_MS,
        () => Date.now(),
        () => Math.random(),
      ),
      anyOpen: (except) => [...this.rooms.values()].some((room) => room !== except && room.state === "open"),
      request: (path, token) => this.request(path, token),
      openSocket: (url, protocol) => new this.WebSocketImpl(url, protocol) as SocketLike,
      stateChanged: () => this.stateChanged(),
    };
    const events = globalThis as { addEventListener?: (type: string, listener: () => void) => void };
    try {
      if (options.watchNetwork !== false && typeof events.addEventListener === "function")
        events.addEventListener("online", this.onNetwork);
    } catch {
      // A runtime whose global scope takes no such listener: nothing to watch.
    }
  }

  /**
   * The room `name` (trimmed, NFC, as the server names it): one object per
   * room, made on the first call, whose options count. Throws a
   * {@link ParleyError} `invalid_room` for a name the server would refuse.
   */
  room(name: string, options: RoomOptions = {}): ParleyRoom {
    const valid = validateRoom(name);
    if (!valid.ok) throw ParleyError.from(valid.error);
    let room = this.rooms.get(valid.value);
    if (!room) {
      room = new ParleyRoom(this.host, valid.value, options);
      this.rooms.set(valid.value, room);
    }
    return room;
  }

  /** False while every room the client is in has lost its connection; see the `online` and `offline` events. */
  get online(): boolean {
    return !this.offline;
  }

  /** Rooms waiting to reconnect try now, one after another (the network is back, the app knows it). */
  reconnectNow(): void {
    for (const room of this.rooms.values()) {
      if (room.state === "reconnecting") setTimeout(() => room.retryNow(), this.host.schedule.slot(0));
    }
  }

  /** Leaves every room, and stops watching the network. */
  close(): void {
    for (const room of this.rooms.values()) room.leave();
    const events = globalThis as { removeEventListener?: (type: string, listener: () => void) => void };
    try {
      if (typeof events.removeEventListener === "function") events.removeEventListener("online", this.onNetwork);
    } catch {
      // Never added.
    }
  }

  on<K extends keyof ClientEventMap>(type: K, listener: Listener<ClientEventMap[K]>): () => void {
    return this.listeners.on(type, listener);
  }

  off<K extends keyof ClientEventMap>(type: K, listener: Listener<ClientEventMap[K]>): void {
    this.listeners.off(type, listener);
  }

  private stateChanged(): void {
    const states = [...this.rooms.values()].map((room) => room.state);
    const offline = !states.includes("open") && states.includes("reconnecting");
    if (offline === this.offline) return;
    this.offline = offline;
    if (offline) {
      this.listeners.emit("offline", { type: "offline" });
      return;
    }
    this.host.schedule.reset();
    this.listeners.emit("online", { type: "online" });
    // One room got through: the others need not sit out their backoff.
    if (states.includes("open")) this.reconnectNow();
  }

  /** A GET of the HTTP API with the room's token, bounded by `requestTimeoutMs`. */
  private request(path: string, token: string | undefined): ReturnType<FetchFunction> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    const ms = this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from ${path} within ${ms} ms`)), ms);
      this.fetchImpl(`${this.url}${path}`, { headers }).then(
        (response) => {
          clearTimeout(timer);
          resolve(response);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}

function randomBytes(n: number): Uint8Array {
  return (globalThis as unknown as { crypto: { getRandomValues(bytes: Uint8Array): Uint8Array } }).crypto.getRandomValues(
    new Uint8Array(n),
  );
}

// ------------------------------------------------------------ a room

/**
 * One room of a {@link ParleyClient}: its own socket, reconnected and
 * resumed by itself. Get it from `client.room(name)`.
 */
export class ParleyRoom {
  private readonly session: ChatSession;
  private readonly listeners = new Listeners<RoomEventMap>();
  private current: RoomState = "closed";
  /** The `connect()` of the current visit. */
  private visit: (Deferred<JoinedEvent> & { joined: boolean }) | null = null;
  /** The promises of `send()`, by message id. */
  private readonly sends = new Map<string, Deferred<MessageEvent>>();
  /** Stored events received ahead of the resume cursor (live ones that overtook a gap being paged), told once it reaches them. */
  private held: StoredEvent[] = [];
  /** The last error event: a visit that ends says why with it. */
  private lastError: ErrorEvent | null = null;
  /** The open socket. */
  private socket: SocketLike | null = null;

  /** @internal Use `client.room(name)`. */
  constructor(
    private readonly host: RoomHost,
    /** The room's name, as the server knows it. */
    readonly name: string,
    private options: RoomOptions,
  ) {
    const client = host.options;
    this.session = new ChatSession(
      this.deps(),
      {
        wsBase: host.wsBase,
        key: host.key,
        connectTimeoutMs: client.connectTimeoutMs,
        heartbeatMs: client.heartbeatMs,
        deadAfterMs: client.deadAfterMs,
      },
      this.sessionListener(),
    );
  }

  get state(): RoomState {
    return this.current;
  }

  /** This connection's member (with its role), once the room said `joined`. */
  get self(): PresentMember | null {
    return this.session.self;
  }

  /** The server's limits on what the client sends (from the last `joined`; the defaults before). */
  get limits(): Limits {
    return this.session.limits;
  }

  /** Messages sent and not yet confirmed by the room. */
  get pending(): number {
    return this.sends.size;
  }

  /**
   * Joins the room and keeps it joined: reconnects with backoff and resumes
   * where it was, until `leave()` or the server ends the visit. Resolves
   * with the first `joined`; rejects with the server's refusal (a bad nick,
   * a token that does not admit, a ban) or `left`. While connected (or
   * connecting), returns the same promise.
   *
   * With `options` (a new nick, a fresh token), they count from now on;
   * while connected, the room is joined again with them and resumes where
   * it was (unconfirmed sends stay queued), and the promise is the next
   * `joined`'s.
   */
  connect(options: RoomOptions = {}): Promise<JoinedEvent> {
    const changed = (Object.keys(options) as (keyof RoomOptions)[]).some((k) => options[k] !== undefined && options[k] !== this.options[k]);
    if (this.visit && !changed) return this.visit.promise;
    const settings = { ...this.options, ...options };
    const token = settings.token ?? this.host.options.token;
    const rawNick = settings.nick ?? this.host.options.nick ?? "";
    let nick = "";
    if (token === undefined || rawNick !== "") {
      const valid = validateNick(rawNick, this.session.limits);
      if (!valid.ok) return rejected(ParleyError.from(valid.error));
      nick = valid.value;
    }
    this.options = settings;
    const previous = this.visit;
    const visit = { ...deferred<JoinedEvent>(), joined: false };
    // A connect() still waiting for its joined waits for this one's.
    if (previous && !previous.joined) visit.promise.then(previous.resolve, previous.reject);
    this.visit = visit;
    this.lastError = null;
    this.session.join(this.name, nick, token);
    return visit.promise;
  }

  /**
   * Sends a message (with `replyTo`, as an answer to that seq). Queued while
   * not connected, resent after every reconnect until the room confirms it,
   * never stored twice. Resolves with the stored message event; rejects with
   * the refusal's code (`invalid_message`, `muted`, …), `already_stored`
   * (stored, but the room pruned it before this client heard back: do not
   * send it again), `not_in_room` before `connect()`, or `left`.
   */
  send(text: string, options: SendOptions = {}): Promise<MessageEvent> {
    if (!this.visit) return rejected(new ParleyError("not_in_room", "connect() to the room first"));
    const valid = validateText(text, this.session.limits);
    if (!valid.ok) return rejected(ParleyError.from(valid.error));
    const entry = this.session.send(text, options);
    if (typeof entry === "string") return rejected(new ParleyError("frame_too_large", entry));
    const d = deferred<MessageEvent>();
    this.sends.set(entry.id, d);
    return d.promise;
  }

  /**
   * Sends a frame that is not a message — `edit`, `react`, `typing`,
   * `delete`, `members`, a moderation action (docs/protocol.md) — if the room
   * is open. Best effort: nothing is queued or resent. Returns whether it
   * went out; the answer comes as events (`edit`, `reaction`, `members`, …)
   * or an `error`.
   */
  command(frame: Parameters<ChatSession["command"]>[0]): boolean {
    return this.session.command(frame);
  }

  /**
   * Leaves the room: the socket closes, `connect()` and every unconfirmed
   * `send()` reject with `left` (and are not sent again). `connect()` makes a
   * new visit, whose `joined` brings recent history again.
   */
  leave(): void {
    if (!this.visit) return;
    this.session.leave();
    this.endVisit(new ParleyError("left", "left the room"));
    this.listeners.emit("left", { type: "left", room: this.name });
  }

  /** Listens to an event; returns the function that stops it. */
  on<K extends keyof RoomEventMap>(type: K, listener: Listener<RoomEventMap[K]>): () => void {
    return this.listeners.on(type, listener);
  }

  off<K extends keyof RoomEventMap>(type: K, listener: Listener<RoomEventMap[K]>): void {
    this.listeners.off(type, listener);
  }

  /** If the room is waiting to reconnect, it tries now. */
  retryNow(): void {
    this.session.retryNow();
  }

  // ------------------------------------------------------------ wiring

  private deps(): SessionDeps {
    const host = this.host;
    return {
      connect: (url, protocol, handlers) => this.openSocket(url, protocol, handlers),
      fetchMessages: async (room, since, limit, token) => {
        try {
          const response = await host.request(`/api/rooms/${encodeURIComponent(room)}/messages?since=${since}&limit=${limit}`, token);
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          const body = (await response.json()) as { messages?: unknown } | null;
          return Array.isArray(body?.messages) ? (body.messages as StoredEvent[]) : [];
        } catch (error) {
          this.resumeOverSocket();
          throw error;
        }
      },
      checkAdmission: async (room, token) => {
        const response = await host.request(`/api/rooms/${encodeURIComponent(room)}`, token);
        return refusalOf(response.status, await response.json().catch(() => null));
      },
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (timer) => clearTimeout(timer as Parameters<typeof clearTimeout>[0]),
      now: () => Date.now(),
      random: () => Math.random(),
      newId: () => newMessageId(randomBytes),
      backoff: (attempt) => host.schedule.delay(attempt, !host.anyOpen(this)),
    };
  }

  private openSocket(url: string, protocol: string, handlers: SocketHandlers): SocketHandle {
    const ws = this.host.openSocket(url, protocol);
    this.socket = ws;
    ws.onmessage = (event) => {
      if (typeof event.data === "string") handlers.message(event.data);
    };
    ws.onclose = (event) => {
      if (this.socket === ws) this.socket = null;
      handlers.close(event.code, event.reason);
    };
    // A failure is followed by close; listening keeps the `ws` package from throwing it.
    ws.onerror = () => {};
    return {
      send: (data) => ws.send(data),
      close: (code, reason) => ws.close(code, reason),
    };
  }

  /**
   * Paging a gap over HTTP failed (the network, a rate limit, or a browser
   * on another origin that the API's answers are not shared with): drop the
   * socket, so the reconnect resumes from the cursor and the `joined`
   * brings the next part of the gap. Rather than wait for a drop that may
   * not come, with live events held behind the gap meanwhile.
   */
  private resumeOverSocket(): void {
    try {
      this.socket?.close(4000, "resume");
    } catch {
      // Already closing.
    }
  }

  private sessionListener(): SessionListener {
    const emit = <K extends keyof RoomEventMap>(type: K, event: RoomEventMap[K]) => this.listeners.emit(type, event);
    return {
      state: (state) => this.setState(state),
      joined: (event, history) => {
        this.lastError = null;
        emit("joined", event);
        this.hold(history);
        if (this.visit && !this.visit.joined) {
          this.visit.joined = true;
          this.visit.resolve(event);
        }
      },
      messages: (events) => this.hold(events),
      gap: (from, to) => emit("gap", { type: "gap", room: this.name, from, to }),
      presence: (event) => emit("presence", event),
      presenceChanges: (event) => emit("presence_changes", event),
      members: (event) => emit("members", event),
      typing: (event) => emit("typing", event),
      confirmed: (entry, event) => {
        const d = this.sends.get(entry.id);
        this.sends.delete(entry.id);
        if (!d) return;
        if (event) d.resolve(event);
        else d.reject(new ParleyError("already_stored", "stored, but the room pruned it before this client heard back"));
      },
      failed: (entry, error) => {
        emit("error", error);
        const d = this.sends.get(entry.id);
        this.sends.delete(entry.id);
        d?.reject(ParleyError.from(error));
      },
      error: (error) => {
        this.lastError = error;
        emit("error", error);
      },
      ended: (code) => {
        const named: Record<number, ErrorCode> = { 4001: "kicked", 4003: "banned", 401: "unauthenticated", 403: "forbidden" };
        const event = this.lastError;
        const errorCode = named[code] ?? event?.code;
        const error =
          event && event.code === errorCode
            ? ParleyError.from(event)
            : new ParleyError(errorCode ?? "ended", `the server ended the visit (${code})`, event ?? undefined);
        this.endVisit(error);
      },
    };
  }

  private setState(state: ConnState): void {
    const next: RoomState =
      state.kind === "idle"
        ? "closed"
        : state.kind === "online"
          ? "open"
          : state.kind === "connecting" && state.attempt === 0
            ? "connecting"
            : "reconnecting";
    this.current = next;
    if (next === "closed" && this.visit) {
      // The session went idle by itself (a `left` from the server): the visit is over. A leave() or an
      // end the server meant says so right after this, with its reason, and has ended the visit by then.
      void Promise.resolve().then(() => {
        if (this.visit && this.current === "closed") this.endVisit(new ParleyError("left", "the server said the room was left"));
      });
    }
    const event: StateEvent = { type: "state", room: this.name, state: next, attempt: "attempt" in state ? state.attempt : 0 };
    if (state.kind === "waiting") event.retryAt = state.retryAt;
    this.listeners.emit("state", event);
    this.host.stateChanged();
  }

  /**
   * Stored events from the session (each seq once): told in seq order up to
   * the session's cursor. One above it overtook a gap still being paged and
   * waits for it.
   */
  private hold(events: StoredEvent[]): void {
    if (events.length) this.held.push(...events);
    const cursor = this.session.cursor ?? 0;
    if (!this.held.length || this.held.every((e) => e.seq > cursor)) return;
    this.held.sort((a, b) => a.seq - b.seq);
    const ready = this.held.filter((e) => e.seq <= cursor);
    this.held = this.held.filter((e) => e.seq > cursor);
    for (const event of ready) this.listeners.emit(event.type, event as never);
  }

  /** The visit is over: its promises are rejected with `error`, and nothing queued is sent any more. */
  private endVisit(error: ParleyError): void {
    const visit = this.visit;
    this.visit = null;
    if (visit && !visit.joined) visit.reject(error);
    const sends = [...this.sends.values()];
    this.sends.clear();
    for (const entry of this.session.outbox.entries()) this.session.outbox.remove(entry.id);
    for (const d of sends) d.reject(error);
    this.held = [];
    this.socket = null;
  }
}
