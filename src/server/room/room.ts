/**
 * One Durable Object per chat room. It owns the room's sockets (accepted with
 * the Hibernation API, so an idle room costs nothing), its history in SQLite,
 * and broadcast. The platform's handlers below are thin adapters: each frame
 * is parsed into the contract's types, rate-limited, then dispatched to its
 * action's handler (actions.ts).
 */
import { DurableObject } from "cloudflare:workers";
import { atLeast } from "../../shared/auth";
import { DISCONNECT } from "../../shared/codes";
import { refusal } from "../../shared/errors";
import type { ErrorEvent, JoinedEvent, Member, MembersEvent, MessageState, ReplyRef, ServerEvent, StoredEvent } from "../../shared/events";
import { type Format, formatFromOffer } from "../../shared/format";
import {
  type ClientFrame,
  type ConnectParams,
  type JoinFrame,
  type ModerationFrame,
  parseClientFrame,
  parseConnectParams,
  refOf,
  type SendFrame,
} from "../../shared/frames";
import {
  type Limits,
  limitsFrom,
  MEMBERS_PAGE,
  PAGE_MAX,
  publicLimits,
  RECENT_HISTORY,
  REPLY_BYTES_PER_TOKEN,
  REPLY_SNIPPET_CHARS,
  RESUME_CAP,
} from "../../shared/limits";
import type { Result } from "../../shared/validate";
import { admitToken } from "../auth/tokens";
import type { Env } from "../env";
import { httpErrorFrom } from "../http/errors";
import { clientAddress, sha256Hex } from "../platform/identity";
import { debugEnabled, log } from "../platform/log";
import { closeQuietly, refuseUpgrade, socketPair, upgradeResponse } from "../platform/socket";
import { TokenBucket } from "../platform/token-bucket";
import { ACTION_HANDLERS, type ActionHandler, type RoomBehaviour } from "./actions";
import { type Attachment, memberOf, newMemberId, presentMemberOf, senderOf } from "./attachment";
import { deleteMessage, edit, keptMessage, react } from "./changes";
import { type Connection, Connections } from "./connections";
import { type Appended, History } from "./history";
import { moderate } from "./moderation";
import type { RoomParts } from "./parts";
import { Presence } from "./presence";
import { Sanctions } from "./sanctions";

/** What `GET /api/rooms/:room` answers. */
export interface RoomInfo {
  room: string;
  members: number;
  lastSeq: number;
}

/** A message posted over HTTP, as the worker authorised it. */
export interface HttpPost {
  from: Member;
  /** Whose ids `id` is among (see Sender in attachment.ts). */
  sender: string;
  /** A token poster's identity, for bans and mutes; undefined for anonymous and API-key posts. */
  identity?: string;
  text: string;
  id: string | undefined;
}

/** A send waiting in the group-commit queue, and what to do once it is stored. */
interface PendingSend {
  from: Member;
  sender: string;
  text: string;
  id: string | undefined;
  replyTo?: ReplyRef;
  stored(result: Appended): void;
}

export class Room extends DurableObject<Env> implements RoomBehaviour {
  private readonly name: string;
  private readonly limits: Limits;
  private readonly history: History;
  private readonly sanctions: Sanctions;
  private readonly connections: Connections;
  private readonly presence: Presence;
  /** What moderation.ts and changes.ts may use of the room. */
  private readonly parts: RoomParts;
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
    this.sanctions = new Sanctions(ctx.storage.sql);
    this.connections = new Connections(ctx);
    this.presence = new Presence(this.name, this.connections);
    this.parts = {
      name: this.name,
      history: this.history,
      sanctions: this.sanctions,
      connections: this.connections,
      reply: (conn, event) => this.reply(conn, event),
      depart: (ws, markLeft) => this.depart(ws, markLeft),
    };
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
    const att = await this.attachmentFor(params.value, request, format);
    if ("refused" in att) {
      log("refusal", { room: this.name, code: att.refused.code });
      return refuseUpgrade(att.refused, format);
    }
    const { client, server } = socketPair();
    this.ctx.acceptWebSocket(server);
    // A new socket joins the room the way a member's `join` frame would.
    const join: JoinFrame = { action: "join", msg: this.name, nick: att.nick };
    if (params.value.since !== undefined) join.since = params.value.since;
    this.connections.batch(() => this.dispatch({ ws: server, att }, { ok: true, value: join }));
    return upgradeResponse(client, format);
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    const conn = this.connections.get(ws);
    // Otherwise a member that already left: its socket is closing.
    if (conn) this.connections.batch(() => this.receive(conn, data));
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    this.connections.batch(() => this.depart(ws));
    // Complete the close handshake with the peer's own code (where it may be sent).
    closeQuietly(ws, { code, reason });
  }

  override webSocketError(ws: WebSocket): void {
    this.connections.batch(() => this.depart(ws));
    closeQuietly(ws, DISCONNECT.socketError);
  }

  /**
   * Who a new connection is, or why it may not enter: its token (checked
   * again here, where the room's bans are known), a ban on it, a full room.
   */
  private async attachmentFor(params: ConnectParams, request: Request, format: Format): Promise<Attachment | { refused: ErrorEvent }> {
    const admission = await admitToken(params.token, this.name, this.env, this.limits);
    if (!admission.ok) return { refused: admission.error };
    const { identity, role } = admission.value;
    const id = identity ? identity.sub : newMemberId();
    const who = identity ? `sub:${identity.sub}` : `addr:${await sha256Hex(clientAddress(request))}`;
    const ban = this.sanctions.active(who, "ban", Date.now());
    if (ban) return { refused: refusal.banned(this.name, ban.reason ?? undefined) };
    if (this.connections.size >= this.limits.MAX_ROOM_MEMBERS)
      return { refused: refusal.roomFull(this.name, this.limits.MAX_ROOM_MEMBERS) };
    return {
      id,
      nick: identity ? identity.name : (params.nick ?? ""),
      room: this.name,
      format,
      sender: identity ? who : await senderOf(params.key, id),
      role,
      identity: who,
    };
  }

  // ------------------------------------------------------------ RPC (the HTTP API)
  // Reads see what is stored. A send still in the queue has not been
  // acknowledged to anyone yet, so a read that misses it contradicts nothing.

  /** Room summary: live member count and the newest stored seq. */
  info(): RoomInfo {
    return { room: this.name, members: this.connections.size, lastSeq: this.history.lastSeq };
  }

  /** A page of the member list in id order after `after`; `limit` is clamped to 1..MEMBERS_PAGE. */
  memberPage(after: string | undefined, limit: number): MembersEvent {
    const page = this.connections.page(after, Math.min(Math.max(1, limit), MEMBERS_PAGE));
    return { type: "members", room: this.name, count: this.connections.size, ...page };
  }

  /** A message as it stands now (latest text, tombstone, reaction counts); undefined when the room does not keep it. */
  messageState(seq: number): MessageState | undefined {
    return this.history.state(seq);
  }

  /** A page of history after `since`, oldest first; `limit` is clamped to 1..PAGE_MAX. */
  messages(since: number, limit: number): StoredEvent[] {
    return this.history.after(since, Math.min(Math.max(1, limit), PAGE_MAX));
  }

  /**
   * Stores and broadcasts a message posted over HTTP (already validated and
   * authorised by the worker), in the same queue as socket sends. A token
   * member's post is refused while it is banned or muted.
   */
  post(post: HttpPost): Promise<Appended | { refused: ErrorEvent }> {
    const now = Date.now();
    if (post.identity) {
      const ban = this.sanctions.active(post.identity, "ban", now);
      if (ban) return Promise.resolve({ refused: refusal.banned(this.name, ban.reason ?? undefined) });
      const mute = this.sanctions.active(post.identity, "mute", now);
      if (mute) return Promise.resolve({ refused: refusal.muted(mute.until ?? now, post.id) });
    }
    return new Promise((stored) => this.enqueue({ from: post.from, sender: post.sender, text: post.text, id: post.id, stored }));
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
      this.connections.close(conn.ws, DISCONNECT.flooding);
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

  say(conn: Connection, frame: SendFrame): void {
    const { msg: text, id } = frame;
    if (!atLeast(conn.att.role, "member")) {
      this.reply(conn, refusal.forbidden("readers may not send", id));
      return;
    }
    const mute = this.sanctions.active(conn.att.identity, "mute", Date.now());
    if (mute) {
      this.reply(conn, refusal.muted(mute.until ?? Date.now(), id));
      return;
    }
    let replyTo: ReplyRef | undefined;
    if (frame.replyTo !== undefined) {
      const answered = keptMessage(this.parts, conn, frame.replyTo, id);
      if (!answered) return;
      replyTo = {
        seq: answered.message.seq,
        nick: answered.message.from.nick,
        snippet: [...answered.message.text].slice(0, REPLY_SNIPPET_CHARS).join(""),
      };
    }
    if (debugEnabled(this.env)) log("message", { room: this.name, conn: conn.att.id, text });
    this.enqueue({
      from: memberOf(conn.att),
      sender: conn.att.sender,
      text,
      id,
      replyTo,
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
    this.connections.close(conn.ws, DISCONNECT.left);
  }

  moderate(conn: Connection, frame: ModerationFrame): void {
    moderate(this.parts, conn, frame);
  }

  edit(conn: Connection, seq: number, text: string): void {
    edit(this.parts, conn, seq, text);
  }

  react(conn: Connection, seq: number, emoji: string): void {
    react(this.parts, conn, seq, emoji);
  }

  deleteMessage(conn: Connection, seq: number): void {
    deleteMessage(this.parts, conn, seq);
  }

  listMembers(conn: Connection, after: string | undefined, limit: number | undefined): void {
    this.reply(conn, this.memberPage(after, limit ?? MEMBERS_PAGE));
  }

  typing(conn: Connection): void {
    if (!atLeast(conn.att.role, "member")) return;
    this.connections.broadcast({ type: "typing", room: this.name, member: memberOf(conn.att) }, conn.ws);
  }

  // ------------------------------------------------------------ membership

  /** Registers a new member, greets it, and tells the others. */
  private admit(conn: Connection, since: number | undefined): void {
    this.connections.add(conn);
    this.reply(conn, this.joinedEvent(conn, since));
    this.presence.arrived(presentMemberOf(conn.att));
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
    this.presence.departed(presentMemberOf(att));
  }

  // ------------------------------------------------------------ group commit

  /**
   * Queues a send to be stored together with whatever else arrives in the
   * same moment: messages that arrive together are committed together (one
   * write to storage instead of one each), and only then broadcast.
   */
  private enqueue(send: PendingSend): void {
    // A 0 ms wait ends after the frames already waiting for this room have
    // been received, so they all join this batch. scheduler.wait, not
    // setTimeout: workerd runs a 0 ms setTimeout before more of them, and a
    // commit costs far more than a message (docs/performance.md, "Group
    // commit: scheduler.wait").
    if (this.queue.push(send) === 1) void scheduler.wait(0).then(() => this.connections.batch(() => this.flush()));
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
      const result = this.history.append(send.from, send.sender, send.text, send.id, now, send.replyTo);
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
      self: presentMemberOf(conn.att),
      members: [],
      count: this.connections.size,
      history: [],
      lastSeq,
      limits: publicLimits(this.limits),
    };
    // A text client's greeting is one line: skip the member list (O(room
    // size) per join) and the history query (text clients get none).
    if (conn.att.format === "json" || conn.att.format === "batch") {
      event.members = this.connections.first(MEMBERS_PAGE);
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
