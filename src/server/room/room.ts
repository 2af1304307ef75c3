/**
 * One Durable Object per chat room. It owns the room's sockets (accepted with
 * the Hibernation API, so an idle room costs nothing), its history in SQLite,
 * and broadcast. The platform's handlers below are thin adapters: each frame
 * is parsed into the contract's types, rate-limited, then dispatched to its
 * action's handler (actions.ts).
 */
import { DurableObject } from "cloudflare:workers";
import { DISCONNECT } from "../../shared/codes";
import { refusal } from "../../shared/errors";
import type { JoinedEvent, Member, MessageEvent, PresenceEvent, ServerEvent } from "../../shared/events";
import { formatFromOffer } from "../../shared/format";
import { type ClientFrame, parseClientFrame, parseConnectParams, refOf } from "../../shared/frames";
import { type Limits, limitsFrom, PAGE_MAX, publicLimits, RECENT_HISTORY, REPLY_BYTES_PER_TOKEN, RESUME_CAP } from "../../shared/limits";
import type { Result } from "../../shared/validate";
import type { Env } from "../env";
import { httpErrorFrom } from "../http/errors";
import { debugEnabled, log } from "../platform/log";
import { closeQuietly, refuseUpgrade, socketPair, upgradeResponse } from "../platform/socket";
import { TokenBucket } from "../platform/token-bucket";
import { ACTION_HANDLERS, type ActionHandler, type RoomBehaviour } from "./actions";
import { memberOf, newMemberId, senderOf } from "./attachment";
import { type Connection, Connections } from "./connections";
import { type Appended, History } from "./history";

/** What `GET /api/rooms/:room` answers. */
export interface RoomInfo {
  room: string;
  members: number;
  lastSeq: number;
}

/** A send waiting in the group-commit queue, and what to do once it is stored. */
interface PendingSend {
  from: Member;
  sender: string;
  text: string;
  id: string | undefined;
  stored(result: Appended): void;
}

export class Room extends DurableObject<Env> implements RoomBehaviour {
  private readonly name: string;
  private readonly limits: Limits;
  private readonly history: History;
  private readonly connections: Connections;
  /** Per-connection rate limits; see TokenBucket for why memory is enough. */
  private readonly buckets = new WeakMap<WebSocket, TokenBucket>();
  /** Sends waiting to be stored together; see {@link flush}. */
  private queue: PendingSend[] = [];

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The worker reaches every room through getByName(room), so the runtime
    // gives the object its name back here.
    this.name = ctx.id.name ?? "";
    this.limits = limitsFrom(env);
    this.history = new History(ctx.storage.sql, this.name, this.limits.MAX_ROOM_HISTORY);
    this.connections = new Connections(ctx);
    // Answered by the runtime without waking the room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  // ------------------------------------------------------------ platform adapters

  /** Upgrades `/ws?room=…&nick=…[&since=…]` (direct sockets, and the relay's upstream). */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return httpErrorFrom(426, refusal.upgradeRequired());
    }
    const params = parseConnectParams(new URL(request.url).searchParams, this.limits);
    if (!params.ok) return httpErrorFrom(400, params.error);
    const format = formatFromOffer(request.headers.get("Sec-WebSocket-Protocol"));
    if (this.connections.size >= this.limits.MAX_ROOM_MEMBERS) {
      log("refusal", { room: this.name, code: "room_full" });
      return refuseUpgrade(refusal.roomFull(this.name, this.limits.MAX_ROOM_MEMBERS), format);
    }
    const { client, server } = socketPair();
    this.ctx.acceptWebSocket(server);
    // A new socket joins the room the way a member's `join` frame would.
    const { room, nick, since, key } = params.value;
    const id = newMemberId();
    const conn = { ws: server, att: { id, nick, room: this.name, format, sender: await senderOf(key, id) } };
    this.dispatch(conn, {
      ok: true,
      value: since === undefined ? { action: "join", msg: room, nick } : { action: "join", msg: room, nick, since },
    });
    return upgradeResponse(client, format);
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    const conn = this.connections.get(ws);
    if (conn) this.receive(conn, data); // else: a member that already left; its socket is closing.
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    this.depart(ws);
    // Complete the close handshake with the peer's own code (where it may be sent).
    closeQuietly(ws, { code, reason });
  }

  override webSocketError(ws: WebSocket): void {
    this.depart(ws);
    closeQuietly(ws, DISCONNECT.socketError);
  }

  // ------------------------------------------------------------ RPC (the HTTP API)
  // Reads see what is stored. A send still in the queue has not been
  // acknowledged to anyone yet, so a read that misses it contradicts nothing.

  /** Room summary: live member count and the newest stored seq. */
  info(): RoomInfo {
    return { room: this.name, members: this.connections.size, lastSeq: this.history.lastSeq };
  }

  /** A page of history after `since`, oldest first; `limit` is clamped to 1..PAGE_MAX. */
  messages(since: number, limit: number): MessageEvent[] {
    return this.history.after(since, Math.min(Math.max(1, limit), PAGE_MAX));
  }

  /**
   * Stores and broadcasts a message posted over HTTP (already validated by
   * the worker) as `sender`, in the same queue as socket sends.
   */
  post(nick: string, text: string, id: string | undefined, sender: string): Promise<Appended> {
    return new Promise((stored) => this.enqueue({ from: { id: "http", nick }, sender, text, id, stored }));
  }

  // ------------------------------------------------------------ dispatch

  /** Handles one frame from a member: parse and validate, spend a token, then dispatch. */
  private receive(conn: Connection, data: string | ArrayBuffer): void {
    const parsed = parseClientFrame(data, this.limits);
    const verdict = this.bucket(conn.ws).take(Date.now());
    if (verdict === "ok") {
      this.dispatch(conn, parsed);
      return;
    }
    // Over the limit: nothing of the frame happens. A member that keeps flooding is closed.
    const ref = refOf(parsed);
    const error = verdict === "close" ? refusal.flooding(ref) : refusal.rateLimited(this.limits.RATE_LIMIT_PER_SECOND, ref);
    this.dispatch(conn, { ok: false, error });
    if (verdict === "close") {
      this.depart(conn.ws);
      closeQuietly(conn.ws, DISCONNECT.flooding);
    }
  }

  /**
   * The one way a frame takes effect, and where the ordering rule lives: a
   * batched action (a send) joins the group-commit queue; anything else — an
   * action or a refusal — first has the queue stored and delivered, so that
   * nothing it says or does overtakes a send that arrived before it.
   */
  private dispatch(conn: Connection, input: Result<ClientFrame>): void {
    const handler = input.ok ? (ACTION_HANDLERS[input.value.action] as ActionHandler<ClientFrame["action"]>) : undefined;
    if (!handler?.batched) this.flush();
    if (!input.ok) this.reply(conn, input.error);
    else handler?.run(this, conn, input.value);
  }

  // ------------------------------------------------------------ behaviour (the handlers' vocabulary)

  join(conn: Connection, room: string, since: number | undefined): void {
    if (!this.connections.get(conn.ws)) this.admit(conn, since);
    else if (room === conn.att.room) {
      // Joining the room you are in again repeats the greeting, history and
      // all: work the client chose, so it is charged to its rate limit by size.
      const bytes = this.reply(conn, this.joinedEvent(conn, since));
      this.bucket(conn.ws).charge(Date.now(), Math.floor(bytes / REPLY_BYTES_PER_TOKEN));
    } else this.reply(conn, refusal.roomBound(conn.att.room, room));
  }

  say(conn: Connection, text: string, id: string | undefined): void {
    if (debugEnabled(this.env)) log("message", { room: this.name, conn: conn.att.id, text });
    this.enqueue({
      from: memberOf(conn.att),
      sender: conn.att.sender,
      text,
      id,
      // A resent id is answered to its sender alone: the original, or that it is no longer kept.
      stored: (result) => {
        if ("prunedSeq" in result) this.reply(conn, refusal.alreadyStored(id ?? "", result.prunedSeq));
        else if (!result.created) this.reply(conn, result.message);
      },
    });
  }

  /** A member leaves: the leave reply, the others are told, then the socket closes. */
  leave(conn: Connection): void {
    this.reply(conn, { type: "left", room: conn.att.room });
    this.depart(conn.ws, true);
    closeQuietly(conn.ws, DISCONNECT.left);
  }

  // ------------------------------------------------------------ membership

  /** Registers a new member, greets it, and tells the others. */
  private admit(conn: Connection, since: number | undefined): void {
    this.connections.add(conn);
    log("join", { room: this.name, conn: conn.att.id, format: conn.att.format, members: this.connections.size });
    this.reply(conn, this.joinedEvent(conn, since));
    this.connections.broadcast(this.presence("join", conn.att), conn.ws);
  }

  /**
   * Removes a member once, however it went, and tells the others. Sends it
   * queued before going are still stored and delivered by the next flush; a
   * departure needs no flush first, since the departed socket hears nothing
   * more and presence is not on the seq stream.
   */
  private depart(ws: WebSocket, markLeft = false): void {
    const att = this.connections.remove(ws, markLeft);
    if (!att) return;
    log("leave", { room: this.name, conn: att.id, members: this.connections.size });
    this.connections.broadcast(this.presence("leave", att));
  }

  // ------------------------------------------------------------ group commit

  /**
   * Queues a send to be stored together with whatever else arrives in the
   * same moment: messages that arrive together are committed together (one
   * write to storage instead of one each), and only then broadcast.
   */
  private enqueue(send: PendingSend): void {
    // A 0 ms timer runs after the frames already waiting for this room have
    // been received, so they all join this batch.
    if (this.queue.push(send) === 1) setTimeout(() => this.flush(), 0);
  }

  /**
   * Stores every queued send in one implicit transaction (one commit), then
   * broadcasts each new one in seq order. The output gate holds those frames
   * until the commit is durable: stored before delivered, always.
   */
  private flush(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    const now = Date.now();
    for (const send of batch) {
      const result = this.history.append(send.from, send.sender, send.text, send.id, now);
      if (result.created) this.connections.broadcast(result.message);
      send.stored(result);
    }
  }

  // ------------------------------------------------------------ plumbing

  private joinedEvent(conn: Connection, since: number | undefined): JoinedEvent {
    const lastSeq = this.history.lastSeq;
    const event: JoinedEvent = {
      type: "joined",
      room: conn.att.room,
      self: memberOf(conn.att),
      members: [],
      history: [],
      lastSeq,
      limits: publicLimits(this.limits),
    };
    // A text client's greeting is one line: skip the member list (O(room
    // size) per join) and the history query (text clients get none).
    if (conn.att.format === "json") {
      event.members = this.connections.members();
      if (since === undefined) {
        event.history = this.history.recent(RECENT_HISTORY);
      } else {
        event.history = this.history.after(since, RESUME_CAP);
        const newest = event.history.at(-1)?.seq ?? since;
        if (newest < lastSeq) event.more = true;
      }
    }
    return event;
  }

  private presence(event: "join" | "leave", att: Connection["att"]): PresenceEvent {
    return { type: "presence", room: this.name, event, member: memberOf(att), count: this.connections.size };
  }

  /** This connection's rate limit; see TokenBucket. */
  private bucket(ws: WebSocket): TokenBucket {
    let bucket = this.buckets.get(ws);
    if (!bucket) {
      bucket = new TokenBucket(this.limits.RATE_LIMIT_BURST, this.limits.RATE_LIMIT_PER_SECOND, Date.now());
      this.buckets.set(ws, bucket);
    }
    return bucket;
  }

  /** Sends one event to one member; returns the frame's length. Every error sent is logged as a refusal. */
  private reply(conn: Connection, event: ServerEvent): number {
    if (event.type === "error") log("refusal", { room: this.name, conn: conn.att.id, code: event.code });
    return this.connections.send(conn, event);
  }
}
