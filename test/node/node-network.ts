/**
 * The network under a Node client in end-to-end tests, under the adapter
 * client-network.ts (the `WebSocket` and `fetch` options of a ParleyClient).
 * Sockets are Node's own WebSocket (Node 22+), kept in `sockets` while open
 * and counted, with every message id sent noted so that resends show. Two
 * hooks let a test make trouble, both things a real network does: `kill()`
 * closes the open sockets, and `goOffline()` cuts the network (every socket,
 * a handshake under way included) until `offline` is cleared. What a new
 * socket or a request does while offline is the adapter's.
 */
export interface NetworkCounts {
  connects: number;
  fetches: number;
  kills: number;
  resends: number;
}

export class NodeNetwork {
  /** Sockets opened and not closed yet (connecting, open or closing). */
  readonly sockets = new Set<WebSocket>();
  /** Sockets opened, pages fetched, sockets closed by `kill()`, messages sent again (same id). */
  readonly counts: NetworkCounts = { connects: 0, fetches: 0, kills: 0, resends: 0 };
  /**
   * The network is down: new sockets and requests fail. Setting it alone
   * leaves what is under way alone; `goOffline()` cuts that too.
   */
  offline = false;
  private readonly sentIds = new Set<string>();

  /** A socket of Node's, in `sockets` until it closes, whose sends are noted (see `counts.resends`). */
  protected open(url: string, protocols?: string | string[]): WebSocket {
    const ws = new WebSocket(url, protocols);
    this.sockets.add(ws);
    // Registered first, so the set is up to date before the client hears the close.
    ws.addEventListener("close", () => this.sockets.delete(ws));
    const send = ws.send.bind(ws);
    ws.send = (data: string) => {
      this.noteSent(data);
      send(data);
    };
    return ws;
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
   * The network goes down: from now on new sockets fail (see `offline`), and
   * the sockets under way fail too — open ones close (as `kill()` does), one
   * still in its handshake fails — so nothing reaches the client until
   * `offline` is cleared.
   */
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

  /** Notes a message id sent before (a resend after a drop), for tests to see that it happened. */
  private noteSent(frame: string): void {
    if (!frame.startsWith("{")) return;
    const id = (JSON.parse(frame) as { id?: unknown }).id;
    if (typeof id !== "string") return;
    if (this.sentIds.has(id)) this.counts.resends++;
    else this.sentIds.add(id);
  }
}
