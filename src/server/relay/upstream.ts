/**
 * The relay's socket to one room's Durable Object: a direct room socket,
 * opened on the client's behalf. Frames sent before it opens are queued in
 * order; whatever the room sends goes to the client as it is, encoded once by
 * the room for every member of the format.
 */
import { DISCONNECT, ERROR_CODES, type ErrorCode, refusedConnect } from "../../shared/codes";
import { refusal } from "../../shared/errors";
import { encode, type Format, subprotocolOf } from "../../shared/format";
import { connectQuery, type JoinFrame } from "../../shared/frames";
import type { Env } from "../env";
import { closeQuietly, trySend } from "../platform/socket";
import { connectRoom } from "../shard/connect";

const LEAVE_FRAME = JSON.stringify({ action: "leave" });

/** How the room's side ended without our asking: it refused the join, it could not be reached, or it closed with this code. */
export type UpstreamEnd = "refused" | "unreachable" | number;

/** What the relay hears from an upstream. */
interface UpstreamEvents {
  /** The room answered the join with `frame` (its first): the greeting, or a refusal. */
  answered(frame: string): void;
  /** The room's side is gone without our asking. */
  gone(up: Upstream, end: UpstreamEnd): void;
}

/**
 * Whether the room's close says it refused the join: a refused connect is
 * closed with the refusal's error code as its reason and that code's close
 * code (refusedConnect). Only a ban's close has such a pair too, and a ban
 * leaves the client in no room just as a refusal does. Read from the close,
 * the verdict holds for every format the upstream speaks, whatever the first
 * frame's text (a text member's greeting may read like an error line).
 */
function refusedBy(code: number, reason: string): boolean {
  return Object.hasOwn(ERROR_CODES, reason) && refusedConnect(reason as ErrorCode).code === code;
}

export class Upstream {
  readonly room: string;
  /** Settles once nothing more from this room can reach the client. */
  readonly finished: Promise<void>;
  /** Settles once the room's answer to the join reached the client (or nothing more can). */
  readonly greeted: Promise<void>;
  private finish!: () => void;
  private greet!: () => void;
  private socket: WebSocket | null = null;
  private queue: string[] = [];
  private closed = false;
  /** Leaving: what the room still sends is passed on until it closes, but its close is expected. */
  private leaving = false;
  private answered = false;

  constructor(
    env: Env,
    join: JoinFrame,
    address: string,
    private readonly format: Format,
    private readonly client: WebSocket,
    private readonly events: UpstreamEvents,
    /** What the client must hear first: the room it is leaving, until it has said its last. */
    after: Promise<void>,
  ) {
    this.room = join.msg;
    this.greeted = new Promise((resolve) => {
      this.greet = resolve;
    });
    this.finished = new Promise((resolve) => {
      this.finish = () => {
        resolve();
        this.greet();
      };
    });
    void this.open(env, join, address, after);
  }

  /** Asks the room to let the member go; the room answers `left` and closes. Settles when it has. */
  leave(): Promise<void> {
    this.send(LEAVE_FRAME);
    this.leaving = true;
    return this.finished;
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
    this.finish();
  }

  private async open(env: Env, join: JoinFrame, address: string, after: Promise<void>): Promise<void> {
    const { msg: room, nick, since, key, token } = join;
    const url = new URL(`https://room.internal/ws?${connectQuery({ room, nick, since, key, token })}`);
    // The room keys an anonymous member's bans on its address.
    const headers = new Headers({ Upgrade: "websocket", "CF-Connecting-IP": address });
    // A text client's room speaks parley.lines to us: a turn's lines in one frame.
    const protocol = subprotocolOf(this.format === "text" ? "lines" : this.format);
    if (protocol) headers.set("Sec-WebSocket-Protocol", protocol);

    // A room refuses a member (room_full) over the socket itself, so anything
    // but a socket here means the room could not be reached.
    let socket: WebSocket | null = null;
    try {
      socket = (await connectRoom(env, join.msg, new Request(url, { headers }))).webSocket;
    } catch {
      socket = null;
    }
    // Until it is accepted, what this room sends waits on the socket.
    await after;
    if (!socket) return this.unreachable();
    socket.accept();
    if (this.closed) {
      // The client moved on while we were connecting.
      closeQuietly(socket, DISCONNECT.left);
      return;
    }
    this.listen(socket);
    this.socket = socket;
    for (const frame of this.queue) trySend(socket, frame);
    this.queue = [];
  }

  private listen(socket: WebSocket): void {
    socket.addEventListener("message", (e) => {
      if (this.closed || typeof e.data !== "string") return;
      if (this.format === "text") for (const line of e.data.split("\n")) trySend(this.client, line);
      else trySend(this.client, e.data);
      if (!this.answered) {
        this.answered = true;
        this.greet();
        this.events.answered(e.data);
      }
    });
    socket.addEventListener("close", (e) => {
      const wasOurs = this.closed || this.leaving;
      this.closed = true;
      this.finish();
      if (wasOurs) return;
      closeQuietly(socket, { code: e.code, reason: e.reason });
      this.events.gone(this, refusedBy(e.code, e.reason) ? "refused" : e.code);
    });
  }

  private unreachable(): void {
    if (this.closed) return;
    const frame = encode(refusal.roomUnavailable(this.room), this.format, "");
    if (frame !== null) trySend(this.client, frame);
    this.closed = true;
    this.finish();
    this.events.gone(this, "unreachable");
  }
}
