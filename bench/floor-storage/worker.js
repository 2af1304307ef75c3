/**
 * Floor 2 (storage): floor 1 plus one SQLite write per message. Each frame is
 * stored with one INSERT, then broadcast unparsed to every socket in the room,
 * the sender included. The write is synchronous; the runtime's output gate
 * holds the broadcast until the write is durable (and coalesces the writes of
 * one turn into one commit), which is the same contract Parley relies on.
 */
import { DurableObject } from "cloudflare:workers";

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== "/ws") return new Response("not found\n", { status: 404 });
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Upgrade Required\n", { status: 426 });
    }
    const room = url.searchParams.get("room");
    if (!room) return new Response("room required\n", { status: 400 });
    return env.ROOMS.getByName(room).fetch(request);
  },
};

export class FloorRoom extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    // Sockets kept in a Set, as in floor 1 (`--var FLOOR_SOCKETS:each` asks getWebSockets() per message).
    this.cached = env.FLOOR_SOCKETS === "each" ? null : new Set(ctx.getWebSockets());
  }

  fetch(request) {
    const [client, server] = Object.values(new WebSocketPair());
    this.ctx.acceptWebSocket(server);
    this.cached?.add(server);
    const offer = request.headers.get("Sec-WebSocket-Protocol") ?? "";
    const headers = offer.split(",").some((p) => p.trim() === "parley.v1") ? { "Sec-WebSocket-Protocol": "parley.v1" } : {};
    return new Response(null, { status: 101, webSocket: client, headers });
  }

  webSocketMessage(_ws, data) {
    this.ctx.storage.sql.exec("INSERT INTO messages (body) VALUES (?)", data);
    for (const s of this.cached ?? this.ctx.getWebSockets()) {
      try {
        s.send(data);
      } catch {
        // closing socket
      }
    }
  }

  webSocketClose(ws, code, reason) {
    this.cached?.delete(ws);
    try {
      ws.close(code >= 1000 && code <= 4999 && code !== 1005 && code !== 1006 ? code : 1000, reason);
    } catch {
      // already closed
    }
  }

  webSocketError(ws) {
    this.cached?.delete(ws);
  }
}
