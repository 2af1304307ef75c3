/**
 * Messages that change: edits (the author), reactions (members, toggled per
 * sender), deletes (the author or a moderator). Each change is an event with
 * its own seq; the stored message takes the latest text or becomes a
 * tombstone. The author is the sender — a token's sub or a browser's key —
 * so it survives a reconnect.
 */
import { atLeast } from "../../shared/auth";
import { refusal } from "../../shared/errors";
import type { MessageEvent } from "../../shared/events";
import { MAX_REACTIONS } from "../../shared/limits";
import { memberOf } from "./attachment";
import type { Connection } from "./connections";
import type { RoomParts } from "./parts";

export function edit(room: RoomParts, conn: Connection, seq: number, text: string): void {
  const found = keptMessage(room, conn, seq);
  if (!found) return;
  // The author only: the same sender (a token's sub, or a browser's key) — moderators delete, they do not rewrite.
  if (found.sender !== conn.att.sender) {
    room.reply(conn, refusal.forbidden("only its author may edit a message"));
    return;
  }
  room.history.rewrite(found.message, text);
  room.connections.broadcast(room.history.record(memberOf(conn.att), { kind: "edit", target: seq, text }, Date.now()));
}

export function react(room: RoomParts, conn: Connection, seq: number, emoji: string): void {
  if (!atLeast(conn.att.role, "member")) {
    room.reply(conn, refusal.forbidden("readers may not react"));
    return;
  }
  if (!keptMessage(room, conn, seq)) return;
  // Counted per sender, like authorship: the same browser after a reconnect takes its reaction back.
  const on = room.history.toggleReaction(seq, emoji, conn.att.sender, MAX_REACTIONS);
  if (on === "full") {
    room.reply(conn, refusal.tooManyReactions(seq, MAX_REACTIONS));
    return;
  }
  room.connections.broadcast(room.history.record(memberOf(conn.att), { kind: "reaction", target: seq, emoji, on }, Date.now()));
}

/** A message the room keeps and that is no tombstone; otherwise the member is told why, and undefined. */
export function keptMessage(
  room: RoomParts,
  conn: Connection,
  seq: number,
  ref?: string,
): { sender: string; message: MessageEvent } | undefined {
  const found = room.history.message(seq);
  if (!found) room.reply(conn, refusal.noSuchMessage(seq, ref));
  else if (found.message.deleted) room.reply(conn, refusal.messageDeleted(seq, ref));
  else return found;
  return undefined;
}

export function deleteMessage(room: RoomParts, conn: Connection, seq: number): void {
  const message = keptMessage(room, conn, seq);
  if (!message) return;
  if (message.sender !== conn.att.sender && !atLeast(conn.att.role, "moderator")) {
    room.reply(conn, refusal.forbidden("only its author or a moderator may delete a message"));
    return;
  }
  room.history.tombstone(seq);
  room.connections.broadcast(room.history.record(memberOf(conn.att), { kind: "delete", target: seq }, Date.now()));
}
