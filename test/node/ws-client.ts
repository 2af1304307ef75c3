/**
 * A WebSocket test client for Node (the `ws` package) against a running
 * server: records every frame and waits for frames with bounded timeouts, so
 * a wait never hangs a test. Mirrors test/client.ts, which does the same
 * inside workerd.
 */
import WebSocket from "ws";
import { SUBPROTOCOL, type ServerEvent } from "../../src/protocol";

const WAIT_MS = 5_000;

export interface ConnectOptions {
  /** Offer `parley.v1` (JSON events); without it the server speaks the seed's text lines. */
  json?: boolean;
  /** Longest wait for the handshake. */
  timeoutMs?: number;
}

export class WsClient {
  readonly frames: string[] = [];
  closed: { code: number; reason: string } | null = null;
  private read = 0;
  private wake: (() => void) | null = null;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      this.frames.push(isBinary ? "<binary>" : data.toString());
      this.wake?.();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake?.();
    });
    // Errors are followed by close; keep them from becoming unhandled.
    ws.on("error", () => {});
  }

  /** The subprotocol the server chose ("" for none). */
  get protocol(): string {
    return this.ws.protocol;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next unread frame, or a rejection after `ms`. */
  async next(ms = WAIT_MS): Promise<string> {
    const deadline = Date.now() + ms;
    while (this.read >= this.frames.length) {
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting; saw ${JSON.stringify(this.frames)}`);
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

  /** Reads events until one matches and returns it (the skipped ones are read too). */
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
    while (Date.now() < deadline && this.read >= this.frames.length && !this.closed) {
      await this.sleepUntilEvent(deadline - Date.now());
    }
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

  /** Starts a clean close; see `closedWith` to wait for it. */
  close(code = 1000, reason = ""): void {
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason);
  }

  /** Drops the TCP connection without a close frame (an abrupt disconnect). */
  terminate(): void {
    this.ws.terminate();
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

/** Opens a socket to `url` (for example `ws://127.0.0.1:8787/ws?room=8888&nick=batman`) and waits for the handshake. */
export function connect(url: string, options: ConnectOptions = {}): Promise<WsClient> {
  const timeoutMs = options.timeoutMs ?? WAIT_MS;
  const ws = options.json ? new WebSocket(url, SUBPROTOCOL, { handshakeTimeout: timeoutMs }) : new WebSocket(url, { handshakeTimeout: timeoutMs });
  // Listen from the start: frames can arrive right after the handshake.
  const client = new WsClient(ws);
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => {
      cleanup();
      ws.terminate();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const onOpen = () => {
      cleanup();
      resolve(client);
    };
    const onError = (err: Error) => fail(new Error(`cannot connect to ${url}: ${err.message}`));
    const onUnexpected = (_req: unknown, res: { statusCode?: number }) => fail(new Error(`upgrade to ${url} refused: HTTP ${res.statusCode}`));
    const cleanup = () => {
      ws.off("open", onOpen);
      ws.off("error", onError);
      ws.off("unexpected-response", onUnexpected);
    };
    ws.once("open", onOpen);
    ws.once("error", onError);
    ws.once("unexpected-response", onUnexpected);
  });
}

/** A unique room name, so tests never share state. */
export function uniqueRoom(prefix = "room"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** Closes every client cleanly and waits (bounded) for the handshakes. */
export async function closeAll(clients: Iterable<WsClient>, ms = 3_000): Promise<void> {
  await Promise.all(
    [...clients].map(async (c) => {
      c.close();
      await c.closedWith(ms).catch(() => c.terminate());
    }),
  );
}
