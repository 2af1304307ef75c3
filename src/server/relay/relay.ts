/**
 * The in-band-join path (docs/in-band-join.md): a `/ws` client that connects
 * first and picks its room with a `join` frame. The worker holds that
 * client's socket — so it cannot hibernate; direct `/ws?room=` sockets can —
 * and relays to the room's Durable Object over an upstream socket of the same
 * format.
 *
 * The relay does only what a room cannot: pick the room from `join`, answer
 * while the client is in no room, and hold the connection's rate limit, which
 * must outlive each room it passes through. Everything else a member sends
 * goes to the room as it came; the room parses and validates it, as it does
 * for its direct sockets.
 */
import { CloseCode, DISCONNECT } from "../../shared/codes";
import { refusal } from "../../shared/errors";
import type { ServerEvent } from "../../shared/events";
import { encode, type Format, PING, PONG } from "../../shared/format";
import { type ClientFrame, parseClientFrame, refOf } from "../../shared/frames";
import { type Limits, limitsFrom, MAX_FRAME_BYTES, replyCost } from "../../shared/limits";
import type { Result } from "../../shared/validate";
import type { Env } from "../env";
import { log } from "../platform/log";
import { closeQuietly, socketPair, trySend, upgradeResponse } from "../platform/socket";
import { TokenBucket, type Verdict } from "../platform/token-bucket";
import { newMemberId } from "../room/attachment";
import { Upstream, type UpstreamEnd } from "./upstream";

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
 * Whether the relay answers a member's frame itself while the member is in a
 * room: a `join` (it picks the room) or a `leave`, told by the frame's parsed
 * `action` — whatever the rest of its text says, however it is escaped — and
 * a binary frame, which the upstream does not carry (refused here as the
 * room would). Any other frame goes to the room as it came, bad JSON and
 * frames too large included: the room parses, validates and limits it as it
 * does for its own sockets, so nothing here validates.
 */
const MAY_NAME_RELAY_ACTION = /join|leave|\\u/;

function answeredByRelay(data: string | ArrayBuffer): boolean {
  if (typeof data !== "string") return true;
  // Longer than this in UTF-16 units is longer in bytes: the room refuses it as too large.
  if (data.length > MAX_FRAME_BYTES) return false;
  // A JSON string can spell `join` or `leave` only with those letters or a `\u` escape: a frame with
  // neither (most sends) cannot parse to either, so it skips the parse the room does anyway.
  if (!MAY_NAME_RELAY_ACTION.test(data)) return false;
  let action: unknown;
  try {
    action = (JSON.parse(data) as { action?: unknown } | null)?.action;
  } catch {
    return false;
  }
  return action === "join" || action === "leave";
}

class Relay {
  private readonly limits: Limits;
  /**
   * The connection's one rate limit, charged for every frame it sends (a
   * `ping` aside, as in a room) and for every greeting by its size, whichever
   * room it is in or none. A room's own limit on the upstream starts afresh
   * with each join, so it cannot be the one: it has as many tokens as this
   * bucket or more (the same refill, fewer frames), so in effect it never
   * refuses what this one let through.
   */
  private readonly bucket: TokenBucket;
  /** Closed for flooding: what the client still sends is dropped. */
  private flooded = false;
  /** Connection id for the logs. */
  private readonly id = newMemberId();
  /** The room this client is in, if any. */
  private current: Upstream | null = null;
  /**
   * What the client must hear before anything the relay or the next room
   * says: the room it left, until it has said its last (`left`), or the room
   * it joined, until it has answered the join. Null once both are done.
   */
  private ahead: Promise<void> | null = null;

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
    if (this.flooded) return;
    const verdict = this.bucket.take(Date.now());
    if (verdict !== "ok") {
      this.refuse(verdict, data);
      return;
    }
    if (this.current && !answeredByRelay(data)) {
      this.current.send(data as string);
      return;
    }
    this.answer(parseClientFrame(data, this.limits));
  }

  /** The client went away: close its room socket and complete the handshake. */
  clientGone(how: { code: number | undefined; reason: string }): void {
    this.current?.close();
    this.current = null;
    closeQuietly(this.client, how);
  }

  /**
   * A frame over the limit, answered as a room answers it (the frame is
   * parsed only for its id): `rate_limited`, and past the limit's patience
   * the flooding error and 1008. Nothing of the frame reaches a room. The
   * answer comes after the greeting, but may come before the room's answers
   * to earlier frames still on their way; it names its frame by `ref`.
   */
  private refuse(verdict: Exclude<Verdict, "ok">, data: string | ArrayBuffer): void {
    const ref = refOf(parseClientFrame(data, this.limits));
    this.tell(verdict === "close" ? refusal.flooding(ref) : refusal.rateLimited(this.limits.RATE_LIMIT_PER_SECOND, ref));
    if (verdict !== "close") return;
    this.flooded = true;
    this.inOrder(() => this.clientGone(DISCONNECT.flooding));
  }

  /** A frame the relay handles itself: a join or leave, or anything while in no room. */
  private answer(parsed: Result<ClientFrame>): void {
    if (!parsed.ok) {
      this.tell(parsed.error);
      return;
    }
    const frame = parsed.value;
    switch (frame.action) {
      case "join":
        // Moving rooms: stop hearing the old one at once, then connect to the new one.
        this.current?.close();
        this.current = new Upstream(
          this.env,
          frame,
          this.address,
          this.format,
          this.client,
          {
            // The greeting's history is work the client chose by joining: charged to its limit by
            // its size on the wire (a refusal, a short error, is under one token's worth).
            answered: (frame) => this.bucket.charge(Date.now(), replyCost(frame)),
            gone: (up, end) => this.upstreamGone(up, end),
          },
          this.ahead ?? Promise.resolve(),
        );
        // As on a direct socket, the greeting comes first: what the relay says meanwhile waits for it.
        this.waitFor(Promise.all([this.ahead, this.current.greeted]).then(() => undefined));
        return;
      case "leave":
        if (!this.current) {
          this.tell(refusal.notInRoom());
          return;
        }
        // The room answers it, after whatever it still had for this member,
        // then closes the upstream; from here the client is in no room.
        this.waitFor(this.current.leave());
        this.current = null;
        return;
      default:
        this.tell(refusal.notInRoom(refOf(parsed)));
    }
  }

  /**
   * The room's side closed without the client asking. A refused join (full,
   * banned, a bad token: the room's error was passed on), a room that could
   * not be reached (the relay said so), a kick and a ban leave the client
   * connected and in no room: an in-band connection belongs to no room. A
   * flooding member's close (1008) is passed on; anything else means the room
   * went away, and the client is told to reconnect (1012).
   */
  private upstreamGone(up: Upstream, end: UpstreamEnd): void {
    if (up !== this.current) return;
    this.current = null;
    if (end === "refused" || end === "unreachable" || end === CloseCode.KICKED || end === CloseCode.BANNED) return;
    closeQuietly(this.client, end === CloseCode.POLICY_VIOLATION ? DISCONNECT.flooding : DISCONNECT.roomGone);
  }

  private tell(event: ServerEvent): void {
    if (event.type === "error") log("refusal", { conn: this.id, room: this.current?.room, code: event.code });
    const frame = encode(event, this.format, "");
    if (frame !== null) this.inOrder(() => void trySend(this.client, frame));
  }

  /** Runs `step` now, or after what the client must hear first (see {@link ahead}): as on a direct socket, answers come in the order of the frames. */
  private inOrder(step: () => void): void {
    if (this.ahead) this.waitFor(this.ahead.then(step));
    else step();
  }

  /** Makes what the relay or the next room says wait for `done`; once it settles, nothing waits. */
  private waitFor(done: Promise<void>): void {
    this.ahead = done;
    void done.then(() => {
      if (this.ahead === done) this.ahead = null;
    });
  }
}
