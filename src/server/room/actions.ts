/**
 * What the room does with a member's frame: {@link receive} parses it and
 * charges the rate limit, {@link dispatch} runs its action's handler from
 * {@link ACTION_HANDLERS} — one per action of the contract
 * (src/shared/frames.ts), which the compiler holds complete. A handler only
 * ever sees a frame that parsed and passed the rate limit — and, if its
 * action is speech, the speech check.
 */
import { DISCONNECT } from "../../shared/codes";
import { refusal } from "../../shared/errors";
import { type Action, type ActionFrames, type ClientFrame, parseClientFrame, refOf } from "../../shared/frames";
import type { Limits } from "../../shared/limits";
import type { Result } from "../../shared/validate";
import type { TokenBucket, Verdict } from "../platform/token-bucket";
import { depart } from "./admission";
import type { Connection } from "./audience";
import { deleteMessage, edit, react } from "./changes";
import { join } from "./join";
import { leave } from "./leave";
import { members } from "./members";
import { moderate } from "./moderation";
import type { RoomParts } from "./parts";
import { read } from "./read";
import { silenced } from "./sanctions";
import { say } from "./say";
import { search } from "./search";
import { typing } from "./typing";

interface ActionHandler<A extends Action> {
  /**
   * The action joins the group-commit queue (commit.ts), to be stored in seq
   * order with the sends around it. Every other action first has the queue
   * stored and delivered, so that nothing it does can overtake a send that
   * arrived before it.
   */
  groupCommit?: true;
  /**
   * The action is a way of speaking: it goes through the one speech check
   * (`silenced`, sanctions.ts) first, which refuses readers and members a
   * ban or mute binds. `stored`: a refusal is answered (and what the action
   * stores remembers an anonymous speaker's address, so a ban after it left
   * still reaches it: say.ts, changes.ts). `notice`: refused without a word,
   * as nothing answers a typing notice.
   */
  speech?: "stored" | "notice";
  run(room: RoomParts, conn: Connection, frame: ActionFrames[A]): void;
}

export const ACTION_HANDLERS: { [A in Action]: ActionHandler<A> } = {
  join: { run: join },
  send_to_room: { groupCommit: true, speech: "stored", run: say },
  leave: { run: leave },
  // A moderation event speaks to the room too (its reason included).
  kick: { speech: "stored", run: moderate },
  ban: { speech: "stored", run: moderate },
  unban: { speech: "stored", run: moderate },
  mute: { speech: "stored", run: moderate },
  // Taking one's own words back says nothing new: a muted member or a reader may.
  delete: { run: deleteMessage },
  members: { run: members },
  edit: { speech: "stored", run: edit },
  react: { speech: "stored", run: react },
  // Not stored, so nothing to order it after: but a send before it should still show first.
  typing: { speech: "notice", run: typing },
  // A read: readers may search.
  search: { run: search },
  // Not speech: a reader, a muted member, anyone in the room may say how far it read.
  read: { run: read },
};

/** A member's frame as the object holding its socket read it: parsed and validated, and what its rate limit said. */
export interface Heard {
  input: Result<ClientFrame>;
  verdict: Verdict;
}

/** Reads one frame from a socket: parse and validate, spend a token (the writer for its own sockets, a shard for its members). */
export function hear(data: string | ArrayBuffer, limits: Limits, bucket: TokenBucket): Heard {
  return { input: parseClientFrame(data, limits), verdict: bucket.take(Date.now()) };
}

/** Handles one frame a member sent, as {@link hear} read it: dispatched, or refused for its rate. */
export function receive(room: RoomParts, conn: Connection, heard: Heard): void {
  const { input: parsed, verdict } = heard;
  if (verdict === "ok") {
    dispatch(room, conn, parsed);
    return;
  }
  // Over the limit: nothing of the frame happens. A member that keeps flooding is closed.
  const ref = refOf(parsed);
  const error = verdict === "close" ? refusal.flooding(ref) : refusal.rateLimited(room.limits.RATE_LIMIT_PER_SECOND, ref);
  dispatch(room, conn, { ok: false, error });
  if (verdict === "close") {
    depart(room, conn.peer);
    room.audience.close(conn.peer, DISCONNECT.flooding);
  }
}

/**
 * The one way a frame takes effect, and where the ordering rule lives: a
 * group-commit action (a send) joins the queue; anything else — an action or
 * a refusal — first has the queue stored and delivered, so that nothing it
 * says or does overtakes a send that arrived before it. It is also where
 * every spoken frame meets the speech check (sanctions.ts), whichever path
 * it came by.
 */
export function dispatch(room: RoomParts, conn: Connection, input: Result<ClientFrame>): void {
  if (waitsForHook(room, conn, input)) return;
  const handler = input.ok ? (ACTION_HANDLERS[input.value.action] as ActionHandler<ClientFrame["action"]>) : undefined;
  const silence = handler?.speech && silenced(room.sanctions, room.name, conn.att, Date.now(), refOf(input));
  if (!handler?.groupCommit || silence) {
    room.commit.flush();
    // The queue may have gone to the hook: then this frame comes after it.
    if (waitsForHook(room, conn, input)) return;
  }
  if (!input.ok) room.reply(conn, input.error);
  else if (silence) {
    if (handler?.speech === "stored") room.reply(conn, silence);
  } else {
    handler?.run(room, conn, input.value);
  }
}

/** While a message is with the before-send hook, a frame waits its turn (gate.ts) and is dispatched after it. */
function waitsForHook(room: RoomParts, conn: Connection, input: Result<ClientFrame>): boolean {
  if (!room.gate.busy) return false;
  room.gate.later(() => dispatch(room, conn, input));
  return true;
}
