/**
 * Small, defensive wrappers around the runtime's WebSocket, shared by the room
 * and the relay. A socket can be closing or closed by the time we reach it
 * (`getWebSockets()` returns CLOSING sockets too), and one failed send must
 * never abort a broadcast to everyone else.
 */
import { CloseCode, type Disconnect, refusedConnect, UNSENDABLE_CLOSE_CODES } from "../../shared/codes";
import type { ErrorEvent } from "../../shared/events";
import { encode, type Format, subprotocolOf } from "../../shared/format";

/** The application range of close codes (RFC 6455 §7.4.2), which a peer may use freely. */
const APP_CODES = { min: 3000, max: 4999 };
/** The protocol range the runtime lets a server send. */
const PROTOCOL_CODES = { min: CloseCode.NORMAL, max: 1014 };

/**
 * The close code to echo back for a code the peer sent. `close()` throws for
 * codes that may never be sent on the wire and for codes outside the
 * registered ranges, so those are answered with a normal close.
 */
export function echoableCloseCode(code: number | undefined): number {
  if (code === undefined) return CloseCode.NORMAL;
  if (code >= APP_CODES.min && code <= APP_CODES.max) return code;
  if (code >= PROTOCOL_CODES.min && code <= PROTOCOL_CODES.max && !UNSENDABLE_CLOSE_CODES.has(code)) return code;
  return CloseCode.NORMAL;
}

/** Sends a frame, ignoring a socket that is already closing. Returns whether it was sent. */
export function trySend(ws: WebSocket, data: string | ArrayBuffer): boolean {
  try {
    ws.send(data);
    return true;
  } catch {
    return false;
  }
}

/**
 * Closes a socket with a code that is safe to send: completes the close
 * handshake with the peer's own code when the peer started it, or closes for
 * one of the server's reasons. Already-closed sockets are ignored.
 */
export function closeQuietly(ws: WebSocket, how: Disconnect | { code: number | undefined; reason: string }): void {
  try {
    // A close reason is limited to 123 bytes on the wire.
    ws.close(echoableCloseCode(how.code), how.reason.slice(0, 60));
  } catch {
    // Already closed: nothing left to complete.
  }
}

/** The 101 response for a socket pair's client end, naming the subprotocol the client's format was chosen by. */
export function upgradeResponse(client: WebSocket, format: Format): Response {
  const protocol = subprotocolOf(format);
  return new Response(null, { status: 101, webSocket: client, headers: protocol ? { "Sec-WebSocket-Protocol": protocol } : {} });
}

/** A fresh socket pair: the client's end goes in the 101, the server's end is ours. */
export function socketPair(): { client: WebSocket; server: WebSocket } {
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  return { client, server };
}

/**
 * Refuses a WebSocket upgrade so that a browser can see why: a browser reads
 * nothing of a 4xx answer to an upgrade (its socket just fails with 1006), so
 * the upgrade completes, the client gets the error in its own format, and the
 * socket closes at once (see {@link refusedConnect} for the code).
 */
export function refuseUpgrade(error: ErrorEvent, format: Format): Response {
  const { client, server } = socketPair();
  server.accept();
  const frame = encode(error, format, "");
  if (frame !== null) trySend(server, frame);
  closeQuietly(server, refusedConnect(error.code));
  return upgradeResponse(client, format);
}
