/**
 * Messages that change: edits (the author), reactions (members, toggled per
 * sender), deletes (the author or a moderator). Each change is an event with
 * its own seq; the stored message takes the latest text or becomes a
 * tombstone. The author is the sender — a token's sub or a browser's key —
 * so it survives a reconnect. Edits and reactions are speech: readers, bans
 * and mutes were checked by dispatch (actions.ts) before they get here.
 */
import { atLeast } from "../../shared/auth";
import { refusal } from "../../shared/errors";
import type { MessageEvent } from "../../shared/events";
import type { DeleteFrame, EditFrame, ReactFrame } from "../../shared/frames";
import { MAX_REACTIONS } from "../../shared/limits";
import type { Result } from "../../shared/validate";
import { memberOf } from "./attachment";
import type { Connection } from "./audience";
import type { RoomParts } from "./parts";

export function edit(room: RoomParts, conn: Connection, frame: EditFrame): void {
  const { seq, msg: text } = frame;
  const found = keptMessage(room, seq);
  if (!found.ok) {
    room.reply(conn, found.error);
    return;
  }
  // The author only: the same sender (a token's sub, or a browser's key) — moderators delete, they do not rewrite.
  if (found.value.sender !== conn.att.sender) {
    room.reply(conn, refusal.forbidden("only its author may edit a message"));
    return;
  }
  // An edit is shown to the before-send hook too, so that what it refused cannot come back as an edit.
  if (!room.beforeSend.on) {
    rewrite(room, conn, found.value.message, text);
    return;
  }
  const draft = { room: room.name, from: memberOf(conn.att), text, edit: seq };
  room.gate.hold(room.beforeSend.check(draft), (verdict) => {
    if (verdict.allow) rewrite(room, conn, found.value.message, verdict.text);
    else room.reply(conn, refusal.rejected(verdict.reason));
  });
}

/** Stores an edit (the message's new text, and the edit event) and tells the room. */
function rewrite(room: RoomParts, conn: Connection, message: MessageEvent, text: string): void {
  const seq = message.seq;
  const event = room.atomically(() => {
    room.history.rewrite(message, text);
    room.webhooks.rewrite(seq, text);
    room.sanctions.spoke(conn.att);
    return room.webhooks.report(room.history.record(memberOf(conn.att), { kind: "edit", target: seq, text }, Date.now()));
  });
  room.audience.broadcast(event);
}

export function react(room: RoomParts, conn: Connection, frame: ReactFrame): void {
  const { seq, emoji } = frame;
  const found = keptMessage(room, seq);
  if (!found.ok) {
    room.reply(conn, found.error);
    return;
  }
  // Counted per sender, like authorship: the same browser after a reconnect takes its reaction back.
  const event = room.atomically(() => {
    const on = room.history.toggleReaction(seq, emoji, conn.att.sender, MAX_REACTIONS);
    if (on === "full") return null;
    room.sanctions.spoke(conn.att);
    return room.webhooks.report(room.history.record(memberOf(conn.att), { kind: "reaction", target: seq, emoji, on }, Date.now()));
  });
  if (event) room.audience.broadcast(event);
  else room.reply(conn, refusal.tooManyReactions(seq, MAX_REACTIONS));
}

/** A message the room keeps and that is no tombstone, with its sender; otherwise why not (`ref` names the frame). */
export function keptMessage(room: RoomParts, seq: number, ref?: string): Result<{ sender: string; message: MessageEvent }> {
  const found = room.history.message(seq);
  if (!found) return { ok: false, error: refusal.noSuchMessage(seq, ref) };
  if (found.message.deleted) return { ok: false, error: refusal.messageDeleted(seq, ref) };
  return { ok: true, value: found };
}

export function deleteMessage(room: RoomParts, conn: Connection, frame: DeleteFrame): void {
  const { seq } = frame;
  const found = keptMessage(room, seq);
  if (!found.ok) {
    room.reply(conn, found.error);
    return;
  }
  if (found.value.sender !== conn.att.sender && !atLeast(conn.att.role, "moderator")) {
    room.reply(conn, refusal.forbidden("only its author or a moderator may delete a message"));
    return;
  }
  const event = room.atomically(() => {
    room.history.tombstone(seq);
    room.webhooks.tombstone(seq);
    return room.webhooks.report(room.history.record(memberOf(conn.att), { kind: "delete", target: seq }, Date.now()));
  });
  room.audience.broadcast(event);
}
