/** `join`: a new connection enters the room; a member that joins the room it is in is greeted again. */
import { refusal } from "../../shared/errors";
import type { JoinFrame } from "../../shared/frames";
import { replyCost } from "../../shared/limits";
import { admit } from "./admission";
import type { Connection } from "./audience";
import { greeting } from "./greeting";
import type { RoomParts } from "./parts";

export function join(room: RoomParts, conn: Connection, frame: JoinFrame): void {
  if (!room.audience.get(conn.peer)) admit(room, conn, frame.since);
  else if (frame.msg === conn.att.room) {
    // Joining the room you are in again repeats the greeting, history and
    // all: work the client chose, so it is charged to its rate limit by its
    // size on the wire.
    const sent = room.reply(conn, greeting(room, conn, frame.since));
    if (sent !== null) room.audience.charge(conn, replyCost(sent));
  } else room.reply(conn, refusal.roomBound(conn.att.room, frame.msg));
}
