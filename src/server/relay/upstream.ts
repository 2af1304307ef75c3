/**
 * The relay's socket to one room's Durable Object: a direct room socket,
 * opened on the client's behalf. Frames sent before it opens are queued in
 * order; whatever the room sends goes to the client as it is.
 */
import { DISCONNECT } from "../../shared/codes";
import { refusal } from "../../shared/errors";
import { encode, type Format, SUBPROTOCOL } from "../../shared/format";
import { connectQuery, type JoinFrame } from "../../shared/frames";
import type { Env } from "../env";
import { closeQuietly, trySend } from "../platform/socket";

/** What the relay hears from an upstream. */
export interface UpstreamEvents {
  /** The room greeted the client (its first frame), `bytes` long. */
  greeted(bytes: number): void;
  /** The room's side is gone without our asking: its close code, or null if it never opened. */
  gone(up: Upstream, code: number | null): void;
}

export class Upstream {
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
    private readonly events: UpstreamEvents,
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
    if (this.socket) closeQuietly(this.socket, DISCONNECT.left);
  }

  private async open(env: Env, join: JoinFrame): Promise<void> {
    const url = new URL(`https://room.internal/ws?${connectQuery({ room: join.msg, nick: join.nick, since: join.since, key: join.key })}`);
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
        const frame = encode(refusal.roomUnavailable(join.msg), this.format, join.nick);
        if (frame !== null) trySend(this.client, frame);
        this.closed = true;
        this.events.gone(this, null);
      }
      return;
    }
    socket.accept();
    if (this.closed) {
      // The client moved on while we were connecting.
      closeQuietly(socket, DISCONNECT.left);
      return;
    }
    let greeted = false;
    socket.addEventListener("message", (e) => {
      if (this.closed || typeof e.data !== "string") return;
      trySend(this.client, e.data);
      if (!greeted) {
        greeted = true;
        this.events.greeted(e.data.length);
      }
    });
    socket.addEventListener("close", (e) => {
      const wasOurs = this.closed;
      this.closed = true;
      if (!wasOurs) {
        closeQuietly(socket, { code: e.code, reason: e.reason });
        this.events.gone(this, e.code);
      }
    });
    this.socket = socket;
    for (const frame of this.queue) trySend(socket, frame);
    this.queue = [];
  }
}
