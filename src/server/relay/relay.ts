/**
 * The in-band-join path (docs/in-band-join.md): a `/ws` client that connects
 * first and picks its room with a `join` frame. The worker holds that
 * client's socket — so it cannot hibernate; direct `/ws?room=` sockets can —
 * and relays to the room's Durable Object over an upstream socket of the same
 * format.
 *
 * The relay does only what a room cannot: pick the room from `join`, and
 * answer while the client is in no room. Everything else a member sends goes
 * to the room as it came; the room parses, validates and rate-limits it, as
 * it does for its direct sockets.
 */
import { CloseCode, DISCONNECT } from "../../shared/codes";
import { refusal } from "../../shared/errors";
import type { ServerEvent } from "../../shared/events";
import { encode, type Format, PING, PONG } from "../../shared/format";
import { type ClientFrame, parseClientFrame, refOf } from "../../shared/frames";
import { type Limits, limitsFrom, REPLY_BYTES_PER_TOKEN } from "../../shared/limits";
import type { Result } from "../../shared/validate";
import type { Env } from "../env";
import { log } from "../platform/log";
import { closeQuietly, socketPair, trySend, upgradeResponse } from "../platform/socket";
import { TokenBucket } from "../platform/token-bucket";
import { newMemberId } from "../room/attachment";
import { Upstream } from "./upstream";

/** Accepts an in-band-join client and returns the 101 response for it. */
export function openRelay(env: Env, format: Format, address: string): Response {
  const { client, server } = socketPair();
  // Half-open: the runtime would otherwise answer a client's close frame by
  // itself, echoing it — an empty one for a client that gave no code (1005).
  // The relay answers it (clientGone), with 1000 there, as a room does.
  server.accept({ allowHalfOpen: true });
  const relay = new Relay(server, env, format, address);
  server.addEventListener("message", (e) => relay.fromClient(e.data));
  server.addEventListener("close", (e) => relay.clientGone({ code: e.code, reason: e.reason }));
  server.addEventListener("error", () => relay.clientGone(DISCONNECT.socketError));
  return upgradeResponse(client, format);
}

/**
 * Whether the relay must read a member's frame itself: it could be a `join`
 * or a `leave`, or it is binary (refused here: a room's upstream carries
 * text). Any other frame is forwarded untouched, without parsing; a JSON
 * string can only spell an action name without its letters through a `\u`
 * escape.
 */
function mustRead(data: string | ArrayBuffer): boolean {
  return typeof data !== "string" || data.includes("join") || data.includes("leave") || data.includes("\\u");
}

class Relay {
  private readonly limits: Limits;
  /** Limits the frames the relay answers itself (joins open connections); a room limits the rest. */
  private readonly bucket: TokenBucket;
  /** Connection id for the logs. */
  private readonly id = newMemberId();
  /** The room this client is in, if any. */
  private current: Upstream | null = null;

  constructor(
    private readonly client: WebSocket,
    private readonly env: Env,
    private readonly format: Format,
    /** The client's address, which the room needs for an anonymous member's ban. */
    private readonly address: string,
  ) {
    this.limits = limitsFrom(env);
    this.bucket = new TokenBucket(this.limits.RATE_LIMIT_BURST, this.limits.RATE_LIMIT_PER_SECOND, Date.now());
    log("connect", { conn: this.id, path: "relay", format });
  }

  fromClient(data: string | ArrayBuffer): void {
    // The same liveness check a room answers without waking (see Room).
    if (data === PING) {
      trySend(this.client, PONG);
      return;
    }
    if (this.current && !mustRead(data)) {
      this.current.send(data as string);
      return;
    }
    const parsed = parseClientFrame(data, this.limits);
    if (this.current && parsed.ok && parsed.value.action === "send_to_room") {
      this.current.send(data as string);
      return;
    }
    this.answer(parsed);
  }

  /** The client went away: close its room socket and complete the handshake. */
  clientGone(how: { code: number | undefined; reason: string }): void {
    this.current?.close();
    this.current = null;
    closeQuietly(this.client, how);
  }

  /** A frame the relay handles itself: a join or leave, or anything while in no room. */
  private answer(parsed: Result<ClientFrame>): void {
    const verdict = this.bucket.take(Date.now());
    if (verdict !== "ok") {
      const ref = refOf(parsed);
      this.tell(verdict === "close" ? refusal.flooding(ref) : refusal.rateLimited(this.limits.RATE_LIMIT_PER_SECOND, ref));
      if (verdict === "close") this.clientGone(DISCONNECT.flooding);
      return;
    }
    if (!parsed.ok) {
      this.tell(parsed.error);
      return;
    }
    const frame = parsed.value;
    switch (frame.action) {
      case "join":
        // Moving rooms: stop hearing the old one at once, then connect to the new one.
        this.current?.close();
        this.current = new Upstream(this.env, frame, this.address, this.format, this.client, {
          // The greeting's history is work the client chose by joining: charged to its limit by size.
          greeted: (bytes) => this.bucket.charge(Date.now(), Math.floor(bytes / REPLY_BYTES_PER_TOKEN)),
          gone: (up, code, greeted) => this.upstreamGone(up, code, greeted),
        });
        return;
      case "leave":
        if (!this.current) {
          this.tell(refusal.notInRoom());
          return;
        }
        // The room answers it, after whatever it still had for this member,
        // then closes the upstream; from here the client is in no room.
        this.current.leave();
        this.current = null;
        return;
      default:
        this.tell(refusal.notInRoom(refOf(parsed)));
    }
  }

  /**
   * The room's side closed without the client asking. A room that refused
   * the join (before greeting it: full, banned, a bad token — the error was
   * passed on) or could not be reached (null), and a kick or ban, leave the
   * client connected and in no room: an in-band connection belongs to no
   * room. A flooding member's close (1008) is passed on; anything else means
   * the room went away, and the client is told to reconnect (1012).
   */
  private upstreamGone(up: Upstream, code: number | null, greeted: boolean): void {
    if (up !== this.current) return;
    this.current = null;
    if (code === null || !greeted || code === CloseCode.KICKED || code === CloseCode.BANNED) return;
    if (code === CloseCode.POLICY_VIOLATION) closeQuietly(this.client, DISCONNECT.flooding);
    else closeQuietly(this.client, DISCONNECT.roomGone);
  }

  private tell(event: ServerEvent): void {
    if (event.type === "error") log("refusal", { conn: this.id, room: this.current?.room, code: event.code });
    const frame = encode(event, this.format, "");
    if (frame !== null) trySend(this.client, frame);
  }
}
