/**
 * The seed's path: a `/ws` client that connects first and picks its room
 * in-band with `join`. The worker holds that client's socket (so it cannot
 * hibernate; direct `/ws?room=` sockets can), keeps its current room, and
 * relays to the room's Durable Object over an upstream socket of the same
 * format. Every frame is validated here before anything is forwarded.
 */
import type { Env } from "./env";
import { limitsFrom, type Limits } from "./limits";
import {
  encode,
  errorEvent,
  parseClientFrame,
  refOf,
  SUBPROTOCOL,
  type Format,
  type JoinFrame,
  type ServerEvent,
} from "./protocol";
import { newMemberId } from "./attachment";
import { log } from "./log";
import { rateLimitedEvent, TokenBucket } from "./rate-limit";
import { closeQuietly, trySend, upgradeResponse } from "./socket";

/** Accepts a seed-style client and returns the 101 response for it. */
export function openRelay(env: Env, format: Format): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  const relay = new Relay(server, env, format);
  server.addEventListener("message", (e) => relay.fromClient(e.data));
  server.addEventListener("close", (e) => relay.clientGone(e.code, e.reason));
  server.addEventListener("error", () => relay.clientGone(1011, "socket error"));
  return upgradeResponse(client, format);
}

class Relay {
  private readonly limits: Limits;
  private readonly bucket: TokenBucket;
  /** Connection id for the logs. */
  private readonly id = newMemberId();
  /** The room this client is in, if any. */
  private current: Upstream | null = null;

  constructor(
    private readonly client: WebSocket,
    private readonly env: Env,
    private readonly format: Format,
  ) {
    this.limits = limitsFrom(env);
    this.bucket = new TokenBucket(this.limits.RATE_LIMIT_BURST, this.limits.RATE_LIMIT_PER_SECOND, Date.now());
    log("connect", { conn: this.id, path: "relay", format });
  }

  fromClient(data: string | ArrayBuffer): void {
    // The same liveness check a room answers without waking (see Room).
    if (data === "ping") {
      trySend(this.client, "pong");
      return;
    }
    const verdict = this.bucket.take(Date.now());
    if (verdict !== "ok") {
      this.tell(rateLimitedEvent(verdict, this.limits.RATE_LIMIT_PER_SECOND, refOf(data)));
      if (verdict === "close") this.clientGone(1008, "rate limit exceeded");
      return;
    }
    const parsed = parseClientFrame(data, this.limits);
    if (!parsed.ok) {
      this.tell(parsed.error);
      return;
    }
    const frame = parsed.value;
    switch (frame.action) {
      case "join":
        // Moving rooms: stop hearing the old one at once, then connect to the new one.
        this.current?.close();
        this.current = new Upstream(this.env, frame, this.format, this.client, (up, code) => this.upstreamGone(up, code));
        return;
      case "send_to_room":
        if (!this.current) {
          this.tell(errorEvent("not_in_room", "join a room first", frame.id));
          return;
        }
        // The validated frame, not the client's raw text, goes on to the room.
        this.current.send(JSON.stringify(frame));
        return;
      case "leave": {
        const up = this.current;
        if (!up) {
          this.tell(errorEvent("not_in_room", "you are not in a room"));
          return;
        }
        // Answered here so that it is ordered with everything else we tell the
        // client; closing the upstream makes the room announce the departure.
        this.current = null;
        up.close();
        this.tell({ type: "left", room: up.room }, up.nick);
        return;
      }
    }
  }

  /** The client went away: close its room socket and complete the handshake. */
  clientGone(code: number, reason: string): void {
    this.current?.close();
    this.current = null;
    closeQuietly(this.client, code, reason);
  }

  /**
   * The room's side closed without the client asking. A refusal (1000 before
   * a greeting, 1013 for a full room) leaves the client connected and in no
   * room; a policy close (1008) is passed on; anything else means the room
   * went away, and the client is told to reconnect (1012).
   */
  private upstreamGone(up: Upstream, code: number): void {
    if (up !== this.current) return;
    this.current = null;
    if (code === 1000 || code === 1013) return;
    if (code === 1008) closeQuietly(this.client, 1008, "policy violation");
    else closeQuietly(this.client, 1012, "room restarted; reconnect");
  }

  private tell(event: ServerEvent, nick = ""): void {
    if (event.type === "error") log("refusal", { conn: this.id, room: this.current?.room, code: event.code });
    const frame = encode(event, this.format, nick);
    if (frame !== null) trySend(this.client, frame);
  }
}

/** The relay's socket to one room's Durable Object. Frames sent before it opens are queued in order. */
class Upstream {
  readonly room: string;
  readonly nick: string;
  private socket: WebSocket | null = null;
  private queue: string[] = [];
  private closed = false;

  constructor(
    env: Env,
    join: JoinFrame,
    private readonly format: Format,
    private readonly client: WebSocket,
    private readonly onGone: (up: Upstream, code: number) => void,
  ) {
    this.room = join.msg;
    this.nick = join.nick;
    void this.open(env, join);
  }

  send(frame: string): void {
    if (this.socket) trySend(this.socket, frame);
    else if (!this.closed) this.queue.push(frame);
  }

  /** Stops forwarding at once and closes the room's side cleanly. */
  close(): void {
    this.closed = true;
    this.queue = [];
    if (this.socket) closeQuietly(this.socket, 1000, "left");
  }

  private async open(env: Env, join: JoinFrame): Promise<void> {
    const url = new URL("https://room.internal/ws");
    url.searchParams.set("room", join.msg);
    url.searchParams.set("nick", join.nick);
    if (join.since !== undefined) url.searchParams.set("since", String(join.since));
    const headers = new Headers({ Upgrade: "websocket" });
    if (this.format === "json") headers.set("Sec-WebSocket-Protocol", SUBPROTOCOL);

    // A room refuses a member (room_full) over the socket itself, so anything
    // but a socket here means the room could not be reached.
    let socket: WebSocket | null = null;
    try {
      socket = (await env.ROOMS.getByName(join.msg).fetch(url, { headers })).webSocket;
    } catch {
      socket = null;
    }
    if (!socket) {
      if (!this.closed) {
        const frame = encode(errorEvent("room_unavailable", `room ${join.msg} is unavailable; try again`), this.format, join.nick);
        if (frame !== null) trySend(this.client, frame);
      }
      this.closed = true;
      this.onGone(this, 1000);
      return;
    }
    socket.accept();
    if (this.closed) {
      // The client moved on while we were connecting.
      closeQuietly(socket, 1000, "left");
      return;
    }
    socket.addEventListener("message", (e) => {
      if (!this.closed && typeof e.data === "string") trySend(this.client, e.data);
    });
    socket.addEventListener("close", (e) => {
      const wasOurs = this.closed;
      this.closed = true;
      if (!wasOurs) {
        closeQuietly(socket, e.code, e.reason);
        this.onGone(this, e.code);
      }
    });
    this.socket = socket;
    for (const frame of this.queue) trySend(socket, frame);
    this.queue = [];
  }
}
