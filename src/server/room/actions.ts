/**
 * What the room does for each client action: one handler per action of the
 * contract (src/shared/frames.ts), which the compiler holds complete. A
 * handler only ever sees a frame that parsed and passed the rate limit, and
 * runs in the order the room's dispatch sets (see {@link ActionHandler.batched}).
 */
import type { Action, ActionFrames, ModerationFrame, SendFrame } from "../../shared/frames";
import type { Connection } from "./connections";

/** The room's behaviour, as the handlers may use it. */
export interface RoomBehaviour {
  /** Admits a new connection, or answers a member that joins again. */
  join(conn: Connection, room: string, since: number | undefined): void;
  /** Queues a message for the next group commit. */
  say(conn: Connection, frame: SendFrame): void;
  /** Changes the text of the member's own message. */
  edit(conn: Connection, seq: number, text: string): void;
  /** Toggles the member's reaction on a message. */
  react(conn: Connection, seq: number, emoji: string): void;
  /** Tells the others the member is typing (not stored). */
  typing(conn: Connection): void;
  leave(conn: Connection): void;
  /** Kick, ban, unban or mute: moderators and owners only. */
  moderate(conn: Connection, frame: ModerationFrame): void;
  /** Tombstones a message: its author, or a moderator. */
  deleteMessage(conn: Connection, seq: number): void;
  /** Answers with a page of the member list. */
  listMembers(conn: Connection, after: string | undefined, limit: number | undefined): void;
}

export interface ActionHandler<A extends Action> {
  /**
   * A batched action joins the room's group-commit queue. Every other action
   * first has the queue stored and delivered, so that nothing it does can
   * overtake a send that arrived before it.
   */
  batched?: true;
  run(room: RoomBehaviour, conn: Connection, frame: ActionFrames[A]): void;
}

export const ACTION_HANDLERS: { [A in Action]: ActionHandler<A> } = {
  join: { run: (room, conn, frame) => room.join(conn, frame.msg, frame.since) },
  send_to_room: { batched: true, run: (room, conn, frame) => room.say(conn, frame) },
  leave: { run: (room, conn) => room.leave(conn) },
  kick: { run: (room, conn, frame) => room.moderate(conn, frame) },
  ban: { run: (room, conn, frame) => room.moderate(conn, frame) },
  unban: { run: (room, conn, frame) => room.moderate(conn, frame) },
  mute: { run: (room, conn, frame) => room.moderate(conn, frame) },
  delete: { run: (room, conn, frame) => room.deleteMessage(conn, frame.seq) },
  members: { run: (room, conn, frame) => room.listMembers(conn, frame.after, frame.limit) },
  edit: { run: (room, conn, frame) => room.edit(conn, frame.seq, frame.msg) },
  react: { run: (room, conn, frame) => room.react(conn, frame.seq, frame.emoji) },
  // Not stored, so nothing to order it after: but a send before it should still show first.
  typing: { run: (room, conn) => room.typing(conn) },
};
