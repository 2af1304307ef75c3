/**
 * A WebSocket test client for Node (the `ws` package) against a running
 * server: records every frame and waits for frames with bounded timeouts, so
 * a wait never hangs a test (the waits are test/frames.ts, shared with the
 * workerd client in test/client.ts).
 */
import WebSocket from "ws";
import { SUBPROTOCOL } from "../../src/shared/format";
import { FrameQueue, uniqueRoom, WAIT_MS } from "../frames";

export { uniqueRoom };

export interface ConnectOptions {
  /** Offer `parley.v1` (JSON events); without it the server speaks the original text lines. */
  json?: boolean;
  /** Longest wait for the handshake. */
  timeoutMs?: number;
}

export class WsClient extends FrameQueue {
  constructor(readonly ws: WebSocket) {
    super();
    ws.on("message", (data, isBinary) => this.received(isBinary ? "<binary>" : data.toString()));
    ws.on("close", (code, reason) => this.closedBy(code, reason.toString()));
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

  /** Starts a clean close; see `closedWith` to wait for it. */
  close(code = 1000, reason = ""): void {
    if (this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
    else if (this.ws.readyState === WebSocket.OPEN) this.ws.close(code, reason);
  }

  /** Drops the TCP connection without a close frame (an abrupt disconnect). */
  terminate(): void {
    this.ws.terminate();
  }
}

/** Opens a socket to `url` (for example `ws://127.0.0.1:8787/ws?room=8888&nick=batman`) and waits for the handshake. */
export function connect(url: string, options: ConnectOptions = {}): Promise<WsClient> {
  const timeoutMs = options.timeoutMs ?? WAIT_MS;
  const ws = options.json
    ? new WebSocket(url, SUBPROTOCOL, { handshakeTimeout: timeoutMs })
    : new WebSocket(url, { handshakeTimeout: timeoutMs });
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
    const onUnexpected = (_req: unknown, res: { statusCode?: number }) =>
      fail(new Error(`upgrade to ${url} refused: HTTP ${res.statusCode}`));
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

/** Closes every client cleanly and waits (bounded) for the handshakes. */
export async function closeAll(clients: Iterable<WsClient>, ms = 3_000): Promise<void> {
  await Promise.all(
    [...clients].map(async (c) => {
      c.close();
      await c.closedWith(ms).catch(() => c.terminate());
    }),
  );
}
