/**
 * Who comes in and who goes: who a new connection is, or why it may not
 * enter; admitting it (greeted, and the others told); and a member's
 * departure, however it went.
 */
import { refusal } from "../../shared/errors";
import type { Format } from "../../shared/format";
import type { ConnectParams } from "../../shared/frames";
import type { Result } from "../../shared/validate";
import { admitToken } from "../auth/tokens";
import { tellDirectory } from "../operator/directory";
import { tellJoined } from "../person/tell";
import { clientAddress, pseudonym, sha256Hex } from "../platform/identity";
import { type Attachment, newMemberId, presentMemberOf, senderOf } from "./attachment";
import type { Connection, Peer } from "./audience";
import { greeting } from "./greeting";
import type { RoomParts } from "./parts";

/**
 * Who a new connection is, or why it may not enter: its token (checked
 * again here, where the room's bans are known), a ban that binds it (placed
 * by a role above the one it comes with), a full room.
 */
export async function admission(room: RoomParts, params: ConnectParams, request: Request, format: Format): Promise<Result<Attachment>> {
  const admitted = await admitToken(params.token, room.name, room.env, room.limits);
  if (!admitted.ok) return admitted;
  const { identity, role } = admitted.value;
  const id = identity ? identity.sub : newMemberId();
  const who = identity ? `sub:${identity.sub}` : `addr:${await sha256Hex(clientAddress(request))}`;
  // Everything awaited comes before the checks: an await lets other events run (a ban, other joins) in between.
  const sender = identity ? who : await senderOf(params.key, id);
  const alias = await pseudonym(id);
  const ban = room.sanctions.binding(who, "ban", role, Date.now());
  if (ban) return { ok: false, error: refusal.banned(room.name, ban.reason ?? undefined) };
  if (room.audience.size >= room.limits.MAX_ROOM_MEMBERS) {
    return { ok: false, error: refusal.roomFull(room.name, room.limits.MAX_ROOM_MEMBERS) };
  }
  return {
    ok: true,
    value: {
      id,
      alias,
      nick: identity ? identity.name : (params.nick ?? ""),
      room: room.name,
      format,
      sender,
      role,
      identity: who,
    },
  };
}

/**
 * Registers a new member, greets it, and tells the others. The room
 * remembers the role it came with, so that role order holds once it is gone.
 * A token member's object (src/server/person) is told it joined: one RPC the
 * greeting does not wait for. The room's first member makes it active in the
 * operator's directory (src/server/operator), its last one idle.
 */
export function admit(room: RoomParts, conn: Connection, since: number | undefined): void {
  room.audience.add(conn);
  room.stats.joined(Date.now());
  if (room.audience.size === 1) tellDirectory(room.env, room.name, true);
  room.sanctions.entered(conn.att.identity, conn.att.role);
  room.reply(conn, greeting(room, conn, since));
  room.presence.arrived(presentMemberOf(conn.att), conn.att.alias);
  tellJoined(room.env, conn.att, room.name, room.history.lastSeq);
}

/**
 * Removes a member once, however it went, and tells the others;
 * `markLeft` records it on the socket. Sends it queued before going are
 * still stored and delivered by the next flush; a departure needs no flush
 * first, since the departed socket hears nothing more and presence is not on
 * the seq stream.
 */
export function depart(room: RoomParts, peer: Peer, markLeft = false): void {
  const att = room.audience.remove(peer, markLeft);
  if (!att) return;
  room.presence.departed(presentMemberOf(att), att.alias);
  if (room.audience.size === 0) tellDirectory(room.env, room.name, false);
}
