/**
 * `read`: a token member read the room up to `seq`. The room tells the
 * person's object (src/server/person), which moves the marker forward only;
 * every device of the same person shares it. Nothing is answered on success
 * (as for `typing`): the marker shows in `GET /api/me/rooms`. An anonymous
 * member has no object to keep a marker and is refused `unauthenticated`:
 * its client keeps its own. In a small room the others see it too, as a
 * read receipt (receipts.ts).
 */
import { refusal } from "../../shared/errors";
import type { ReadFrame } from "../../shared/frames";
import { personOf, tellRead } from "../person/tell";
import type { Connection } from "./audience";
import type { RoomParts } from "./parts";

export function read(room: RoomParts, conn: Connection, frame: ReadFrame): void {
  if (personOf(conn.att) === undefined) {
    room.reply(conn, refusal.readNeedsToken());
    return;
  }
  // A marker past the stream would count messages not yet sent as read.
  const seq = Math.min(frame.seq, room.history.lastSeq);
  if (seq <= 0) return;
  tellRead(room.env, conn.att, room.name, seq);
  room.receipts.read(conn.att.id, seq);
}
