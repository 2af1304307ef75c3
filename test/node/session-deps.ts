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
 * in flight) until `offline` is cleared. The sockets and those hooks are
 * node-network.ts, shared with client-network.ts (the same for ParleyClient).
 *
 *   const deps = new NodeSessionDeps(server.url);
 *   const session = new ChatSession(deps, { wsBase: server.wsUrl }, listener);
 */
import { newMessageId } from "../../src/client/core/address";
import type { OutboxEntry } from "../../src/client/core/outbox";
import { refusalOf, type SessionDeps, type SocketHandle, type SocketHandlers, type Timer } from "../../src/client/core/session";
import type { ErrorEvent, MessageEvent } from "../../src/shared/events";
import { NodeNetwork } from "./node-network";

export class NodeSessionDeps extends NodeNetwork implements SessionDeps {
  /** The outbox as last saved. */
  saved: OutboxEntry[] = [];
  /** Sockets opened, pages fetched, admissions checked, sockets closed by `kill()`, messages sent again (same id). */
  override readonly counts = { connects: 0, fetches: 0, checks: 0, kills: 0, resends: 0 };
  /** Aborts the requests in flight when the network goes down. */
  private network = new AbortController();

  /** `httpBase` is `http://host:port` for the HTTP API; `fetchTimeoutMs` bounds every fetch. */
  constructor(
    private readonly httpBase: string,
    private readonly fetchTimeoutMs = 5_000,
  ) {
    super();
  }

  connect(url: string, protocol: string, handlers: SocketHandlers): SocketHandle {
    this.counts.connects++;
    // Offline, a new socket fails as a refused connection does: it closes with 1006, asynchronously.
    if (this.offline) {
      const timer = setTimeout(() => handlers.close(1006, "offline"), 0);
      return {
        send: () => {
          throw new Error("not open");
        },
        close: () => clearTimeout(timer),
      };
    }
    const ws = this.open(url, protocol);
    ws.onmessage = (event) => {
      if (typeof event.data === "string") handlers.message(event.data);
    };
    ws.onclose = (event) => handlers.close(event.code, event.reason);
    // An error is always followed by close.
    return {
      send: (data) => ws.send(data),
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

  /** The network goes down (see NodeNetwork), and every request in flight is aborted with it. */
  override goOffline(): void {
    super.goOffline();
    this.network.abort(new Error("offline"));
    this.network = new AbortController();
  }
}
