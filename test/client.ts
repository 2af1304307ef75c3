/**
 * A test client for Parley's sockets inside workerd: connects through the
 * Worker's own fetch handler, records every frame, and waits for frames with
 * a bounded timeout (a wait never hangs a test).
 */
import { exports } from "cloudflare:workers";
import type { JoinedEvent } from "../src/shared/events";
import { SUBPROTOCOL } from "../src/shared/format";
import { FrameQueue, uniqueRoom } from "./frames";

export { uniqueRoom };

export interface ConnectOptions {
  /** Offer `parley.v1` (JSON events). */
  json?: boolean;
  headers?: Record<string, string>;
}

/**
 * Fetches through the Worker, as a client would. Unless the caller names one,
 * each request comes from its own address (a CF-Connecting-IP from the IPv6
 * documentation prefix; it is only a header), so the per-address connection
 * limit only meets the tests that aim at it.
 */
export function call(path: string, init?: RequestInit): Promise<Response> {
  const request = new Request(`http://127.0.0.1${path}`, init);
  if (!request.headers.has("CF-Connecting-IP")) request.headers.set("CF-Connecting-IP", `2001:db8::${crypto.randomUUID().slice(0, 4)}`);
  return exports.default.fetch(request);
}

export class Client extends FrameQueue {
  constructor(
    readonly ws: WebSocket,
    readonly protocol: string | null,
  ) {
    super();
    ws.accept();
    ws.addEventListener("message", (e) => this.received(typeof e.data === "string" ? e.data : "<binary>"));
    ws.addEventListener("close", (e) => this.closedBy(e.code, e.reason));
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  close(code = 1000, reason = ""): void {
    try {
      this.ws.close(code, reason);
    } catch {
      // already closed
    }
  }
}

/** Opens a socket at `path` (for example `/ws` or `/ws?room=8888&nick=batman`). */
export async function connect(path: string, options: ConnectOptions = {}): Promise<Client> {
  const headers: Record<string, string> = { Upgrade: "websocket", ...options.headers };
  if (options.json) headers["Sec-WebSocket-Protocol"] = SUBPROTOCOL;
  const res = await call(path, { headers });
  if (!res.webSocket) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
  return new Client(res.webSocket, res.headers.get("Sec-WebSocket-Protocol"));
}

export interface MemberOptions {
  /** Resume: the greeting's history holds what came after this seq. */
  since?: number;
  /** A sender key: the same key after a reconnect is the same author (and the same sender of an id). */
  key?: string;
}

/** A JSON client on the direct path that has joined `room` as `nick`, and the joined event that greeted it. */
export async function member(room: string, nick: string, options: MemberOptions = {}): Promise<{ c: Client; joined: JoinedEvent }> {
  const query = new URLSearchParams({ room, nick });
  if (options.since !== undefined) query.set("since", String(options.since));
  if (options.key !== undefined) query.set("key", options.key);
  const c = await connect(`/ws?${query}`, { json: true });
  const greeting = await c.event();
  if (greeting.type !== "joined") throw new Error(`${nick} was not let into ${room}: ${JSON.stringify(greeting)}`);
  return { c, joined: greeting };
}

/** An in-band-join client that has joined `room` as `nick` and read its greeting. */
export async function inBandMember(room: string, nick: string): Promise<Client> {
  const c = await connect("/ws");
  c.send({ action: "join", msg: room, nick });
  const greeting = await c.next();
  if (greeting !== `${nick} join room ${room} success .`) throw new Error(`unexpected greeting ${greeting}`);
  return c;
}
