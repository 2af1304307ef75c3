/** `members`, and the HTTP API's member list: a page of the room's members in id order. */
import type { MembersEvent } from "../../shared/events";
import type { MembersFrame } from "../../shared/frames";
import { MEMBERS_PAGE } from "../../shared/limits";
import type { Connection } from "./audience";
import type { RoomParts } from "./parts";

export function members(room: RoomParts, conn: Connection, frame: MembersFrame): void {
  room.reply(conn, memberPage(room, frame.after, frame.limit ?? MEMBERS_PAGE));
}

/** A page of the member list in id order after `after`; `limit` is clamped to 1..MEMBERS_PAGE. */
export function memberPage(room: RoomParts, after: string | undefined, limit: number): MembersEvent {
  const page = room.audience.page(after, Math.min(Math.max(1, limit), MEMBERS_PAGE));
  return { type: "members", room: room.name, count: room.audience.size, ...page };
}
