/**
 * One Durable Object per chat room. It owns the room's sockets (accepted with
 * the Hibernation API, so an idle room costs nothing), its history in SQLite,
 * and broadcast. The platform's handlers below are thin adapters onto small
 * named methods: admit, receive, enqueue/flush, leave, depart.
 */
import { DurableObject } from "cloudflare:workers";
import { memberOf, newMemberId, readAttachment, type Attachment } from "./attachment";
import type { Env } from "./env";
import { History } from "./history";
import { httpError, httpErrorFrom } from "./http";
import { limitsFrom, PAGE_MAX, RECENT_HISTORY, RESUME_CAP, type Limits } from "./limits";
import {
  encode,
  errorEvent,
  formatFromOffer,
  parseClientFrame,
  parseConnectParams,
  refOf,
  toTextLine,
  type JoinedEvent,
  type Member,
  type MessageEvent,
  type PresenceEvent,
  type SendFrame,
  type ServerEvent,
} from "./protocol";
import { debugEnabled, log } from "./log";
import { rateLimitedEvent, TokenBucket, type Verdict } from "./rate-limit";
import { closeQuietly, refuseUpgrade, trySend, upgradeResponse } from "./socket";

/** What `GET /api/rooms/:room` answers. */
export interface RoomInfo {
  room: string;
  members: number;
  lastSeq: number;
}

/** The result of storing a message: `created` is false when its id was already stored. */
export interface PostResult {
  message: MessageEvent;
  created: boolean;
}

/** A send waiting in the group-commit queue. */
interface PendingSend {
  ws: WebSocket;
  att: Attachment;
  text: string;
  id: string | undefined;
}

export class Room extends DurableObject<Env> {
  private readonly name: string;
  private readonly limits: Limits;
  private readonly history: History;
  /** Cache of the live members, rebuilt from `getWebSockets()` after every wake. */
  private cache: Map<WebSocket, Attachment> | undefined;
  /** Sockets whose departure was already announced (close and error can both fire). */
  private readonly departed = new WeakSet<WebSocket>();
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
    // Answered by the runtime without waking the room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  // ------------------------------------------------------------ platform adapters

  /** Upgrades `/ws?room=…&nick=…[&since=…]` (direct sockets, and the relay's upstream). */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return httpError(426, "upgrade_required", "expected a WebSocket upgrade");
    }
    const params = parseConnectParams(new URL(request.url).searchParams, this.limits);
    if (!params.ok) return httpErrorFrom(400, params.error);
    const format = formatFromOffer(request.headers.get("Sec-WebSocket-Protocol"));
    if (this.members().size >= this.limits.MAX_ROOM_MEMBERS) {
      log("refusal", { room: this.name, code: "room_full" });
      return refuseUpgrade(errorEvent("room_full", `room ${this.name} is full (${this.limits.MAX_ROOM_MEMBERS} members)`), format, 1013);
    }
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server);
    this.admit(server, { id: newMemberId(), nick: params.value.nick, room: this.name, format }, params.value.since);
    return upgradeResponse(client, format);
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    this.receive(ws, data);
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    this.depart(ws);
    // Complete the close handshake with the peer's own code (where it may be sent).
    closeQuietly(ws, code, reason);
  }

  override webSocketError(ws: WebSocket): void {
    this.depart(ws);
    closeQuietly(ws, 1011, "socket error");
  }

  // ------------------------------------------------------------ RPC (the HTTP API)

  /** Room summary: live member count and the newest seq. */
  info(): RoomInfo {
    this.flush();
    return { room: this.name, members: this.members().size, lastSeq: this.history.lastSeq };
  }

  /** A page of history after `since`, oldest first; `limit` is clamped to 1..PAGE_MAX. */
  messages(since: number, limit: number): MessageEvent[] {
    this.flush();
    return this.history.after(since, Math.min(Math.max(1, limit), PAGE_MAX));
  }

  /** Stores and broadcasts a message posted over HTTP (already validated by the worker). */
  post(nick: string, text: string, id?: string): PostResult {
    this.flush();
    const result = this.history.append({ id: "http", nick }, text, id, Date.now());
    if (result.created) this.broadcast(result.message);
    return result;
  }

  // ------------------------------------------------------------ behaviour

  /** Registers a new member, greets it, and tells the others. */
  private admit(ws: WebSocket, att: Attachment, since: number | undefined): void {
    this.flush();
    ws.serializeAttachment(att);
    const members = this.members();
    members.set(ws, att);
    log("join", { room: this.name, conn: att.id, format: att.format, members: members.size });
    this.reply(ws, att, this.joinedEvent(att, since));
    this.broadcast(presence(this.name, "join", memberOf(att), members.size), ws);
  }

  /** Handles one frame from a member: validate first, then act. */
  private receive(ws: WebSocket, data: string | ArrayBuffer): void {
    const att = this.members().get(ws);
    if (!att) return; // A member that already left; its socket is closing.
    const verdict = this.spendToken(ws);
    const parsed = verdict === "ok" ? parseClientFrame(data, this.limits) : null;
    if (parsed?.ok && parsed.value.action === "send_to_room") {
      this.enqueue(ws, att, parsed.value);
      return;
    }
    // Anything else is answered after the sends that arrived before it.
    this.flush();
    if (verdict !== "ok") {
      this.refuseRate(ws, att, verdict, data);
      return;
    }
    if (!parsed?.ok) {
      if (parsed) this.reply(ws, att, parsed.error);
      return;
    }
    const frame = parsed.value;
    switch (frame.action) {
      case "leave":
        this.leave(ws, att);
        return;
      case "join":
        if (frame.msg === att.room) {
          // Joining the room you are in again just repeats the greeting.
          this.reply(ws, att, this.joinedEvent(att, frame.since));
        } else {
          this.reply(ws, att, errorEvent("room_bound", `this connection belongs to room ${att.room}; open a new one to join ${frame.msg}`));
        }
        return;
    }
  }

  /**
   * Queues a send to be stored together with whatever else arrives in the
   * same moment: messages that arrive together are committed together (one
   * write to storage instead of one each), and only then broadcast.
   */
  private enqueue(ws: WebSocket, att: Attachment, frame: SendFrame): void {
    if (debugEnabled(this.env)) log("message", { room: this.name, conn: att.id, text: frame.msg });
    // A 0 ms timer runs after the frames already waiting for this room have
    // been received, so they all join this batch.
    if (this.queue.push({ ws, att, text: frame.msg, id: frame.id }) === 1) setTimeout(() => this.flush(), 0);
  }

  /**
   * Stores every queued send in one implicit transaction (one commit), then
   * broadcasts each in seq order. The output gate holds those frames until
   * the commit is durable: stored before delivered, always. A resent id is
   * answered to its sender alone.
   */
  private flush(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    const now = Date.now();
    for (const send of batch) {
      const { message, created } = this.history.append(memberOf(send.att), send.text, send.id, now);
      if (created) this.broadcast(message);
      else this.reply(send.ws, send.att, message);
    }
  }

  /** A member leaves: the leave reply, the others are told, then the socket closes with 1000. */
  private leave(ws: WebSocket, att: Attachment): void {
    this.reply(ws, att, { type: "left", room: att.room });
    this.depart(ws);
    // Marked on the socket too, so a wake before the close completes cannot resurrect it.
    ws.serializeAttachment({ ...att, left: true });
    closeQuietly(ws, 1000, "left");
  }

  /** Removes a member once, however it went, and tells the others. */
  private depart(ws: WebSocket): void {
    if (this.departed.has(ws)) return;
    this.flush();
    this.departed.add(ws);
    const members = this.members();
    const att = members.get(ws) ?? readAttachment(ws);
    members.delete(ws);
    if (!att || att.left) return;
    log("leave", { room: this.name, conn: att.id, members: members.size });
    this.broadcast(presence(this.name, "leave", memberOf(att), members.size));
  }

  // ------------------------------------------------------------ plumbing

  /** The live members. After a wake the cache is rebuilt from the sockets' attachments. */
  private members(): Map<WebSocket, Attachment> {
    if (!this.cache) {
      this.cache = new Map();
      for (const ws of this.ctx.getWebSockets()) {
        const att = readAttachment(ws);
        if (att && !att.left && !this.departed.has(ws)) this.cache.set(ws, att);
      }
    }
    return this.cache;
  }

  private joinedEvent(att: Attachment, since: number | undefined): JoinedEvent {
    const lastSeq = this.history.lastSeq;
    const event: JoinedEvent = { type: "joined", room: att.room, self: memberOf(att), members: [], history: [], lastSeq };
    // A text client's greeting is one line: skip the member list (O(room
    // size) per join) and the history query (text clients get none, as in
    // the seed).
    if (att.format === "json") {
      event.members = [...this.members().values()].map(memberOf);
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

  /** Spends a token from this connection's bucket; see TokenBucket. */
  private spendToken(ws: WebSocket): Verdict {
    const now = Date.now();
    let bucket = this.buckets.get(ws);
    if (!bucket) this.buckets.set(ws, (bucket = new TokenBucket(this.limits.RATE_LIMIT_BURST, this.limits.RATE_LIMIT_PER_SECOND, now)));
    return bucket.take(now);
  }

  /** Over the limit: `rate_limited` (nothing stored); a member that keeps flooding is closed with 1008. */
  private refuseRate(ws: WebSocket, att: Attachment, verdict: Exclude<Verdict, "ok">, data: string | ArrayBuffer): void {
    this.reply(ws, att, rateLimitedEvent(verdict, this.limits.RATE_LIMIT_PER_SECOND, refOf(data)));
    if (verdict === "close") {
      this.depart(ws);
      closeQuietly(ws, 1008, "rate limit exceeded");
    }
  }

  /** Sends one event to one member, in its format. Every error sent is logged as a refusal. */
  private reply(ws: WebSocket, att: Attachment, event: ServerEvent): void {
    if (event.type === "error") log("refusal", { room: this.name, conn: att.id, code: event.code });
    const frame = encode(event, att.format, att.nick);
    if (frame !== null) trySend(ws, frame);
  }

  /**
   * Sends an event to every member but `except`. Each format is serialised
   * once per event, not once per socket; text lines for messages and presence
   * do not depend on the receiver.
   */
  private broadcast(event: MessageEvent | PresenceEvent, except?: WebSocket): void {
    let json: string | undefined;
    let text: string | null | undefined;
    for (const [ws, att] of this.members()) {
      if (ws === except) continue;
      if (att.format === "json") {
        trySend(ws, (json ??= JSON.stringify(event)));
      } else {
        if (text === undefined) text = toTextLine(event, "");
        if (text !== null) trySend(ws, text);
      }
    }
  }
}

function presence(room: string, event: "join" | "leave", member: Member, count: number): PresenceEvent {
  return { type: "presence", room, event, member, count };
}
