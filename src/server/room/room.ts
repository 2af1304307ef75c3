/**
 * One Durable Object per chat room. It owns the room's sockets (accepted with
 * the Hibernation API, so an idle room costs nothing), its history in SQLite,
 * and broadcast. This class is only the platform's adapters: the socket
 * handlers hand each frame to actions.ts (parse, rate limit, dispatch to the
 * action's handler), and the RPC methods the HTTP API calls read the room's
 * parts (parts.ts) or queue a post.
 *
 * Each adapter is an error boundary: a throw is logged once (room and
 * connection id, never what was sent), whoever it was for is answered with
 * the `internal` error, and the room goes on serving. The group commit and
 * the presence window, which run on timers, have their own (commit.ts,
 * presence.ts). The alarm sends the webhook outbox (webhooks/delivery.ts).
 */
import { DurableObject } from "cloudflare:workers";
import type { Role } from "../../shared/auth";
import { DISCONNECT } from "../../shared/codes";
import { refusal } from "../../shared/errors";
import type { MembersEvent, MessageState, SearchEvent, StoredEvent } from "../../shared/events";
import { encode, formatFromOffer } from "../../shared/format";
import { type JoinFrame, parseClientFrame, parseConnectParams, refOf } from "../../shared/frames";
import { PAGE_MAX } from "../../shared/limits";
import type { CountedRoom } from "../../shared/my-rooms";
import type { Counters, Fanout } from "../../shared/operator";
import type { Result } from "../../shared/validate";
import type { Env } from "../env";
import { httpError } from "../http/errors";
import { log, logInternal } from "../platform/log";
import { closeQuietly, refuseUpgrade, socketPair, trySend, upgradeResponse } from "../platform/socket";
import { dispatch, type Heard, hear, receive } from "./actions";
import { admission, depart } from "./admission";
import { type Attachment, readAttachment } from "./attachment";
import type { Appended } from "./history";
import { memberPage } from "./members";
import { liftByOperator } from "./moderation";
import { type RoomParts, roomParts } from "./parts";
import { arrival, placement, shardsTakeNewcomers } from "./placement";
import { type Sanction, type Speaker, silenced } from "./sanctions";
import { type HttpPost, post } from "./say";
import { searchPage } from "./search";
import { RemotePeer } from "./shards";

import { Delivery } from "./webhooks/delivery";
import type { WebhookStatus } from "./webhooks/outbox";

/** What `GET /api/rooms/:room` answers. */
interface RoomInfo {
  room: string;
  members: number;
  lastSeq: number;
  /** How many objects hold members now (1 for a room without shards). */
  shards: number;
}

/** What is new in the room for one person (see Room.newsFor). */
export type News = Pick<CountedRoom, "lastSeq" | "unread" | "mentions" | "lastMessage">;

export class Room extends DurableObject<Env> {
  private readonly room: RoomParts;
  private readonly delivery: Delivery;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.room = roomParts(ctx, env);
    this.delivery = new Delivery(this.room.webhooks, () => this.room.stats.webhookFailed());
    // Answered by the runtime without waking the room.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    // A room that ever had shards asks them who they hold before anything else runs.
    if (this.room.shards.used) void ctx.blockConcurrencyWhile(() => this.room.shards.restore());
  }

  // ------------------------------------------------------------ sockets

  /** Upgrades `/ws?room=…&nick=…[&since=…]` (direct sockets, and the relay's upstream). */
  override async fetch(request: Request): Promise<Response> {
    let accepted: WebSocket | undefined;
    try {
      if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
        return httpError(refusal.upgradeRequired());
      }
      const params = parseConnectParams(new URL(request.url).searchParams, this.room.limits);
      if (!params.ok) return httpError(params.error);
      const format = formatFromOffer(request.headers.get("Sec-WebSocket-Protocol"));
      const att = await admission(this.room, params.value, request, format);
      if (!att.ok) {
        log("refusal", { room: this.room.name, code: att.error.code });
        this.room.stats.refused(att.error.code);
        return refuseUpgrade(att.error, format);
      }
      // Past ROOM_SHARD_MEMBERS the member goes to a shard object: the worker takes it there.
      if (shardsTakeNewcomers(this.room)) return placement(this.room, att.value);
      const { client, server } = socketPair();
      this.ctx.acceptWebSocket(server);
      accepted = server;
      // A new socket joins the room the way a member's `join` frame would.
      const join: JoinFrame = { action: "join", msg: this.room.name, nick: att.value.nick };
      if (params.value.since !== undefined) join.since = params.value.since;
      this.room.audience.turn(() => dispatch(this.room, { peer: server, att: att.value }, { ok: true, value: join }));
      return upgradeResponse(client, format);
    } catch (error) {
      this.failed("fetch", error, accepted);
      if (accepted) this.drop(accepted);
      return httpError(refusal.internal());
    }
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    try {
      const conn = this.room.audience.get(ws);
      // Otherwise a member that already left: its socket is closing.
      if (conn) this.room.audience.turn(() => receive(this.room, conn, hear(data, this.room.limits, this.room.bucket(ws))));
    } catch (error) {
      this.failed("webSocketMessage", error, ws);
      this.tellInternal(ws, data);
    }
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    try {
      this.room.audience.turn(() => depart(this.room, ws));
    } catch (error) {
      this.failed("webSocketClose", error, ws);
    }
    // Complete the close handshake with the peer's own code (where it may be sent).
    closeQuietly(ws, { code, reason });
  }

  override webSocketError(ws: WebSocket): void {
    try {
      this.room.audience.turn(() => depart(this.room, ws));
    } catch (error) {
      this.failed("webSocketError", error, ws);
    }
    closeQuietly(ws, DISCONNECT.socketError);
  }

  // ------------------------------------------------------------ RPC (the HTTP API)
  // Reads see what is stored. A send still in the queue has not been
  // acknowledged to anyone yet, so a read that misses it contradicts nothing.

  /** Room summary: live member count and the newest stored seq. */
  info(): Result<RoomInfo> {
    try {
      const { name: room, audience, history } = this.room;
      return { ok: true, value: { room, members: audience.size, lastSeq: history.lastSeq, shards: audience.objects } };
    } catch (error) {
      return this.failedCall("info", error);
    }
  }

  /** A page of the member list in id order after `after`; `limit` is clamped to 1..MEMBERS_PAGE. */
  memberPage(after: string | undefined, limit: number): Result<MembersEvent> {
    try {
      return { ok: true, value: memberPage(this.room, after, limit) };
    } catch (error) {
      return this.failedCall("memberPage", error);
    }
  }

  /** A message as it stands now (latest text, tombstone, reaction counts); undefined when the room does not keep it. */
  messageState(seq: number): Result<MessageState | undefined> {
    try {
      return { ok: true, value: this.room.history.state(seq) };
    } catch (error) {
      return this.failedCall("messageState", error);
    }
  }

  /** A page of history after `since`, oldest first; `limit` is clamped to 1..PAGE_MAX. */
  messages(since: number, limit: number): Result<StoredEvent[]> {
    try {
      return { ok: true, value: this.room.history.after(since, Math.min(Math.max(1, limit), PAGE_MAX)) };
    } catch (error) {
      return this.failedCall("messages", error);
    }
  }

  /** Kept messages matching `q` before seq `before`, most relevant first; `invalid_query` when the engine refuses it (search.ts). */
  search(q: string, before: number | undefined, limit: number): Result<SearchEvent> {
    try {
      return searchPage(this.room, q, before, limit);
    } catch (error) {
      return this.failedCall("search", error);
    }
  }

  /** Whether `speaker` may speak here now (an upload is speech): the speech check a post passes. */
  maySpeak(speaker: Speaker): Result<null> {
    try {
      const silence = silenced(this.room.sanctions, this.room.name, speaker, Date.now());
      return silence ? { ok: false, error: silence } : { ok: true, value: null };
    } catch (error) {
      return this.failedCall("maySpeak", error);
    }
  }

  /** Stores and broadcasts a message posted over HTTP, in the same queue as socket sends (say.ts). */
  post(posted: HttpPost): Promise<Result<Appended>> {
    try {
      return post(this.room, posted);
    } catch (error) {
      return Promise.resolve(this.failedCall("post", error));
    }
  }

  /**
   * What is new for one person after their marker `after` (GET /api/me/rooms
   * asks each room on their list), or null when a ban binds them here.
   * Counted from the history at read time: a message writes nothing per member.
   */
  newsFor(sub: string, role: Role, after: number): Result<News | null> {
    try {
      const who = `sub:${sub}`;
      if (this.room.sanctions.binding(who, "ban", role, Date.now())) return { ok: true, value: null };
      const { unread, mentions, last } = this.room.history.since(after, who, sub);
      return { ok: true, value: { lastSeq: this.room.history.lastSeq, unread, mentions, lastMessage: last } };
    } catch (error) {
      return this.failedCall("newsFor", error);
    }
  }

  /** The fan-out counters since this object started. */
  fanout(): Result<Fanout> {
    try {
      const { audience, shards } = this.room;
      return { ok: true, value: { turns: audience.turns, calls: shards.calls, frames: audience.frames } };
    } catch (error) {
      return this.failedCall("fanout", error);
    }
  }

  /** The operator's view of the room: its counters since this object started, and the bans and mutes in force. */
  operatorView(): Result<{ counters: Counters; sanctions: Sanction[] }> {
    try {
      const now = Date.now();
      return { ok: true, value: { counters: this.room.stats.counters(now), sanctions: this.room.sanctions.current(now) } };
    } catch (error) {
      return this.failedCall("operatorView", error);
    }
  }

  /** Lifts a ban or mute for the operator; whether one was in force. */
  lift(member: string, kind: "ban" | "mute"): Result<boolean> {
    try {
      return { ok: true, value: this.room.audience.turn(() => liftByOperator(this.room, member, kind)) };
    } catch (error) {
      return this.failedCall("lift", error);
    }
  }

  /** The webhook outbox: how many events wait, and the dead letters (GET /api/admin/rooms/:room/webhooks). */
  webhooks(): Result<WebhookStatus> {
    try {
      return { ok: true, value: this.room.webhooks.status() };
    } catch (error) {
      return this.failedCall("webhooks", error);
    }
  }

  /** Sends every dead letter again, under its own webhook-id (POST /api/admin/rooms/:room/webhooks/replay). */
  replayWebhooks(): Result<{ replayed: number }> {
    try {
      return { ok: true, value: { replayed: this.room.webhooks.replay() } };
    } catch (error) {
      return this.failedCall("replayWebhooks", error);
    }
  }

  // ------------------------------------------------------------ the alarm (webhook delivery)

  /** Sends the webhook outbox (webhooks/delivery.ts); it sets the next alarm itself, even after a throw. */
  override async alarm(): Promise<void> {
    try {
      await this.delivery.run();
    } catch (error) {
      this.failed("alarm", error);
    }
  }

  // ------------------------------------------------------------ RPC (the room's shard objects)

  /** A shard accepted the socket of a member this room placed on it: it joins (greeted through the shard). */
  arrive(shard: number, att: Attachment, since: number | undefined): Result<null> {
    try {
      const peer = new RemotePeer(shard, att.key ?? "");
      this.room.audience.turn(() => arrival(this.room, { peer, att }, since));
      return { ok: true, value: null };
    } catch (error) {
      return this.failedCall("arrive", error);
    }
  }

  /** A frame a member on a shard sent, as the shard heard it (parsed, rate-limited). */
  act(shard: number, key: string, heard: Heard): Result<null> {
    try {
      const conn = this.room.audience.get(new RemotePeer(shard, key));
      // Otherwise a member that already left: its close is on its way to the shard.
      if (conn) this.room.audience.turn(() => receive(this.room, conn, heard));
      return { ok: true, value: null };
    } catch (error) {
      return this.failedCall("act", error);
    }
  }

  /** A member's socket on a shard closed. */
  gone(shard: number, key: string): Result<null> {
    try {
      this.room.audience.turn(() => depart(this.room, new RemotePeer(shard, key)));
      return { ok: true, value: null };
    } catch (error) {
      return this.failedCall("gone", error);
    }
  }

  // ------------------------------------------------------------ the error boundary's cold path

  /** Logs a throw an entry point caught, once: the room and the connection's id, never what was sent. */
  private failed(where: string, error: unknown, ws?: WebSocket): void {
    let conn: string | undefined;
    try {
      conn = ws && readAttachment(ws)?.alias;
    } catch {
      // The attachment may be what failed: the log goes without the id.
    }
    logInternal(where, error, { room: this.room.name, conn });
  }

  /** An RPC method's answer to a throw: the caller (the HTTP API) answers 500. */
  private failedCall<T>(where: string, error: unknown): Result<T> {
    this.failed(where, error);
    return { ok: false, error: refusal.internal() };
  }

  /** Answers a frame that failed with `internal` (naming its id when it has one), in the member's format. */
  private tellInternal(ws: WebSocket, data: string | ArrayBuffer): void {
    try {
      const att = readAttachment(ws);
      if (!att) return;
      const frame = encode(refusal.internal(refOf(parseClientFrame(data, this.room.limits))), att.format, att.nick);
      if (frame !== null) trySend(ws, frame);
    } catch {
      // Nothing more can be said to this socket.
    }
  }

  /**
   * Lets go of a socket accepted before its greeting failed: it is no member
   * (nobody was told it came, so nobody is told it went), and it closes.
   */
  private drop(ws: WebSocket): void {
    try {
      this.room.audience.remove(ws);
    } catch {
      // Removing it is what failed: the close still goes out.
    }
    closeQuietly(ws, DISCONNECT.internal);
  }
}
