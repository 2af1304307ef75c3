/** `typing`: told to the others, never stored. A reader, who may not send, is never shown typing. */
import { atLeast } from "../../shared/auth";
import { memberOf } from "./attachment";
import type { Connection } from "./connections";
import type { RoomParts } from "./parts";

export function typing(room: RoomParts, conn: Connection): void {
  if (!atLeast(conn.att.role, "member")) return;
  room.connections.broadcast({ type: "typing", room: room.name, member: memberOf(conn.att) }, conn.ws);
}
