/**
 * Small, defensive wrappers around the runtime's WebSocket, shared by the room
 * and the relay. A socket can be closing or closed by the time we reach it
 * (`getWebSockets()` returns CLOSING sockets too), and one failed send must
 * never abort a broadcast to everyone else.
 */

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
