/**
 * The greeting: the `joined` event a member gets when it enters the room, and
 * again when it joins the room it is in. It shows the room as it is: who is
 * in it (the first page of members) and its history (the newest messages, or
 * those after the `since` a reconnecting client names).
 */
import type { JoinedEvent } from "../../shared/events";
import { MEMBERS_PAGE, publicLimits, RECENT_HISTORY, RESUME_CAP } from "../../shared/limits";
import { presentMemberOf } from "./attachment";
import type { Connection } from "./audience";
import type { RoomParts } from "./parts";

export function greeting(room: RoomParts, conn: Connection, since: number | undefined): JoinedEvent {
  const lastSeq = room.history.lastSeq;
  const event: JoinedEvent = {
    type: "joined",
    room: conn.att.room,
    self: presentMemberOf(conn.att),
    members: [],
    count: room.audience.size,
    history: [],
    lastSeq,
    limits: publicLimits(room.limits),
  };
  // A text client's greeting is one line: skip the member list (O(room
  // size) per join) and the history query (text clients get none).
  if (conn.att.format === "v1" || conn.att.format === "v2") {
    event.members = room.audience.first(MEMBERS_PAGE);
    const receipts = room.receipts.current();
    if (receipts?.length) event.receipts = receipts;
    if (since === undefined) {
      event.history = room.history.recent(RECENT_HISTORY);
    } else {
      event.history = room.history.after(since, RESUME_CAP);
      const newest = event.history.at(-1)?.seq ?? since;
      if (newest < lastSeq) event.more = true;
    }
  }
  return event;
}
