/**
 * The relay's socket to one room's Durable Object: a direct room socket,
 * opened on the client's behalf. Frames sent before it opens are queued in
 * order; whatever the room sends goes to the client as it is.
 */
import { DISCONNECT } from "../../shared/codes";
import { refusal } from "../../shared/errors";
import { encode, type Format, subprotocolOf } from "../../shared/format";

const LEAVE_FRAME = JSON.stringify({ action: "leave" });

import { connectQuery, type JoinFrame } from "../../shared/frames";
import type { Env } from "../env";
import { closeQuietly, trySend } from "../platform/socket";

/** What the relay hears from an upstream. */
export interface UpstreamEvents {
  /** The room greeted the client (its first frame), `bytes` long. */
  greeted(bytes: number): void;
  /** The room's side is gone without our asking: its close code (null if it never opened), and whether the room had greeted. */
  gone(up: Upstream, code: number | null, greeted: boolean): void;
}

export class Upstream {
  readonly room: string;
  private socket: WebSocket | null = null;
  private queue: string[] = [];
  private closed = false;
  /** Leaving: what the room still sends is passed on until it closes, but its close is expected. */
  private leaving = false;
  private greeted = false;

  constructor(
    env: Env,
    join: JoinFrame,
    address: string,
    private readonly format: Format,
    private readonly client: WebSocket,
    private readonly events: UpstreamEvents,
  ) {
    this.room = join.msg;
    void this.open(env, join, address);
  }

  /** Asks the room to let the member go; the room answers `left` and closes. */
  leave(): void {
    this.send(LEAVE_FRAME);
    this.leaving = true;
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

  private async open(env: Env, join: JoinFrame, address: string): Promise<void> {
    const { msg: room, nick, since, key, token } = join;
    const url = new URL(`https://room.internal/ws?${connectQuery({ room, nick, since, key, token })}`);
    // The room keys an anonymous member's bans on its address.
    const headers = new Headers({ Upgrade: "websocket", "CF-Connecting-IP": address });
    // A text client's room speaks batched lines to us: a turn's lines in one frame.
    const protocol = subprotocolOf(this.format === "text" ? "lines" : this.format);
    if (protocol) headers.set("Sec-WebSocket-Protocol", protocol);

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
        const frame = encode(refusal.roomUnavailable(join.msg), this.format, "");
        if (frame !== null) trySend(this.client, frame);
        this.closed = true;
        this.events.gone(this, null, false);
      }
      return;
    }
    socket.accept();
    if (this.closed) {
      // The client moved on while we were connecting.
      closeQuietly(socket, DISCONNECT.left);
      return;
    }
    socket.addEventListener("message", (e) => {
      if (this.closed || typeof e.data !== "string") return;
      if (this.format === "text") for (const line of e.data.split("\n")) trySend(this.client, line);
      else trySend(this.client, e.data);
      // A refusal is an error, not a greeting: the first frame greets only if the room did not close on it.
      if (!this.greeted && !/^(\[?\{"type":"error"|error: )/.test(e.data)) {
        this.greeted = true;
        this.events.greeted(e.data.length);
      }
    });
    socket.addEventListener("close", (e) => {
      const wasOurs = this.closed || this.leaving;
      this.closed = true;
      if (!wasOurs) {
        closeQuietly(socket, { code: e.code, reason: e.reason });
        this.events.gone(this, e.code, this.greeted);
      }
    });
    this.socket = socket;
    for (const frame of this.queue) trySend(socket, frame);
    this.queue = [];
  }
}
