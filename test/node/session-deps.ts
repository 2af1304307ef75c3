/**
 * {@link SessionDeps} for Node: what src/client/ui/main.ts wires for the page
 * (WebSocket, fetch, timers, clock, randomness, message ids), without the DOM,
 * so end-to-end tests drive the very client core users run, `ChatSession`,
 * against a real `wrangler dev`.
 *
 * Node's global `WebSocket` and `fetch` (Node 22+) stand in for the
 * browser's. The outbox is "saved" to memory, as the page saves it to
 * sessionStorage. Two hooks let a test make trouble, both things a real
 * network does: `kill()` closes the open sockets, and `goOffline()` cuts the
 * network (every socket, a handshake under way included, and every request
 * in flight) until `offline` is cleared.
 *
 *   const deps = new NodeSessionDeps(server.url);
 *   const session = new ChatSession(deps, { wsBase: server.wsUrl }, listener);
 */
import { newMessageId } from "../../src/client/core/address";
import type { OutboxEntry } from "../../src/client/core/outbox";
import { refusalOf, type SessionDeps, type SocketHandle, type SocketHandlers, type Timer } from "../../src/client/core/session";
import type { ErrorEvent, MessageEvent } from "../../src/shared/events";

export class NodeSessionDeps implements SessionDeps {
  /** Sockets opened and not closed yet (connecting, open or closing). */
  readonly sockets = new Set<WebSocket>();
  /** The outbox as last saved. */
  saved: OutboxEntry[] = [];
  /** Sockets opened, pages fetched, admissions checked, sockets closed by `kill()`, messages sent again (same id). */
  readonly counts = { connects: 0, fetches: 0, checks: 0, kills: 0, resends: 0 };
  private readonly sentIds = new Set<string>();
  /**
   * The network is down: a new socket fails as a refused connection does
   * (closes with 1006, asynchronously) and a fetch rejects. Setting it alone
   * leaves sockets and requests already under way alone; `goOffline()` cuts
   * them too.
   */
  offline = false;
  /** Aborts the requests in flight when the network goes down. */
  private network = new AbortController();

  /** `httpBase` is `http://host:port` for the HTTP API; `fetchTimeoutMs` bounds every fetch. */
  constructor(
    private readonly httpBase: string,
    private readonly fetchTimeoutMs = 5_000,
  ) {}

  connect(url: string, protocol: string, handlers: SocketHandlers): SocketHandle {
    this.counts.connects++;
    if (this.offline) {
      const timer = setTimeout(() => handlers.close(1006, "offline"), 0);
      return {
        send: () => {
          throw new Error("not open");
        },
        close: () => clearTimeout(timer),
      };
    }
    const ws = new WebSocket(url, protocol);
    this.sockets.add(ws);
    ws.onmessage = (event) => {
      if (typeof event.data === "string") handlers.message(event.data);
    };
    ws.onclose = (event) => {
      this.sockets.delete(ws);
      handlers.close(event.code, event.reason);
    };
    // An error is always followed by close.
    return {
      send: (data) => {
        this.count(data);
        ws.send(data);
      },
      close: (code, reason) => ws.close(code, reason),
    };
  }

  async fetchMessages(room: string, since: number, limit: number, token?: string): Promise<MessageEvent[]> {
    this.counts.fetches++;
    const response = await this.get(`/api/rooms/${encodeURIComponent(room)}/messages?since=${since}&limit=${limit}`, token);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = (await response.json()) as { messages?: MessageEvent[] };
    return Array.isArray(body.messages) ? body.messages : [];
  }

  async checkAdmission(room: string, token: string | undefined): Promise<ErrorEvent | null> {
    this.counts.checks++;
    const response = await this.get(`/api/rooms/${encodeURIComponent(room)}`, token);
    return refusalOf(response.status, await response.json().catch(() => null));
  }

  /** A bounded GET of the HTTP API, as the page makes it (the token as a Bearer credential); fails while offline. */
  private get(path: string, token: string | undefined): Promise<Response> {
    if (this.offline) return Promise.reject(new Error("offline"));
    const headers: Record<string, string> = { Accept: "application/json" };
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    return fetch(`${this.httpBase}${path}`, {
      headers,
      signal: AbortSignal.any([AbortSignal.timeout(this.fetchTimeoutMs), this.network.signal]),
    });
  }

  setTimer(fn: () => void, ms: number): Timer {
    return setTimeout(fn, ms);
  }

  clearTimer(timer: Timer): void {
    clearTimeout(timer as ReturnType<typeof setTimeout>);
  }

  now(): number {
    return Date.now();
  }

  random(): number {
    return Math.random();
  }

  newId(): string {
    return newMessageId((n) => crypto.getRandomValues(new Uint8Array(n)));
  }

  saveOutbox(entries: OutboxEntry[]): void {
    this.saved = entries;
  }

  /** Notes a message id sent before (a resend after a drop), for tests to see that it happened. */
  private count(frame: string): void {
    if (!frame.startsWith("{")) return;
    const id = (JSON.parse(frame) as { id?: unknown }).id;
    if (typeof id !== "string") return;
    if (this.sentIds.has(id)) this.counts.resends++;
    else this.sentIds.add(id);
  }

  /**
   * Closes every open socket from this side; returns how many. (A close
   * handshake, not a cut TCP connection: Node's WebSocket cannot do that. Frames
   * the room sends meanwhile are dropped, as a lost connection loses them.)
   */
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

  /**
   * The network goes down: from now on new sockets and requests fail (see
   * `offline`), and what is under way fails too — open sockets close (as
   * `kill()` does), a socket still in its handshake fails (1006), and a
   * request in flight is aborted. So nothing reaches the session until
   * `offline` is cleared.
   */
  goOffline(): void {
    this.offline = true;
    this.network.abort(new Error("offline"));
    this.network = new AbortController();
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
}
