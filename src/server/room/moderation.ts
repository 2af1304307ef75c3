/**
 * Moderation: kick, ban, unban and mute, by moderators and owners on members
 * of a lower role. Each action is an event on the room's seq stream; bans
 * and mutes are stored (sanctions.ts), so they outlive evictions and restarts.
 */
import { atLeast, mayModerate, type Role } from "../../shared/auth";
import { DISCONNECT } from "../../shared/codes";
import { refusal } from "../../shared/errors";
import { type ModerationFrame, MUTE_DEFAULT_SECONDS } from "../../shared/frames";
import { depart } from "./admission";
import { memberOf } from "./attachment";
import type { Connection } from "./connections";
import type { EventData } from "./history";
import type { RoomParts } from "./parts";

export function moderate(room: RoomParts, conn: Connection, frame: ModerationFrame): void {
  const { action, member, reason, seconds } = frame;
  if (!atLeast(conn.att.role, "moderator")) {
    room.reply(conn, refusal.forbidden(`only moderators may ${action}`));
    return;
  }
  const targets = room.connections.ofMember(member);
  const target = targets[0]?.att;
  // A member not connected: the identity it was sanctioned under before, else a token member's sub.
  const identity = target?.identity ?? room.sanctions.identityOf(member) ?? (action === "kick" ? undefined : `sub:${member}`);
  if (!identity) {
    room.reply(conn, refusal.noSuchMember(member));
    return;
  }
  const strongest = targets.reduce<Role>((r, t) => (atLeast(t.att.role, r) ? t.att.role : r), "reader");
  if (!mayModerate(conn.att.role, strongest)) {
    room.reply(conn, refusal.forbidden(`you may not ${action} a member of your own role or above`));
    return;
  }
  const now = Date.now();
  const lasting = action === "mute" ? (seconds ?? MUTE_DEFAULT_SECONDS) : action === "ban" ? seconds : undefined;
  if (action === "ban" || action === "mute") {
    room.sanctions.put({
      identity,
      kind: action,
      member,
      until: lasting === undefined ? null : now + lasting * 1000,
      reason: reason ?? null,
    });
  } else if (action === "unban") {
    room.sanctions.lift(member, "ban");
  }
  const data: EventData = { kind: "moderation", action, member };
  if (target) data.nick = target.nick;
  if (reason) data.reason = reason;
  if (lasting !== undefined) data.seconds = lasting;
  room.connections.broadcast(room.history.record(memberOf(conn.att), data, now));
  if (action === "kick" || action === "ban") {
    const told = action === "kick" ? refusal.kicked(room.name, reason) : refusal.banned(room.name, reason);
    for (const t of targets) {
      room.reply(t, told);
      depart(room, t.ws, true);
      room.connections.close(t.ws, action === "kick" ? DISCONNECT.kicked : DISCONNECT.banned);
    }
  }
}
