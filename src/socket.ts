/**
 * Small, defensive wrappers around the runtime's WebSocket, shared by the room
 * and the relay. A socket can be closing or closed by the time we reach it
 * (`getWebSockets()` returns CLOSING sockets too), and one failed send must
 * never abort a broadcast to everyone else.
 */
import { encode, SUBPROTOCOL, type ErrorEvent, type Format } from "./protocol";

/**
 * The close code to echo back for a code the peer sent. `close()` throws for
 * codes that may never be sent on the wire (1004, 1005, 1006, 1015) and for
 * codes outside the registered ranges, so those are answered with 1000.
 */
export function echoableCloseCode(code: number | undefined): number {
  if (code === undefined) return 1000;
  if (code >= 3000 && code <= 4999) return code;
  if (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) return code;
  return 1000;
}

/** Sends a frame, ignoring a socket that is already closing. Returns whether it was sent. */
export function trySend(ws: WebSocket, data: string): boolean {
  try {
    ws.send(data);
    return true;
  } catch {
    return false;
  }
}

/**
 * Closes a socket with a code that is safe to send, completing the close
 * handshake when the peer started it. Already-closed sockets are ignored.
 */
export function closeQuietly(ws: WebSocket, code?: number, reason = ""): void {
  try {
    // A close reason is limited to 123 bytes on the wire.
    ws.close(echoableCloseCode(code), reason.slice(0, 60));
  } catch {
    // Already closed: nothing left to complete.
  }
}

/** The 101 response for a socket pair's client end, naming `parley.v1` when the client chose JSON. */
export function upgradeResponse(client: WebSocket, format: Format): Response {
  return new Response(null, {
    status: 101,
    webSocket: client,
    headers: format === "json" ? { "Sec-WebSocket-Protocol": SUBPROTOCOL } : {},
  });
}

/**
 * Refuses a WebSocket upgrade so that a browser can see why: a browser reads
 * nothing of a 4xx answer to an upgrade (its socket just fails with 1006), so
 * the upgrade completes, the client gets the error in its own format, and the
 * socket closes at once with `code` (1008 policy, 1013 try again later).
 */
export function refuseUpgrade(error: ErrorEvent, format: Format, code: number): Response {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  server.accept();
  const frame = encode(error, format, "");
  if (frame !== null) trySend(server, frame);
  closeQuietly(server, code, error.code);
  return upgradeResponse(client, format);
}
