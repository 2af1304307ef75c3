/**
 * One room of a {@link ParleyClient} (client.ts): its own socket, reconnected
 * and resumed by itself. It reads what the room says and puts together the
 * parts of the client core, one concern each:
 *
 * - connection.ts: the socket, reconnects with backoff, the heartbeat;
 * - sender.ts: the outbox, its promises, resends until confirmed;
 * - stream.ts: each stored event once and in seq order, gaps, paging;
 * - http.ts: the HTTP API; emitter.ts: listeners and promises.
 */

import type { ErrorEvent, JoinedEvent, MessageEvent, PresentMember, ServerEvent, StoredEvent } from "../../shared/events";
import { connectQuery } from "../../shared/frames";
import type { Limits, PublicLimits } from "../../shared/limits";
import { validateNick } from "../../shared/validate";
import { Connection, type ConnectionOwner, type SocketLike } from "./connection";
import { type Deferred, deferred, type Listener, Listeners, parseEvents, rejected } from "./emitter";
import { admission, fetchPage, type Request } from "./http";
import { ReadMarker } from "./marker";
import type { MarkerStore } from "./my-rooms";
import { newEntry, type OutboxEntry } from "./outbox";
import { messageFrame, Sender, type SenderOwner } from "./sender";
import { Stream, type StreamOwner } from "./stream";
import {
  type CommandFrame,
  type LeaveOptions,
  type ParleyClientOptions,
  ParleyError,
  type RoomEventMap,
  type RoomJoinedEvent,
  type RoomOptions,
  type RoomState,
  type SendOptions,
  type ServerEventMap,
  type StateEvent,
} from "./types";

/** What a room needs of its client (internal: rooms are made by `client.room()`). */
export interface RoomHost {
  readonly key: string;
  /** `ws://host` or `wss://host`. */
  readonly wsBase: string;
  readonly options: ParleyClientOptions;
  /** The server's limits as last learned. */
  readonly limits: Limits;
  learn(limits: PublicLimits): void;
  /** Where an anonymous person's rooms and markers are kept. */
  readonly markers: MarkerStore;
  /** The wait before `room`'s reconnect number `attempt`. */
  backoff(room: ParleyRoom, attempt: number): number;
  request: Request;
  openSocket(url: string, protocol: string): SocketLike;
  newId(): string;
  stateChanged(): void;
}

/** One handler per server event type: a type added to the union is an entry the compiler asks for. */
type EventHandlers = { [T in keyof ServerEventMap]: (event: ServerEventMap[T]) => void };

export class ParleyRoom {
  private readonly listeners = new Listeners<RoomEventMap>();
  private readonly connection: Connection;
  private readonly sender: Sender;
  private readonly stream: Stream;
  /** The `connect()` of the current visit. */
  private visit: (Deferred<RoomJoinedEvent> & { joined: boolean }) | null = null;
  /** The last error event: a visit that ends says why with it. */
  private lastError: ErrorEvent | null = null;
  private member: PresentMember | null = null;
  private joinedNick = "";
  private token: string | undefined;
  /** Whether the current socket asked with `since`. */
  private resuming = false;
  private readonly marker: ReadMarker;

  /** @internal Use `client.room(name)`. */
  constructor(
    private readonly host: RoomHost,
    /** The room's name, as the server knows it. */
    readonly name: string,
    private options: RoomOptions,
  ) {
    this.connection = new Connection(this.connectionOwner(), host.options);
    this.sender = new Sender(name, this.senderOwner(), host.options);
    this.stream = new Stream(this.streamOwner());
    const sendRead = (seq: number) => this.command({ action: "read", seq });
    this.marker = new ReadMarker({ room: name, markers: host.markers, signedIn: () => this.token !== undefined, sendRead });
  }

  get state(): RoomState {
    return this.connection.state;
  }

  /** The connection as the last `state` event told it: state, failed tries, when the next try starts. */
  get status(): StateEvent {
    const { state, attempt, retryAt } = this.connection;
    return retryAt === undefined
      ? { type: "state", room: this.name, state, attempt }
      : { type: "state", room: this.name, state, attempt, retryAt };
  }

  /** This connection's member (with its role), while the room is open. */
  get self(): PresentMember | null {
    return this.connection.state === "open" ? this.member : null;
  }

  /** The nick the room is joined as ("" with a token that names the member). */
  get nick(): string {
    return this.joinedNick;
  }

  /** The server's limits on what the client sends (from the last `joined` or `client.loadLimits()`; the defaults before). */
  get limits(): Limits {
    return this.host.limits;
  }

  /** The resume point: every seq up to it has been told (or, on a first join, was not asked for). */
  get cursor(): number | undefined {
    return this.stream.cursor;
  }

  /** Messages sent (or restored from the outbox store) and not yet confirmed by the room. */
  get pending(): number {
    return this.sender.entries().length;
  }

  /** The unconfirmed messages themselves, oldest first (see the `outbox` event). */
  get outbox(): OutboxEntry[] {
    return this.sender.entries();
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
  connect(options: RoomOptions = {}): Promise<RoomJoinedEvent> {
    const changed = (Object.keys(options) as (keyof RoomOptions)[]).some((k) => options[k] !== undefined && options[k] !== this.options[k]);
    if (this.visit && !changed) return this.visit.promise;
    const settings = { ...this.options, ...options };
    const token = settings.token ?? this.host.options.token;
    const rawNick = settings.nick ?? this.host.options.nick ?? "";
    let nick = "";
    if (token === undefined || rawNick !== "") {
      const valid = validateNick(rawNick, this.host.limits);
      if (!valid.ok) return rejected(ParleyError.from(valid.error));
      nick = valid.value;
    }
    this.options = settings;
    this.joinedNick = nick;
    this.token = token;
    const previous = this.visit;
    const visit = { ...deferred<RoomJoinedEvent>(), joined: false };
    // A connect() still waiting for its joined waits for this one's.
    if (previous && !previous.joined) visit.promise.then(previous.resolve, previous.reject);
    this.visit = visit;
    this.lastError = null;
    this.connection.start();
    this.emit("outbox", { type: "outbox", room: this.name, entries: this.sender.entries() });
    return visit.promise;
  }

  /**
   * Sends a message (with `replyTo`, as an answer to that seq). Queued at
   * once (the `outbox` event tells it), sent when connected, resent after
   * every reconnect until the room confirms it, never stored twice. Resolves
   * with the stored message event; rejects with the refusal's code
   * (`invalid_message`, `frame_too_large`, `muted`, …), `already_stored`
   * (stored, but the room pruned it before this client heard back: do not
   * send it again), `not_in_room` before `connect()`, or `left`.
   */
  send(text: string, options: SendOptions = {}): Promise<MessageEvent> {
    if (!this.visit) return rejected(new ParleyError("not_in_room", "connect() to the room first"));
    return this.sender.queue(newEntry(this.host.newId(), this.name, text, options), this.host.limits);
  }

  /** The highest seq given to `markRead` (0 before any). */
  get lastRead(): number {
    return this.marker.seq;
  }

  /** Marks the room read up to `seq`, forward only: the server's marker with a token, else the `markers` store's (marker.ts). */
  markRead(seq: number): void {
    this.marker.mark(seq);
  }

  /** Why `text` would be refused as a message (or an edit's text) by the server's limits, or null. */
  check(text: string, options: SendOptions = {}): ParleyError | null {
    const frame = messageFrame(text, this.host.newId(), this.host.limits, options);
    return frame.ok ? null : ParleyError.from(frame.error);
  }

  /**
   * Sends a frame that is not a message — `edit`, `react`, `typing`,
   * `delete`, `members`, a moderation action (docs/protocol.md) — if the room
   * is open. Best effort: nothing is queued or resent. Returns whether it
   * went out; the answer comes as events (`edit`, `reaction`, `members`, …)
   * or an `error`.
   */
  command(frame: CommandFrame): boolean {
    return this.connection.state === "open" && this.connection.send(JSON.stringify(frame));
  }

  /**
   * Leaves the room: the socket closes, `connect()` and every unconfirmed
   * `send()` reject with `left`, and what is unconfirmed is not sent again
   * (unless `keepQueued`: then the next `connect()` sends it). `connect()`
   * makes a new visit, whose `joined` brings recent history again.
   */
  leave(options: LeaveOptions = {}): void {
    if (!this.visit) return;
    this.connection.stop(true);
    this.endVisit(new ParleyError("left", "left the room"), options.keepQueued === true);
    this.emit("left", { type: "left", room: this.name });
  }

  /**
   * Fetches up to `limit` events older than the oldest one told ("load
   * earlier"), told as a `stored` batch `from: "older"`. Resolves to whether
   * still older ones may exist; rejects if the HTTP API could not be read.
   */
  loadOlder(limit = 50): Promise<boolean> {
    return this.visit ? this.stream.loadOlder(limit) : Promise.resolve(false);
  }

  /** If the room is waiting to reconnect, it tries now. */
  retryNow(): void {
    this.connection.retryNow();
  }

  /** Listens to an event; returns the function that stops it. */
  on<K extends keyof RoomEventMap>(type: K, listener: Listener<RoomEventMap[K]>): () => void {
    return this.listeners.on(type, listener);
  }

  off<K extends keyof RoomEventMap>(type: K, listener: Listener<RoomEventMap[K]>): void {
    this.listeners.off(type, listener);
  }

  // ------------------------------------------------------------ what the room says

  private readonly handlers: EventHandlers = {
    joined: (event) => this.onJoined(event),
    message: (event) => this.onStored(event),
    moderation: (event) => this.onStored(event),
    delete: (event) => this.onStored(event),
    edit: (event) => this.onStored(event),
    reaction: (event) => this.onStored(event),
    typing: (event) => event.room === this.name && this.emit("typing", event),
    presence_changes: (event) => event.room === this.name && this.emit("presence_changes", event),
    members: (event) => event.room === this.name && this.emit("members", event),
    search: (event) => event.room === this.name && this.emit("search", event),
    receipts: (event) => event.room === this.name && this.emit("receipts", event),
    error: (event) => this.onError(event),
    // Only an answer to a leave, and leave() has stopped listening by then: the server ended the visit.
    left: () => this.end(new ParleyError("left", "the server said the room was left")),
  };

  private receive(data: string): void {
    for (const event of parseEvents(data)) {
      // A type this client does not know (a newer server, parley.v1's presence) is ignored; hasOwn keeps out "__proto__".
      if (!Object.hasOwn(this.handlers, event.type)) continue;
      // TypeScript cannot pair a union's member with its own handler through an index; the table's type does that.
      (this.handlers[event.type as keyof EventHandlers] as (event: ServerEvent) => void)(event);
    }
  }

  private onJoined(event: JoinedEvent): void {
    this.member = event.self;
    this.host.learn(event.limits);
    this.lastError = null;
    const resumed = this.resuming;
    const fresh = this.stream.joined(event, resumed);
    // Sent before the drop and stored, but the echo was lost: confirmed now.
    this.sender.confirmAll(event.history);
    this.sender.reconnected();
    this.connection.joined();
    const joined: RoomJoinedEvent = { ...event, resumed, unseen: fresh.length };
    this.emit("joined", joined);
    this.stream.tell(fresh, "joined");
    if (this.visit && !this.visit.joined) {
      this.visit.joined = true;
      this.visit.resolve(joined);
    }
    this.sender.flush();
    void this.stream.fillGap();
    this.marker.joined(event);
  }

  /** Anything on the room's seq stream: a message of ours also confirms its send. */
  private onStored(event: StoredEvent): void {
    if (event.room !== this.name) return;
    if (event.type === "message") this.sender.confirm(event.id, event);
    this.stream.live(event);
  }

  private onError(error: ErrorEvent): void {
    if (error.code === "kicked" || error.code === "banned") {
      // The room has removed us and is closing the socket: the visit ends now, not when (or whether) the
      // close arrives. If it were lost, the visit would end as a drop, whose reconnect would let a kicked
      // member back.
      this.emit("error", error);
      this.end(ParleyError.from(error));
      return;
    }
    if (this.sender.refused(error)) return;
    this.lastError = error;
    this.emit("error", error);
  }

  // ------------------------------------------------------------ the visit

  /** The server ended the visit: no reconnect, the promises reject with `error`, `ended` says why. */
  private end(error: ParleyError): void {
    if (!this.visit) return;
    this.connection.stop(false);
    // Unconfirmed sends reject, but stay queued (and saved) for a later visit: nothing typed is lost to a kick.
    this.endVisit(error, true);
    this.emit("ended", { type: "ended", room: this.name, error });
  }

  /** The visit is over: its promises are rejected with `error`; queued messages go unless `keep`. */
  private endVisit(error: ParleyError, keep: boolean): void {
    const visit = this.visit;
    this.visit = null;
    if (visit && !visit.joined) visit.reject(error);
    this.sender.end(error, keep);
    this.stream.reset();
    this.member = null;
  }

  private emit<K extends keyof RoomEventMap>(type: K, event: RoomEventMap[K]): void {
    this.listeners.emit(type, event);
  }

  // ------------------------------------------------------------ wiring

  private connectionOwner(): ConnectionOwner {
    return {
      url: () => {
        const since = this.stream.cursor;
        this.resuming = since !== undefined;
        // With a token, the token names the member.
        const nick = this.token === undefined ? this.joinedNick : undefined;
        return `${this.host.wsBase}/ws?${connectQuery({ room: this.name, nick, token: this.token, since, key: this.host.key })}`;
      },
      openSocket: (url, protocol) => this.host.openSocket(url, protocol),
      receive: (data) => this.receive(data),
      changed: () => {
        this.emit("state", this.status);
        this.host.stateChanged();
      },
      dropped: () => this.emit("dropped", { type: "dropped", room: this.name }),
      closedForGood: (code) => this.end(ParleyError.closed(code, this.lastError)),
      admission: () => admission(this.host.request, this.name, this.token),
      refused: (refusal) => {
        this.lastError = refusal;
        this.emit("error", refusal);
        this.end(ParleyError.from(refusal));
      },
      backoff: (attempt) => this.host.backoff(this, attempt),
    };
  }

  private senderOwner(): SenderOwner {
    return {
      open: () => this.connection.state === "open",
      send: (frame) => this.connection.send(frame),
      changed: (entries) => this.emit("outbox", { type: "outbox", room: this.name, entries }),
      failed: (entry, error) => {
        this.emit("error", error);
        this.emit("failed", { type: "failed", room: this.name, entry, error });
      },
    };
  }

  private streamOwner(): StreamOwner {
    return {
      fetchPage: (since, limit) => fetchPage(this.host.request, this.name, since, limit, this.token),
      tell: (events, from) => {
        for (const event of events) this.listeners.emit(event.type, event as never);
        this.emit("stored", { type: "stored", room: this.name, events, from });
      },
      gap: (from, to) => this.emit("gap", { type: "gap", room: this.name, from, to }),
      older: (events) => this.emit("stored", { type: "stored", room: this.name, events, from: "older" }),
      paged: (events) => this.sender.confirmAll(events),
      // Resume over the socket instead: the reconnect resumes from the cursor, and its joined brings the next
      // part of the gap. Rather than wait for a drop that may not come, with live events held meanwhile.
      pagingFailed: () => this.connection.reconnect(),
    };
  }
}
