/**
 * Moderation: kick, ban, unban and mute, by moderators and owners on members
 * of a lower role — connected or not. Each action is an event on the room's
 * seq stream; bans and mutes are stored (sanctions.ts), so they outlive
 * evictions and restarts.
 *
 * Role order holds for absent members too: a member not connected is judged
 * by the role it last entered with (sanctions.ts remembers moderators and
 * owners), and a ban or mute already in force may be replaced or lifted only
 * by a role at least as high as the one that placed it.
 */
import { atLeast, mayModerate, type Role } from "../../shared/auth";
import { DISCONNECT } from "../../shared/codes";
import { refusal } from "../../shared/errors";
import type { ErrorEvent } from "../../shared/events";
import { type ModerationFrame, MUTE_DEFAULT_SECONDS } from "../../shared/frames";
import type { Result } from "../../shared/validate";
import { depart } from "./admission";
import { memberOf } from "./attachment";
import type { Connection } from "./audience";
import type { EventData } from "./history";
import type { RoomParts } from "./parts";

/** Whom an action reaches: the identity, and its connections the action acts on. */
interface Target {
  identity: string;
  reached: Connection[];
}

export function moderate(room: RoomParts, conn: Connection, frame: ModerationFrame): void {
  const { action, member, reason, seconds } = frame;
  const found = target(room, conn, frame);
  if (!found.ok) {
    room.reply(conn, found.error);
    return;
  }
  const { identity, reached } = found.value;
  const now = Date.now();
  const lasting = action === "mute" ? (seconds ?? MUTE_DEFAULT_SECONDS) : action === "ban" ? seconds : undefined;
  const data: EventData = { kind: "moderation", action, member };
  const nick = reached.find((t) => t.att.id === member)?.att.nick;
  if (nick !== undefined) data.nick = nick;
  if (reason) data.reason = reason;
  if (lasting !== undefined) data.seconds = lasting;
  // The sanction and its event are stored together, or neither is.
  const event = room.atomically(() => {
    if (action === "ban" || action === "mute") {
      room.sanctions.put({
        identity,
        kind: action,
        member,
        until: lasting === undefined ? null : now + lasting * 1000,
        reason: reason ?? null,
        by: conn.att.role,
      });
    } else if (action === "unban") {
      room.sanctions.lift(identity, "ban");
    }
    return room.webhooks.report(room.history.record(memberOf(conn.att), data, now));
  });
  room.audience.broadcast(event);
  if (action === "kick" || action === "ban") {
    const told = action === "kick" ? refusal.kicked(room.name, reason) : refusal.banned(room.name, reason);
    for (const t of reached) {
      room.reply(t, told);
      depart(room, t.peer, true);
      room.audience.close(t.peer, action === "kick" ? DISCONNECT.kicked : DISCONNECT.banned);
    }
  }
}

/**
 * Whom `frame` acts on, or why `conn` may not: only moderators act, only on
 * a role below their own, and never to undo or replace a sanction placed by
 * a higher role than theirs.
 */
function target(room: RoomParts, conn: Connection, frame: ModerationFrame): Result<Target> {
  const { action, member } = frame;
  const actor = conn.att.role;
  if (!atLeast(actor, "moderator")) return refused(refusal.forbidden(`only moderators may ${action}`));
  const named = room.audience.ofMember(member);
  // Only a connected member can be kicked.
  if (action === "kick" && named.length === 0) return refused(refusal.noSuchMember(member));
  // A member not connected: the identity the room knew it by, else a token member's sub.
  const identity = named[0]?.att.identity ?? room.sanctions.identityOf(member) ?? `sub:${member}`;
  // A kick reaches the member named; a sanction, every connection of its identity (an anonymous one: its address).
  const reached = action === "kick" ? named : room.audience.ofIdentity(identity);
  const role = reached.length > 0 ? strongest(reached) : room.sanctions.roleOf(identity);
  if (!mayModerate(actor, role)) return refused(refusal.forbidden(`you may not ${action} a member of your own role or above`));
  const kind = action === "unban" ? "ban" : action;
  const placed = kind === "kick" ? undefined : room.sanctions.inForce(identity, kind, Date.now());
  if (placed && !atLeast(actor, placed.by)) {
    return refused(refusal.forbidden(`only a ${placed.by} may ${action === "unban" ? "lift" : "change"} this ${kind}`));
  }
  return { ok: true, value: { identity, reached } };
}

function strongest(conns: Connection[]): Role {
  return conns.reduce<Role>((r, t) => (atLeast(t.att.role, r) ? t.att.role : r), "reader");
}

function refused(error: ErrorEvent): Result<Target> {
  return { ok: false, error };
}

/** Who lifts a sanction over the operator's API, as its event names it. */
const OPERATOR = { id: "operator", nick: "operator" };

/**
 * Lifts the ban or mute on `member` for the operator (GET/DELETE
 * /api/admin/…, whatever role placed it); returns whether one was in force.
 * A lifted ban is told to the room as an `unban` by "operator", on the seq
 * stream like any; a mute has no event of its own to lift it with, so its
 * end is not announced.
 */
export function liftByOperator(room: RoomParts, member: string, kind: "ban" | "mute"): boolean {
  const identity = room.sanctions.identityOf(member) ?? `sub:${member}`;
  if (!room.sanctions.inForce(identity, kind, Date.now())) return false;
  const event = room.atomically(() => {
    room.sanctions.lift(identity, kind);
    return kind === "ban" ? room.history.record(OPERATOR, { kind: "moderation", action: "unban", member }, Date.now()) : undefined;
  });
  if (event) room.audience.broadcast(event);
  return true;
}
