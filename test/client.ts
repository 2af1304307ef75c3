/**
 * A test client for Parley's sockets inside workerd: connects through the
 * Worker's own fetch handler, records every frame, and waits for frames with
 * a bounded timeout (a wait never hangs a test).
 */
import { exports } from "cloudflare:workers";
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

/** A in-band-join client that has joined `room` as `nick` and read its greeting. */
export async function inBandMember(room: string, nick: string): Promise<Client> {
  const c = await connect("/ws");
  c.send({ action: "join", msg: room, nick });
  const greeting = await c.next();
  if (greeting !== `${nick} join room ${room} success .`) throw new Error(`unexpected greeting ${greeting}`);
  return c;
}
