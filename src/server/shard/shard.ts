/**
 * A shard of a room: a Durable Object that holds some of a big room's
 * members' sockets (accepted with the Hibernation API) and delivers to them,
 * while the room's own object stays the only writer (docs/scaling.md). It
 * decides nothing about the room: a frame a member sends is parsed and
 * rate-limited here, then handed to the room by RPC, which runs the same
 * dispatch as for its own members; what the room says comes back as one
 * batch per turn (feed.ts). Each adapter is an error boundary, as the room's
 * are.
 */
import { DurableObject } from "cloudflare:workers";
import { DISCONNECT } from "../../shared/codes";
import { refusal } from "../../shared/errors";
import { encode } from "../../shared/format";
import { parseConnectParams, refOf } from "../../shared/frames";
import { type Limits, limitsFrom } from "../../shared/limits";
import type { Result } from "../../shared/validate";
import type { Env } from "../env";
import { httpError } from "../http/errors";
import { logInternal } from "../platform/log";
import { closeQuietly, socketPair, trySend, upgradeResponse } from "../platform/socket";
import { socketBuckets, type TokenBucket } from "../platform/token-bucket";
import { type Heard, hear } from "../room/actions";
import { type Attachment, readAttachment, readWaiting, writeWaiting } from "../room/attachment";
import { Connections } from "../room/connections";
import { ADMITTED_HEADER, type Batch, parseShardName } from "./batch";
import { Feed } from "./feed";

export class RoomShard extends DurableObject<Env> {
  private readonly room: string;
  private readonly index: number;
  private readonly limits: Limits;
  private readonly connections: Connections;
  private readonly feed: Feed;
  /** One stub, so that this shard's calls reach the room in the order they were made. */
  private readonly writer;
  private readonly bucket: (ws: WebSocket) => TokenBucket;
  /**
   * Members whose departure the room has not yet taken: a room waking for it
   * asks for the roster first, and must still find them there to announce it.
   */
  private readonly leaving = new Map<string, Attachment>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ({ room: this.room, index: this.index } = parseShardName(ctx.id.name ?? ""));
    this.limits = limitsFrom(env);
    this.connections = new Connections(ctx);
    this.writer = env.ROOMS.getByName(this.room);
    this.bucket = socketBuckets(this.limits);
    this.feed = new Feed(ctx, this.connections, this.writer, this.bucket);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** Accepts the socket of a member the room placed here (connect.ts), and tells the room it arrived. */
  override async fetch(request: Request): Promise<Response> {
    try {
      const admitted = request.headers.get(ADMITTED_HEADER);
      if (!admitted) return httpError(refusal.notFound());
      const att = JSON.parse(admitted) as Attachment;
      const params = parseConnectParams(new URL(request.url).searchParams, this.limits);
      const since = params.ok ? params.value.since : undefined;
      const { client, server } = socketPair();
      this.ctx.acceptWebSocket(server);
      writeWaiting(server, att);
      this.feed.waiting(att.key ?? "", server);
      this.tell(server, att, undefined, () => this.writer.arrive(this.index, att, since));
      return upgradeResponse(client, att.format);
    } catch (error) {
      logInternal("shard.fetch", error, { room: this.room, shard: this.index });
      return httpError(refusal.internal());
    }
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): void {
    try {
      // A member, or a socket still waiting for its greeting (what it sends follows its arrival).
      const att = this.connections.attachment(ws) ?? readWaiting(ws);
      if (!att?.key) return;
      const heard: Heard = hear(data, this.limits, this.bucket(ws));
      const key = att.key;
      this.tell(ws, att, heard, () => this.writer.act(this.index, key, heard));
    } catch (error) {
      logInternal("shard.webSocketMessage", error, { room: this.room, shard: this.index });
    }
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    this.departed(ws);
    closeQuietly(ws, { code, reason });
  }

  override webSocketError(ws: WebSocket): void {
    this.departed(ws);
    closeQuietly(ws, DISCONNECT.socketError);
  }

  // ------------------------------------------------------------ RPC (the room)

  /** What one turn of the room said to this shard's members. */
  deliver(batch: Batch): Promise<void> {
    return this.feed.apply(batch);
  }

  /** The members this shard holds, and those whose departure is on its way (the room asks after it wakes). */
  roster(): Attachment[] {
    return [...this.connections.attachments(), ...this.leaving.values()];
  }

  // ------------------------------------------------------------ helpers

  /** A socket closed, however: no member here any more, and the room is told. */
  private departed(ws: WebSocket): void {
    try {
      const att = readAttachment(ws) ?? readWaiting(ws);
      this.connections.remove(ws);
      if (!att?.key || att.left) return;
      this.feed.forget(att.key);
      const key = att.key;
      this.leaving.set(key, att);
      void this.writer
        .gone(this.index, key)
        .catch((error) => logInternal("shard.gone", error, { room: this.room }))
        .finally(() => this.leaving.delete(key));
    } catch (error) {
      logInternal("shard.webSocketClose", error, { room: this.room, shard: this.index });
    }
  }

  /**
   * Makes a call to the room for a socket; when it fails (the room threw, or
   * restarts), the member is told `internal` — and a socket whose arrival
   * failed is closed, as a room closes one whose greeting failed.
   */
  private tell(ws: WebSocket, att: Attachment, heard: Heard | undefined, call: () => Promise<Result<null>>): void {
    const failed = (error?: unknown) => {
      if (error !== undefined) logInternal("shard.call", error, { room: this.room, shard: this.index, conn: att.alias });
      const frame = encode(refusal.internal(heard && refOf(heard.input)), att.format, att.nick);
      if (frame !== null) trySend(ws, frame);
      if (!heard) closeQuietly(ws, DISCONNECT.internal);
    };
    call().then((result) => result.ok || failed(), failed);
  }
}
