/**
 * One room's socket over time: opening it (`/ws?…`, subprotocol parley.v2),
 * the connect timeout, the heartbeat, and after a drop the wait and the next
 * try. A close the server meant (a kick, a ban, a refusal) is not retried. It
 * reads no events: frames go to its owner, the room (room.ts), which says
 * when `joined` came.
 */

import { CloseCode, UNSENDABLE_CLOSE_CODES } from "../../shared/codes";
import type { ErrorEvent } from "../../shared/events";
import { SUBPROTOCOL_V2 } from "../../shared/format";
import type { RoomState } from "./types";

/** The few members of a WebSocket the client uses (standard ones, also on `ws`). */
export interface SocketLike {
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** What a connection asks of, and tells, the room it belongs to. */
export interface ConnectionOwner {
  /** The address of the next socket (its `since` moves on as the room hears). */
  url(): string;
  openSocket(url: string, protocol: string): SocketLike;
  /** A text frame of the current socket (not `pong`). */
  receive(data: string): void;
  /** `state`, `attempt` or `retryAt` changed. */
  changed(): void;
  /** The open connection was lost; the wait for the next try follows. */
  dropped(): void;
  /** The server closed for good: a kick or a ban, or a refusal before `joined` (the reason came first, as an error). */
  closedForGood(code: number): void;
  /**
   * Whether the server refuses this client the room (the HTTP API's answer),
   * asked when a socket failed before `joined` without a close frame: all a
   * browser sees of an HTTP 401 or 403 answered to its upgrade. Resolves to
   * the refusal, or null when there is none to report; may reject.
   */
  admission(): Promise<ErrorEvent | null>;
  /** The HTTP API refused: the visit is over. */
  refused(refusal: ErrorEvent): void;
  /** The wait before reconnect number `attempt` (0 for the first after a drop), in ms. */
  backoff(attempt: number): number;
}

const DEFAULT_TIMES: ConnectionTimes = { connectTimeoutMs: 10_000, heartbeatMs: 25_000, deadAfterMs: 10_000 };

export interface ConnectionTimes {
  /** Give up on a socket that has not said `joined` after this long. */
  connectTimeoutMs: number;
  /** Idle time on an open socket before a `ping`. */
  heartbeatMs: number;
  /** How long a `ping` may go unanswered before the socket counts as dead. */
  deadAfterMs: number;
}

type Timer = ReturnType<typeof setTimeout>;

export class Connection {
  state: RoomState = "closed";
  /** Failed tries since the room was last open. */
  attempt = 0;
  /** While waiting to reconnect: when the next try starts, epoch ms. */
  retryAt: number | undefined;
  private socket: SocketLike | null = null;
  /** Bumped for every socket; events and timers of an older one are ignored. */
  private generation = 0;
  private retryTimer: Timer | null = null;
  private connectTimer: Timer | null = null;
  private heartbeatTimer: Timer | null = null;
  private deadTimer: Timer | null = null;

  private readonly times: ConnectionTimes;

  /** `times`: the client's options; each one not given is its default. */
  constructor(
    private readonly owner: ConnectionOwner,
    times: Partial<ConnectionTimes>,
  ) {
    this.times = {
      connectTimeoutMs: times.connectTimeoutMs ?? DEFAULT_TIMES.connectTimeoutMs,
      heartbeatMs: times.heartbeatMs ?? DEFAULT_TIMES.heartbeatMs,
      deadAfterMs: times.deadAfterMs ?? DEFAULT_TIMES.deadAfterMs,
    };
  }

  /** (Re)starts the visit's connection: the current socket goes (saying `leave` if open), the first try is now. */
  start(): void {
    this.detach(true);
    this.attempt = 0;
    this.connect();
  }

  /** The room said `joined` on the current socket: open. */
  joined(): void {
    if (this.connectTimer !== null) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.attempt = 0;
    this.setState("open");
    this.armHeartbeat();
  }

  /** Sends a frame on the current socket; returns whether it went out. */
  send(frame: string): boolean {
    if (!this.socket) return false;
    try {
      this.socket.send(frame);
      return true;
    } catch {
      return false;
    }
  }

  /** Stops for good: the socket goes (saying `leave` first if asked and open), no reconnect. */
  stop(sayLeave: boolean): void {
    this.detach(sayLeave);
    this.attempt = 0;
    this.setState("closed");
  }

  /** Replaces the socket: this one goes, the next try comes after the backoff (resuming from the room's cursor). */
  reconnect(): void {
    this.drop();
  }

  /** If waiting to reconnect, tries now. */
  retryNow(): void {
    if (this.retryTimer !== null) this.connect();
  }

  private connect(): void {
    this.clearTimers();
    const generation = ++this.generation;
    const url = this.owner.url();
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    this.connectTimer = setTimeout(() => {
      if (generation === this.generation) this.drop();
    }, this.times.connectTimeoutMs);
    try {
      const ws = this.owner.openSocket(url, SUBPROTOCOL_V2);
      this.socket = ws;
      ws.onmessage = (event) => {
        if (generation === this.generation && typeof event.data === "string") this.received(event.data);
      };
      ws.onclose = (event) => {
        if (generation === this.generation) this.closed(event.code);
      };
      // A failure is followed by close; listening keeps the `ws` package from throwing it.
      ws.onerror = () => {};
    } catch {
      // A malformed address or a browser refusal: treat it like a failed connection.
      this.socket = null;
      this.drop();
    }
  }

  private received(data: string): void {
    if (this.state === "open") this.armHeartbeat();
    if (data !== "pong") this.owner.receive(data);
  }

  private closed(code: number): void {
    const trying = this.state !== "open";
    // A kick or a ban (the reason came first as an error event), or a refusal before any `joined` (a bad
    // room, nick or token): reconnecting would only be refused again.
    if (code === CloseCode.KICKED || code === CloseCode.BANNED || (code === CloseCode.POLICY_VIOLATION && trying)) {
      this.owner.closedForGood(code);
    } else if (UNSENDABLE_CLOSE_CODES.has(code) && trying) {
      // No close frame: the network, or an upgrade answered with HTTP (which a browser cannot read).
      this.askWhy();
    } else {
      this.drop();
    }
  }

  /**
   * The socket failed before `joined` without a close frame: ask the HTTP
   * API. A refusal ends the visit with its reason, as one over the socket
   * does; anything else (no answer within the connect timeout included) is
   * a dropped connection, retried with backoff.
   */
  private askWhy(): void {
    this.detach(false);
    const generation = this.generation;
    const retry = () => {
      if (generation === this.generation) this.drop();
    };
    this.connectTimer = setTimeout(retry, this.times.connectTimeoutMs);
    this.owner.admission().then((refusal) => {
      if (generation !== this.generation) return;
      if (refusal === null) this.drop();
      else this.owner.refused(refusal);
    }, retry);
  }

  /** The socket is gone (closed, failed, timed out or silent): back off, then reconnect. */
  private drop(): void {
    const wasOpen = this.state === "open";
    this.detach(false);
    if (this.state === "closed") return;
    if (wasOpen) this.owner.dropped();
    const delay = this.owner.backoff(this.attempt);
    this.attempt++;
    this.retryAt = Date.now() + delay;
    this.retryTimer = setTimeout(() => this.connect(), delay);
    this.setState("reconnecting");
  }

  /** Forgets the current socket (its late events are ignored), optionally leaving politely first. */
  private detach(sayLeave: boolean): void {
    this.generation++;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (!socket) return;
    try {
      if (sayLeave && this.state === "open") socket.send(JSON.stringify({ action: "leave" }));
      socket.close(CloseCode.NORMAL, "bye");
    } catch {
      // Already closed.
    }
  }

  private clearTimers(): void {
    for (const timer of [this.retryTimer, this.connectTimer, this.heartbeatTimer, this.deadTimer]) {
      if (timer !== null) clearTimeout(timer);
    }
    this.retryTimer = this.connectTimer = this.heartbeatTimer = this.deadTimer = null;
    this.retryAt = undefined;
  }

  /** After a quiet spell, a `ping`; the runtime answers `pong` without waking the room. No answer: dead. */
  private armHeartbeat(): void {
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    if (this.deadTimer !== null) clearTimeout(this.deadTimer);
    this.deadTimer = null;
    const generation = this.generation;
    this.heartbeatTimer = setTimeout(() => {
      if (generation !== this.generation || !this.socket) return;
      this.heartbeatTimer = null;
      this.send("ping");
      this.deadTimer = setTimeout(() => {
        if (generation === this.generation) this.drop();
      }, this.times.deadAfterMs);
    }, this.times.heartbeatMs);
  }

  private setState(state: RoomState): void {
    this.state = state;
    this.owner.changed();
  }
}
