/**
 * One chat session: the connection to a room's direct socket
 * (`/ws?room=…&nick=…&since=…`, subprotocol `parley.v1`), reconnects with
 * backoff and `since`, the outbox of unconfirmed messages, and paging of a
 * gap over HTTP. It knows nothing of the DOM: sockets, timers, fetch and
 * randomness come in through {@link SessionDeps}, and what happens goes out
 * through {@link SessionListener}, so all of it runs in unit tests.
 */

import { CloseCode } from "../../shared/codes";
import type {
  ErrorEvent,
  JoinedEvent,
  MembersEvent,
  MessageEvent,
  PresenceChangesEvent,
  PresenceEvent,
  PresentMember,
  ServerEvent,
  StoredEvent,
  TypingEvent,
} from "../../shared/events";
import { SUBPROTOCOL_V2 } from "../../shared/format";
import {
  type ConnectParams,
  connectQuery,
  type DeleteFrame,
  type EditFrame,
  type MembersFrame,
  type ModerationFrame,
  type ReactFrame,
  type TypingFrame,
} from "../../shared/frames";
import { DEFAULT_LIMITS, type Limits, limitsFromPublic, MAX_FRAME_BYTES, PAGE_MAX, type PublicLimits } from "../../shared/limits";
import { validateText } from "../../shared/validate";
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff";
import { Outbox, type OutboxEntry } from "./outbox";
import { Timeline } from "./timeline";

/** What the session needs from a socket. */
export interface SocketHandle {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Callbacks a socket reports to. `message` gets text frames only. */
export interface SocketHandlers {
  message(data: string): void;
  /** The socket closed or failed to open. */
  close(code: number, reason: string): void;
}

export type Timer = unknown;

export interface SessionDeps {
  /** Opens a WebSocket offering `protocol`. */
  connect(url: string, protocol: string, handlers: SocketHandlers): SocketHandle;
  /**
   * `GET /api/rooms/:room/messages?since=&limit=` → its `messages`. `token` is
   * the one the room was joined with (send it as `Authorization: Bearer …`):
   * a private room's history is no more public than the room.
   */
  fetchMessages(room: string, since: number, limit: number, token?: string): Promise<StoredEvent[]>;
  /**
   * Asks the HTTP API whether the server refuses this client the room:
   * `GET /api/rooms/:room` (with the token as `Authorization: Bearer …`), its
   * answer read by {@link refusalOf}. Resolves to the refusal, or null when
   * there is none to report (admitted, or an answer that says nothing about
   * admission: a 429, a 5xx); may reject on a network failure. Called only
   * when a socket failed before `joined` without a close frame, which is all a
   * browser sees of an HTTP 401 or 403 answered to its upgrade. Without it, such
   * a failure is retried like any other.
   */
  checkAdmission?(room: string, token: string | undefined): Promise<ErrorEvent | null>;
  setTimer(fn: () => void, ms: number): Timer;
  clearTimer(timer: Timer): void;
  now(): number;
  random(): number;
  /** A fresh client message id (1–64 characters). */
  newId(): string;
  /** Called with the whole outbox whenever it changes, to persist it. */
  saveOutbox?(entries: OutboxEntry[]): void;
  /**
   * The wait before reconnect number `attempt` (0 for the first after a
   * drop), in ms. Default: {@link backoffDelay} with the session's `backoff`
   * options. A client with several rooms gives all their sessions one, so
   * that their reconnects are spread as one schedule.
   */
  backoff?(attempt: number): number;
}

export interface SessionOptions {
  /** `ws://host` or `wss://host`. */
  wsBase: string;
  /**
   * The sender key sent on every connection (16–128 of [A-Za-z0-9_-]): the
   * room knows this client's resends after a reconnect as its own by it. Keep
   * one per browser (or app install), secret; without one, a resend on a new
   * connection could be stored twice.
   */
  key?: string;
  /** Outbox entries saved by an earlier visit. */
  outbox?: OutboxEntry[];
  backoff?: BackoffOptions;
  /** Give up on a connection that has not said `joined` after this long. */
  connectTimeoutMs?: number;
  /** Idle time on an open connection before a `ping`. */
  heartbeatMs?: number;
  /** How long a `ping` may go unanswered before the connection counts as dead. */
  deadAfterMs?: number;
  /** At most this many sends unanswered at a time (the server rate-limits bursts). */
  sendWindow?: number;
  /** Wait before resending after `rate_limited`. */
  rateLimitRetryMs?: number;
}

export type ConnState =
  /** Not in a room. */
  | { kind: "idle" }
  /** Opening a socket; `attempt` is 0 for the first try after a join. */
  | { kind: "connecting"; attempt: number }
  /** In the room. */
  | { kind: "online" }
  /** Dropped; the next try is at `retryAt` (epoch ms). */
  | { kind: "waiting"; attempt: number; retryAt: number };

/** Everything a view needs to hear. All optional. */
export interface SessionListener {
  state?(state: ConnState): void;
  /** A `joined` arrived; `history` holds only messages not shown before. `resumed` = a reconnect. */
  joined?(event: JoinedEvent, history: StoredEvent[], resumed: boolean): void;
  /** New messages (each seq once), in seq order; older ones may come after newer (paging). */
  messages?(events: StoredEvent[]): void;
  /** parley.v1 presence: one member came or went. */
  presence?(event: PresenceEvent): void;
  /** Who came and went over one presence window, and the exact count (parley.v2, which this session speaks). */
  presenceChanges?(event: PresenceChangesEvent): void;
  /** A page of the member list, answering a `members` command. */
  members?(event: MembersEvent): void;
  /** Someone is typing: show it for a few seconds (it is not repeated while they type on). */
  typing?(event: TypingEvent): void;
  /** The unconfirmed messages of the current room changed. */
  outbox?(pending: OutboxEntry[]): void;
  /** The server refused a queued message for good; it left the outbox. */
  failed?(entry: OutboxEntry, error: ErrorEvent): void;
  /** An error event not tied to a queued message. */
  error?(error: ErrorEvent): void;
  /** The connection dropped while in the room (before the reconnect starts). */
  dropped?(): void;
  /**
   * The server ended the visit (kicked, banned, or refused): no reconnect.
   * `code` is the close code, or the HTTP status (401, 403) of a refusal
   * before any upgrade; the reason came as an error.
   */
  ended?(code: number): void;
  /**
   * The room stored a queued message: `event` is the stored message (live,
   * in a `joined` history or in a page), or undefined when the room answered
   * `already_stored` (stored, but pruned before this client heard of it).
   */
  confirmed?(entry: OutboxEntry, event: MessageEvent | undefined): void;
  /**
   * Seqs `from`..`to` will never come: the room pruned them before this
   * session got them (its `since` was older than what the room keeps). Told
   * before the events after them.
   */
  gap?(from: number, to: number): void;
}

const DEFAULTS = {
  connectTimeoutMs: 10_000,
  heartbeatMs: 25_000,
  deadAfterMs: 10_000,
  sendWindow: 5,
  rateLimitRetryMs: 1_000,
};

/**
 * Why a message cannot be queued, or null when it can. `limits` are the
 * server's (see {@link ChatSession.limits}): its rule is the one that counts,
 * so the text is measured as it measures it, in code points.
 */
export function checkOutgoing(text: string, id: string, limits: Limits = DEFAULT_LIMITS, replyTo?: number): string | null {
  const valid = validateText(text, limits);
  if (!valid.ok) return valid.error.message;
  const bytes = new TextEncoder().encode(sendFrame(text, id, replyTo)).length;
  if (bytes > MAX_FRAME_BYTES) return `message is too large (${bytes} of ${MAX_FRAME_BYTES} bytes)`;
  return null;
}

function sendFrame(text: string, id: string, replyTo?: number): string {
  return JSON.stringify(
    replyTo === undefined ? { action: "send_to_room", msg: text, id } : { action: "send_to_room", msg: text, id, replyTo },
  );
}

/** What a send may say besides its text. */
export interface SendOptions {
  /** The seq of the message this one answers (docs/protocol.md, "Messages that change"). */
  replyTo?: number;
}

/** The close code a browser reports for a socket that closed without a close frame: a failed connection, or an upgrade answered with HTTP. */
const NO_CLOSE_FRAME = 1006;

/**
 * The refusal in an HTTP API answer about a room, if it is one that admission
 * gives (`unauthenticated` with 401, `forbidden` with 403, as
 * docs/protocol.md's "Tokens, private rooms and roles" says a direct socket
 * is refused before its upgrade); null for anything else, a success included.
 */
export function refusalOf(status: number, body: unknown): ErrorEvent | null {
  if (status !== 401 && status !== 403) return null;
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = status === 401 ? "unauthenticated" : "forbidden";
  if (error?.code !== code) return null;
  return { type: "error", code, message: typeof error.message === "string" ? error.message : code };
}

/** The direct socket's address for a room. */
export function socketUrl(wsBase: string, params: ConnectParams): string {
  return `${wsBase}/ws?${connectQuery(params)}`;
}

/** The events of one parley.v2 frame (a JSON array of them); anything that is not an event is dropped. */
function parseEvents(data: string): ServerEvent[] {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return [];
  }
  const isEvent = (e: unknown): e is ServerEvent =>
    typeof e === "object" && e !== null && typeof (e as { type?: unknown }).type === "string";
  return (Array.isArray(value) ? value : [value]).filter(isEvent);
}

/**
 * One handler per server event type. A type added to {@link ServerEvent} is an
 * entry the compiler asks for here; each handler gets its own event's type.
 */
type EventHandlers = { [T in ServerEvent["type"]]: (event: Extract<ServerEvent, { type: T }>) => void };

export class ChatSession {
  /** The room joined (or being rejoined), or null when idle. */
  room: string | null = null;
  nick = "";
  /** The token the current room was joined with, if any. */
  private token: string | undefined;
  /** This connection's member, once `joined` arrived. */
  self: PresentMember | null = null;
  readonly outbox: Outbox;

  private timeline = new Timeline();
  private current: ConnState = { kind: "idle" };
  private socket: SocketHandle | null = null;
  /** Bumped for every socket; events of an older socket are ignored. */
  private generation = 0;
  private attempt = 0;
  /** Whether the open socket asked with `since`. */
  private resumed = false;
  private retryTimer: Timer | null = null;
  private connectTimer: Timer | null = null;
  private heartbeatTimer: Timer | null = null;
  private deadTimer: Timer | null = null;
  private pumpTimer: Timer | null = null;
  private paging = false;
  /** The server's limits: the defaults until a `joined` (or the page, from `GET /api/limits`) says otherwise. */
  private learned: Limits = DEFAULT_LIMITS;
  private readonly opts: typeof DEFAULTS & { backoff: BackoffOptions };

  constructor(
    private readonly deps: SessionDeps,
    private readonly options: SessionOptions,
    private readonly listener: SessionListener = {},
  ) {
    this.outbox = new Outbox(options.outbox ?? []);
    this.opts = {
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      heartbeatMs: options.heartbeatMs ?? DEFAULTS.heartbeatMs,
      deadAfterMs: options.deadAfterMs ?? DEFAULTS.deadAfterMs,
      sendWindow: options.sendWindow ?? DEFAULTS.sendWindow,
      rateLimitRetryMs: options.rateLimitRetryMs ?? DEFAULTS.rateLimitRetryMs,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
    };
  }

  get state(): ConnState {
    return this.current;
  }

  /** The resume point (`since` of the next connection), for display and tests. */
  get cursor(): number | undefined {
    return this.timeline.since();
  }

  /** The limits outgoing messages are checked by: the server's as last learned, else the defaults. */
  get limits(): Limits {
    return this.learned;
  }

  /** Adopts the server's limits (from `GET /api/limits`; every `joined` carries them too). */
  learnLimits(limits: PublicLimits): void {
    this.learned = limitsFromPublic(limits);
  }

  /** Unconfirmed messages of the current room, oldest first. */
  pending(): OutboxEntry[] {
    return this.room === null ? [] : this.outbox.pending(this.room);
  }

  /**
   * Joins `room` as `nick` (both already validated). Joining the room the
   * session is in again (say, with another nick) resumes from where it was;
   * another room starts afresh.
   */
  join(room: string, nick: string, token?: string): void {
    const same = this.room === room;
    this.detach(true);
    if (!same) this.timeline = new Timeline();
    this.room = room;
    this.nick = nick;
    this.token = token;
    this.attempt = 0;
    this.open();
    this.emitOutbox();
  }

  /** Leaves the room: the leave frame if connected, no reconnect. Queued messages stay for a later visit. */
  leave(): void {
    if (this.room === null) return;
    this.detach(true);
    this.room = null;
    this.self = null;
    this.timeline = new Timeline();
    this.setState({ kind: "idle" });
    this.emitOutbox();
  }

  /**
   * Queues a message for the current room and sends it when connected; with
   * `replyTo`, as an answer to that message (kept in the outbox entry, so a
   * resend answers it too). Returns the entry, or an error message (nothing
   * queued).
   */
  send(text: string, options: SendOptions = {}): OutboxEntry | string {
    if (this.room === null) return "join a room first";
    const id = this.deps.newId();
    const { replyTo } = options;
    const problem = checkOutgoing(text, id, this.learned, replyTo);
    if (problem) return problem;
    const entry: OutboxEntry =
      replyTo === undefined
        ? { id, room: this.room, text, createdAt: this.deps.now() }
        : { id, room: this.room, text, createdAt: this.deps.now(), replyTo };
    this.outbox.add(entry);
    this.saveOutbox();
    this.emitOutbox();
    this.pump();
    return entry;
  }

  /** Tries to reconnect at once (the user asked, or the network came back). */
  retryNow(): void {
    if (this.current.kind !== "waiting") return;
    this.open();
  }

  // ------------------------------------------------------------ connection

  private open(): void {
    if (this.room === null) return;
    this.clearTimers();
    const generation = ++this.generation;
    const since = this.timeline.since();
    this.resumed = since !== undefined;
    this.setState({ kind: "connecting", attempt: this.attempt });
    const url = socketUrl(this.options.wsBase, {
      room: this.room,
      // With a token, the token names the member.
      nick: this.token === undefined ? this.nick : undefined,
      token: this.token,
      since,
      key: this.options.key,
    });
    this.connectTimer = this.deps.setTimer(() => {
      if (generation === this.generation) this.drop();
    }, this.opts.connectTimeoutMs);
    try {
      this.socket = this.deps.connect(url, SUBPROTOCOL_V2, {
        message: (data) => {
          if (generation === this.generation) this.receive(data);
        },
        close: (code) => {
          if (generation !== this.generation) return;
          if (this.endsVisit(code)) this.end(code);
          else if (code === NO_CLOSE_FRAME && this.current.kind === "connecting" && this.deps.checkAdmission) this.askWhy();
          else this.drop();
        },
      });
    } catch {
      // A malformed address or a browser refusal: treat it like a failed connection.
      this.socket = null;
      this.drop();
    }
  }

  /**
   * Whether a close means "do not come back": a kick or a ban (the reason
   * came first as an error event), or a refusal before any `joined` (a bad
   * room, nick or token) — reconnecting would only be refused again.
   */
  private endsVisit(code: number): boolean {
    if (code === CloseCode.KICKED || code === CloseCode.BANNED) return true;
    return code === CloseCode.POLICY_VIOLATION && this.current.kind === "connecting";
  }

  /**
   * The socket failed before `joined` without a close frame. The network, or
   * the server answering the upgrade with HTTP 401/403 (a missing, bad or
   * expired token, a token for another room), which a browser cannot read:
   * ask the HTTP API. A refusal ends the visit with its reason, as one over
   * the socket does; anything else (no answer within the connect timeout
   * included) is a dropped connection, retried with backoff.
   */
  private askWhy(): void {
    if (this.room === null || !this.deps.checkAdmission) return;
    this.detach(false);
    const generation = this.generation;
    const retry = () => {
      if (generation === this.generation) this.drop();
    };
    this.connectTimer = this.deps.setTimer(retry, this.opts.connectTimeoutMs);
    this.deps.checkAdmission(this.room, this.token).then((refusal) => {
      if (generation !== this.generation) return;
      if (refusal === null) {
        this.drop();
        return;
      }
      this.listener.error?.(refusal);
      this.end(refusal.code === "forbidden" ? 403 : 401);
    }, retry);
  }

  /** Stops for good after a close the server meant: idle, nothing resent, `ended` told. */
  private end(code: number): void {
    this.detach(false);
    this.room = null;
    this.self = null;
    this.timeline = new Timeline();
    this.setState({ kind: "idle" });
    this.emitOutbox();
    this.listener.ended?.(code);
  }

  /**
   * Sends a frame that is not a message — a moderation action, a delete, an
   * edit, a reaction, "typing" — when connected. Returns whether it went out;
   * the answer comes as events (or an error). Nothing is queued: a command
   * made offline is not sent later.
   */
  command(frame: ModerationFrame | DeleteFrame | MembersFrame | EditFrame | ReactFrame | TypingFrame): boolean {
    return this.current.kind === "online" && this.trySend(JSON.stringify(frame));
  }

  /** The socket is gone (closed, failed, timed out or silent): back off, then reconnect with `since`. */
  private drop(): void {
    const wasOnline = this.current.kind === "online";
    this.detach(false);
    if (this.room === null) return;
    if (wasOnline) this.listener.dropped?.();
    const delay = this.deps.backoff?.(this.attempt) ?? backoffDelay(this.attempt, this.deps.random, this.opts.backoff);
    this.attempt++;
    this.setState({ kind: "waiting", attempt: this.attempt, retryAt: this.deps.now() + delay });
    this.retryTimer = this.deps.setTimer(() => this.open(), delay);
  }

  /** Forgets the current socket (its late events are ignored), optionally leaving politely first. */
  private detach(sayLeave: boolean): void {
    this.generation++;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    this.self = null;
    this.outbox.unsendAll();
    if (!socket) return;
    try {
      if (sayLeave && this.current.kind === "online") socket.send(JSON.stringify({ action: "leave" }));
      socket.close(1000, "bye");
    } catch {
      // Already closed.
    }
  }

  private clearTimers(): void {
    for (const timer of [this.retryTimer, this.connectTimer, this.heartbeatTimer, this.deadTimer, this.pumpTimer]) {
      if (timer !== null) this.deps.clearTimer(timer);
    }
    this.retryTimer = this.connectTimer = this.heartbeatTimer = this.deadTimer = this.pumpTimer = null;
  }

  // ------------------------------------------------------------ heartbeat

  /** After a quiet spell, a `ping`; the runtime answers `pong` without waking the room. No answer: dead. */
  private armHeartbeat(): void {
    if (this.heartbeatTimer !== null) this.deps.clearTimer(this.heartbeatTimer);
    if (this.deadTimer !== null) this.deps.clearTimer(this.deadTimer);
    this.deadTimer = null;
    const generation = this.generation;
    this.heartbeatTimer = this.deps.setTimer(() => {
      if (generation !== this.generation || !this.socket) return;
      this.heartbeatTimer = null;
      this.trySend("ping");
      this.deadTimer = this.deps.setTimer(() => {
        if (generation === this.generation) this.drop();
      }, this.opts.deadAfterMs);
    }, this.opts.heartbeatMs);
  }

  // ------------------------------------------------------------ events

  private readonly handlers: EventHandlers = {
    joined: (event) => this.onJoined(event),
    message: (event) => this.onStored(event),
    moderation: (event) => this.onStored(event),
    delete: (event) => this.onStored(event),
    edit: (event) => this.onStored(event),
    reaction: (event) => this.onStored(event),
    typing: (event) => {
      if (event.room === this.room) this.listener.typing?.(event);
    },
    presence: (event) => {
      if (event.room === this.room) this.listener.presence?.(event);
    },
    presence_changes: (event) => {
      if (event.room === this.room) this.listener.presenceChanges?.(event);
    },
    members: (event) => {
      if (event.room === this.room) this.listener.members?.(event);
    },
    error: (event) => this.onError(event),
    // Only an answer to our own leave, which detached already; if the server says so anyway, go idle.
    left: () => this.leave(),
  };

  private receive(data: string): void {
    if (this.current.kind === "online") this.armHeartbeat();
    if (data === "pong") return;
    for (const event of parseEvents(data)) {
      // An event type this client does not know (a newer server) is ignored; hasOwn keeps out "__proto__" and the like.
      if (!Object.hasOwn(this.handlers, event.type)) continue;
      // TypeScript cannot pair a union's member with its own handler through an index; the table's type does that.
      (this.handlers[event.type] as (event: ServerEvent) => void)(event);
    }
  }

  private onJoined(event: JoinedEvent): void {
    if (this.connectTimer !== null) this.deps.clearTimer(this.connectTimer);
    this.connectTimer = null;
    this.attempt = 0;
    this.self = event.self;
    this.learnLimits(event.limits);
    const gap = this.resumed ? this.missing(event.history[0]?.seq ?? event.lastSeq + 1, event.lastSeq) : null;
    const fresh = this.timeline.joined(event, this.resumed);
    // Sent before the drop and stored, but the echo was lost: confirmed now.
    let confirmed = false;
    for (const stored of event.history) if (stored.type === "message" && this.confirm(stored.id, stored)) confirmed = true;
    if (confirmed) this.saveOutbox();
    this.outbox.unsendAll();
    this.setState({ kind: "online" });
    if (gap) this.listener.gap?.(gap[0], gap[1]);
    this.listener.joined?.(event, fresh, this.resumed);
    this.emitOutbox();
    this.armHeartbeat();
    this.pump();
    if (this.timeline.gap) void this.fillGap();
  }

  /** Anything on the room's seq stream: shown once, in order; a message of ours also confirms its send. */
  private onStored(event: StoredEvent): void {
    if (event.room !== this.room) return;
    const confirmed = event.type === "message" && this.confirm(event.id, event);
    if (this.timeline.live(event)) this.listener.messages?.([event]);
    if (confirmed) {
      this.saveOutbox();
      this.emitOutbox();
      this.pump();
    }
  }

  private onError(error: ErrorEvent): void {
    const ref = error.ref;
    if (error.code === "kicked" || error.code === "banned") {
      // The room has removed us and is closing the socket: the visit ends
      // now, not when (or whether) the close arrives. Waiting for it would
      // leave the session "online" meanwhile, and if the close is lost it
      // would end as a drop, whose reconnect would let a kicked member back.
      this.listener.error?.(error);
      this.end(error.code === "kicked" ? CloseCode.KICKED : CloseCode.BANNED);
      return;
    }
    if (error.code === "rate_limited") {
      // Too fast, not refused: the frame was not stored, and `ref` names it.
      // But a burst over the limit may have several sends in flight refused
      // alike, so rather than track each ref, send everything still
      // unanswered again a little later. That is simple and safe: a resent id
      // is never stored twice, and one that did get through is confirmed by
      // its echo.
      this.outbox.unsendAll();
      this.schedulePump();
      return;
    }
    if (error.code === "already_stored" && ref !== undefined && this.confirm(ref, undefined)) {
      // Stored long ago (the room has pruned it since): delivered, not failed.
      this.saveOutbox();
      this.emitOutbox();
      this.pump();
      return;
    }
    if (ref !== undefined && this.outbox.has(ref)) {
      const entry = this.outbox.remove(ref);
      this.saveOutbox();
      this.emitOutbox();
      if (entry) this.listener.failed?.(entry, error);
      this.pump();
      return;
    }
    this.listener.error?.(error);
  }

  // ------------------------------------------------------------ sending

  /** Sends what the outbox holds for this room, within the window. Only once `joined` arrived. */
  private pump(): void {
    if (this.current.kind !== "online" || this.room === null || this.pumpTimer !== null) return;
    for (const entry of this.outbox.take(this.room, this.opts.sendWindow)) {
      if (!this.trySend(sendFrame(entry.text, entry.id, entry.replyTo))) {
        this.outbox.unsend(entry.id);
        return;
      }
    }
  }

  private schedulePump(): void {
    if (this.pumpTimer !== null) return;
    const generation = this.generation;
    this.pumpTimer = this.deps.setTimer(() => {
      this.pumpTimer = null;
      if (generation === this.generation) this.pump();
    }, this.opts.rateLimitRetryMs);
  }

  private trySend(frame: string): boolean {
    if (!this.socket) return false;
    try {
      this.socket.send(frame);
      return true;
    } catch {
      return false;
    }
  }

  // ------------------------------------------------------------ paging

  /** Fetches what a capped resume left out, page by page, until caught up; stops if the room changes. */
  private async fillGap(): Promise<void> {
    if (this.paging) return;
    this.paging = true;
    const room = this.room;
    const timeline = this.timeline;
    try {
      while (room !== null && room === this.room && timeline === this.timeline && timeline.gap) {
        const page = await this.deps.fetchMessages(room, timeline.cursor, PAGE_MAX, this.token);
        if (room !== this.room || timeline !== this.timeline) return;
        const gap = this.missing(page[0]?.seq ?? timeline.lastSeq + 1, timeline.lastSeq);
        if (gap) this.listener.gap?.(gap[0], gap[1]);
        let confirmed = false;
        for (const stored of page) if (stored.type === "message" && this.confirm(stored.id, stored)) confirmed = true;
        const fresh = timeline.page(page);
        if (fresh.length) this.listener.messages?.(fresh);
        if (confirmed) {
          this.saveOutbox();
          this.emitOutbox();
        }
      }
    } catch {
      // Network trouble: the next `joined` (after a reconnect) tries again from the cursor.
    } finally {
      this.paging = false;
    }
  }

  /**
   * Fetches up to `limit` messages older than the oldest one shown ("load
   * earlier"). Resolves to whether still older ones may exist.
   */
  async loadOlder(limit = 50): Promise<boolean> {
    const room = this.room;
    const timeline = this.timeline;
    const oldest = timeline.oldest();
    if (room === null || oldest === undefined || oldest <= 1) return false;
    const since = Math.max(0, oldest - 1 - limit);
    const page = await this.deps.fetchMessages(room, since, Math.min(limit, oldest - 1, PAGE_MAX), this.token);
    if (room !== this.room || timeline !== this.timeline) return false;
    const fresh = timeline.older(page.filter((m) => m.seq < oldest));
    if (fresh.length) this.listener.messages?.(fresh);
    // Nothing came back (pruned), or the page reached the room's first message: nothing older is stored.
    return fresh.length > 0 && since > 0;
  }

  // ------------------------------------------------------------ plumbing

  private setState(state: ConnState): void {
    this.current = state;
    this.listener.state?.(state);
  }

  private emitOutbox(): void {
    this.listener.outbox?.(this.pending());
  }

  /** The room stored queued message `id`: it leaves the outbox, and `confirmed` is told. Returns whether it was queued. */
  private confirm(id: string, event: MessageEvent | undefined): boolean {
    const entry = this.outbox.ack(id);
    if (entry) this.listener.confirmed?.(entry, event);
    return entry !== undefined;
  }

  /**
   * The seqs after the cursor that the room no longer keeps, as [from, to],
   * or null: the first seq it answered with (`first`) came later than the
   * next one due, and none up to `last` is coming.
   */
  private missing(first: number, last: number): [number, number] | null {
    const from = this.timeline.cursor + 1;
    const to = Math.min(first - 1, last);
    return to >= from ? [from, to] : null;
  }

  private saveOutbox(): void {
    this.deps.saveOutbox?.(this.outbox.entries());
  }
}
