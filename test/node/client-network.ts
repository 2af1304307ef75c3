/**
 * The network under a `ParleyClient` in Node end-to-end tests: a WebSocket
 * constructor and a `fetch` for its options (`WebSocket`, `fetch`) that are
 * Node's own, plus the trouble a real network makes (`kill()`, `goOffline()`:
 * node-network.ts).
 *
 *   const net = new TestNetwork();
 *   const client = new ParleyClient({ url, nick, WebSocket: net.WebSocket, fetch: net.fetch });
 */
import { NodeNetwork } from "./node-network";

/** What the client's options take; typed loosely so that the built package's types accept it too. */
type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;
type FetchFunction = (url: string, init: { headers: Record<string, string> }) => Promise<Response>;

export class TestNetwork extends NodeNetwork {
  /** For `new ParleyClient({ WebSocket })`. */
  readonly WebSocket: WebSocketConstructor;
  /** For `new ParleyClient({ fetch })`: rejects while offline (a request already in flight completes). */
  readonly fetch: FetchFunction = (url, init) => {
    if (url.includes("/messages?")) this.counts.fetches++;
    return this.offline ? Promise.reject(new Error("offline")) : fetch(url, init);
  };

  constructor() {
    super();
    const net = this;
    // A constructor that returns Node's WebSocket (or, offline, one that fails as a refused connection does).
    this.WebSocket = function TestSocket(url: string, protocols?: string | string[]) {
      net.counts.connects++;
      return net.offline ? new FailedSocket() : net.open(url, protocols);
    } as unknown as WebSocketConstructor;
  }
}

/** A socket on a network that is down: it closes with 1006, as a refused connection does. */
class FailedSocket {
  onmessage: ((event: unknown) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  private readonly timer = setTimeout(() => this.onclose?.({ code: 1006, reason: "offline" }), 0);
  send(): void {
    throw new Error("not open");
  }
  close(): void {
    clearTimeout(this.timer);
    setTimeout(() => this.onclose?.({ code: 1006, reason: "offline" }), 0);
  }
}
