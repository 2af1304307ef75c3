/** `leave`: the leave reply, the others are told, then the socket closes. */
import { DISCONNECT } from "../../shared/codes";
import { depart } from "./admission";
import type { Connection } from "./audience";
import type { RoomParts } from "./parts";

export function leave(room: RoomParts, conn: Connection): void {
  room.reply(conn, { type: "left", room: conn.att.room });
  depart(room, conn.peer, true);
  room.audience.close(conn.peer, DISCONNECT.left);
}
