/**
 * Floor 1 (bare): a Durable Object per room that accepts sockets with the
 * Hibernation API and broadcasts each frame, unparsed, to every socket in the
 * room, the sender included. Same URL shape as Parley's direct sockets
 * (`/ws?room=R&nick=N`, subprotocol `parley.v1` echoed when offered), so one
 * load generator drives Parley and both floors.
 *
 * The room keeps its sockets in a Set, filled from `ctx.getWebSockets()` when
 * the object starts (so it is right after hibernation too) and kept up to date
 * on accept and close, so that no per-message work is left that a room could
 * avoid. `--var FLOOR_SOCKETS:each` asks `getWebSockets()` on every message
 * instead (the documented pattern); in fan-out the two measured the same within
 * noise (docs/performance.md).
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
