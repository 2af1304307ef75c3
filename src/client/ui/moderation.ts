/**
 * What the reader's role lets them do, the moderator's controls (kick, mute
 * and ban in the member list; deleting anyone's message), and the notices of
 * a visit a moderator (or the room's admission) ended.
 */
import { atLeast, mayModerate, type Role } from "../../shared/auth";
import type { ErrorCode } from "../../shared/codes";
import type { ErrorEvent, ModerationAction, PresentMember } from "../../shared/events";
import { connection } from "./connection";
import { notConnected, notice, noticeAloud, showJoinError } from "./notices";

/** The reader's role in the current room (from `joined`). */
function myRole(): Role {
  return connection.self?.role ?? "member";
}

/** Whether the reader may write: send, reply, react, say they are typing. */
export function mayTalk(): boolean {
  return atLeast(myRole(), "member");
}

/** Whether the reader may delete messages that are not theirs. */
export function mayDeleteAny(): boolean {
  return atLeast(myRole(), "moderator");
}

/** What a member's moderation buttons do, or undefined when the reader may not act on them (themselves included). */
export function controlsFor(member: PresentMember): ((action: ModerationAction) => void) | undefined {
  if (member.id === connection.self?.id || !mayModerate(myRole(), member.role)) return undefined;
  return (action) => moderate(action, member);
}

/** A moderator's button: the action goes to the room, which answers with a moderation event (or an error). */
function moderate(action: ModerationAction, member: PresentMember): void {
  if (!connection.command({ action, member: member.id })) notConnected();
}

/** The errors that come just before the room closes on the reader: removed, banned, or not admitted. */
const ENDS_VISIT: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["kicked", "banned", "unauthenticated", "forbidden"]);

/** An error from the server, told in the flow. */
export function onError(error: ErrorEvent): void {
  // Told why before the room closes on us: say it where the join form is too, whose alert is what screen readers hear.
  if (ENDS_VISIT.has(error.code)) {
    notice(`Server: ${error.message}`, "error");
    showJoinError(null, error.message.charAt(0).toUpperCase() + error.message.slice(1));
  } else noticeAloud(`Server: ${error.message}`, "error");
}
