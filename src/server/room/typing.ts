/**
 * `typing`: told to the others, never stored. It is speech: a reader, or a
 * member a ban or mute binds, is never shown typing (dispatch, actions.ts,
 * drops it unanswered before it gets here).
 */
import { memberOf } from "./attachment";
import type { Connection } from "./audience";
import type { RoomParts } from "./parts";

export function typing(room: RoomParts, conn: Connection): void {
  room.audience.broadcast({ type: "typing", room: room.name, member: memberOf(conn.att) }, conn.peer);
}
