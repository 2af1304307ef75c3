/**
 * The network under a `ParleyClient` in Node end-to-end tests: a WebSocket
 * constructor and a `fetch` for its options (`WebSocket`, `fetch`) that are
 * Node's own, plus the trouble a real network makes, as session-deps.ts does
 * for ChatSession: `kill()` closes the open sockets, `goOffline()` cuts the
 * network (every socket, handshakes included, and new ones fail) until
 * `offline` is cleared.
 *
 *   const net = new TestNetwork();
 *   const client = new ParleyClient({ url, nick, WebSocket: net.WebSocket, fetch: net.fetch });
 */

/** What the client's options take; typed loosely so that the built package's types accept it too. */
type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;
type FetchFunction = (url: string, init: { headers: Record<string, string> }) => Promise<Response>;

export class TestNetwork {
  /** Sockets opened and not closed yet. */
  readonly sockets = new Set<WebSocket>();
  /** Sockets opened, pages fetched, sockets closed by `kill()`, messages sent again (same id). */
  readonly counts = { connects: 0, fetches: 0, kills: 0, resends: 0 };
  /** The network is down: new sockets fail (1006) and fetches reject. */
  offline = false;
  private readonly sentIds = new Set<string>();

  /** For `new ParleyClient({ WebSocket })`. */
  readonly WebSocket: WebSocketConstructor;
  /** For `new ParleyClient({ fetch })`. */
  readonly fetch: FetchFunction = (url, init) => {
    if (url.includes("/messages?")) this.counts.fetches++;
    return this.offline ? Promise.reject(new Error("offline")) : fetch(url, init);
  };

  constructor() {
    const net = this;
    // A constructor that returns Node's WebSocket (or, offline, one that fails as a refused connection does).
    this.WebSocket = function TestSocket(url: string, protocols?: string | string[]) {
      net.counts.connects++;
      if (net.offline) return new FailedSocket();
      const ws = new WebSocket(url, protocols);
      net.sockets.add(ws);
      ws.addEventListener("close", () => net.sockets.delete(ws));
      const send = ws.send.bind(ws);
      ws.send = (data: string) => {
        net.count(data);
        send(data);
      };
      return ws;
    } as unknown as WebSocketConstructor;
  }

  /** Closes every open socket from this side (frames the room sends meanwhile are lost); returns how many. */
  kill(): number {
    let n = 0;
    for (const ws of this.sockets) {
      if (ws.readyState !== WebSocket.OPEN) continue;
      ws.close(4000, "killed by the test");
      n++;
    }
    this.counts.kills += n;
    return n;
  }

  /** The network goes down: open sockets and handshakes are cut, new ones fail, until `offline` is cleared. */
  goOffline(): void {
    this.offline = true;
    for (const ws of this.sockets) {
      if (ws.readyState === WebSocket.OPEN) this.counts.kills++;
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.close(4000, "offline");
    }
  }

  /** Waits (bounded) until every socket this opened has closed. */
  async closed(ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.sockets.size > 0) {
      if (Date.now() > deadline) throw new Error(`${this.sockets.size} socket(s) still open after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private count(frame: string): void {
    if (!frame.startsWith("{")) return;
    const id = (JSON.parse(frame) as { id?: unknown }).id;
    if (typeof id !== "string") return;
    if (this.sentIds.has(id)) this.counts.resends++;
    else this.sentIds.add(id);
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
