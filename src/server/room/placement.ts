/**
 * Where a new member's socket lives. A room holds its members itself until
 * it has ROOM_SHARD_MEMBERS of them; then newcomers go to shard objects
 * (src/server/shard): the room admits them here — token, bans, a full room,
 * all decided by the one object that knows them — and answers the worker
 * with a placement instead of a socket. The worker takes the upgrade to the
 * shard named, which accepts it and tells the room it arrived.
 */
import { DISCONNECT } from "../../shared/codes";
import { refusal } from "../../shared/errors";
import type { JoinFrame } from "../../shared/frames";
import { ADMITTED_HEADER, PLACEMENT_HEADER } from "../shard/batch";
import { dispatch } from "./actions";
import { type Attachment, newMemberId } from "./attachment";
import type { Connection } from "./audience";
import type { RoomParts } from "./parts";

/** Whether a newcomer goes to a shard: the room shards, and it holds its share already or its shards hold members. */
export function shardsTakeNewcomers(room: RoomParts): boolean {
  const cap = room.limits.ROOM_SHARD_MEMBERS;
  return cap > 0 && (room.audience.own >= cap || room.shards.active);
}

/** The answer that sends an admitted newcomer to a shard: its index, and the member as admitted (with its connection's key). */
export function placement(room: RoomParts, att: Attachment): Response {
  const index = room.shards.place();
  const admitted: Attachment = { ...att, key: newMemberId() };
  return new Response(null, { status: 200, headers: { [PLACEMENT_HEADER]: String(index), [ADMITTED_HEADER]: JSON.stringify(admitted) } });
}

/**
 * A placed member's socket reached its shard: it joins the room as a member
 * of this object would. A ban placed since its admission still refuses it.
 */
export function arrival(room: RoomParts, conn: Connection, since: number | undefined): void {
  const ban = room.sanctions.binding(conn.att.identity, "ban", conn.att.role, Date.now());
  if (ban) {
    room.reply(conn, refusal.banned(room.name, ban.reason ?? undefined));
    room.audience.close(conn.peer, DISCONNECT.banned);
    return;
  }
  const join: JoinFrame = { action: "join", msg: room.name, nick: conn.att.nick };
  if (since !== undefined) join.since = since;
  dispatch(room, conn, { ok: true, value: join });
}
