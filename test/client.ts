/**
 * A test client for Parley's sockets inside workerd: connects through the
 * Worker's own fetch handler, records every frame, and waits for frames with
 * a bounded timeout (a wait never hangs a test).
 */
import { exports } from "cloudflare:workers";
import { SUBPROTOCOL, type ServerEvent } from "../src/protocol";

const WAIT_MS = 5_000;

export interface ConnectOptions {
  /** Offer `parley.v1` (JSON events). */
  json?: boolean;
  headers?: Record<string, string>;
}

/** A unique room name, so tests never share state. */
export function uniqueRoom(prefix = "room"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
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

export class Client {
  readonly frames: string[] = [];
  closed: { code: number; reason: string } | null = null;
  private read = 0;
  private wake: (() => void) | null = null;

  constructor(readonly ws: WebSocket, readonly protocol: string | null) {
    ws.accept();
    ws.addEventListener("message", (e) => {
      this.frames.push(typeof e.data === "string" ? e.data : "<binary>");
      this.wake?.();
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      this.wake?.();
    });
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next unread frame, or a rejection after `ms`. */
  async next(ms = WAIT_MS): Promise<string> {
    const deadline = Date.now() + ms;
    while (this.read >= this.frames.length) {
      if (this.closed) throw new Error(`socket closed (${this.closed.code}) while waiting for a frame`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${ms} ms; saw ${JSON.stringify(this.frames)}`);
      await this.sleepUntilEvent(left);
    }
    return this.frames[this.read++]!;
  }

  /** The next unread frame parsed as a JSON event. */
  async event(ms = WAIT_MS): Promise<ServerEvent> {
    return JSON.parse(await this.next(ms)) as ServerEvent;
  }

  /** Reads events until one matches, returning it; skipped events are kept in `skipped`. */
  async until<T extends ServerEvent>(match: (e: ServerEvent) => e is T, ms?: number): Promise<T>;
  async until(match: (e: ServerEvent) => boolean, ms?: number): Promise<ServerEvent>;
  async until(match: (e: ServerEvent) => boolean, ms = WAIT_MS): Promise<ServerEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
      const e = await this.event(Math.max(1, deadline - Date.now()));
      if (match(e)) return e;
    }
  }

  /** Asserts that no frame arrives within `ms`. */
  async quiet(ms = 300): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && this.read >= this.frames.length) await this.sleepUntilEvent(deadline - Date.now());
    if (this.read < this.frames.length) throw new Error(`expected silence, got ${JSON.stringify(this.frames.slice(this.read))}`);
  }

  /** Waits for the socket to close; returns the code and reason. */
  async closedWith(ms = WAIT_MS): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`socket still open after ${ms} ms`);
      await this.sleepUntilEvent(left);
    }
    return this.closed;
  }

  close(code = 1000, reason = ""): void {
    try {
      this.ws.close(code, reason);
    } catch {
      // already closed
    }
  }

  private sleepUntilEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.wake = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
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

/** A seed-path client that has joined `room` as `nick` and read its greeting. */
export async function seedMember(room: string, nick: string): Promise<Client> {
  const c = await connect("/ws");
  c.send({ action: "join", msg: room, nick });
  const greeting = await c.next();
  if (greeting !== `${nick} join room ${room} success .`) throw new Error(`unexpected greeting ${greeting}`);
  return c;
}
