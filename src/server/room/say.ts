/**
 * Saying something: a member's `send_to_room`, or a message posted over HTTP.
 * Both join the group-commit queue (commit.ts).
 */
import { refusal } from "../../shared/errors";
import { type Member, type ReplyRef, snippetOf } from "../../shared/events";
import type { SendFrame } from "../../shared/frames";
import type { Result } from "../../shared/validate";
import { debugEnabled, log } from "../platform/log";
import { memberOf } from "./attachment";
import type { Connection } from "./audience";
import { keptMessage } from "./changes";
import type { Appended } from "./history";
import type { RoomParts } from "./parts";
import { type Speaker, silenced } from "./sanctions";

export function say(room: RoomParts, conn: Connection, frame: SendFrame): void {
  // Readers, bans and mutes were checked by dispatch (actions.ts): a send is speech.
  const { msg: text, id } = frame;
  let replyTo: ReplyRef | undefined;
  if (frame.replyTo !== undefined) {
    const answered = keptMessage(room, frame.replyTo, id);
    if (!answered.ok) {
      room.reply(conn, answered.error);
      return;
    }
    const { message } = answered.value;
    replyTo = { seq: message.seq, nick: message.from.nick, snippet: snippetOf(message.text) };
  }
  if (debugEnabled(room.env)) log("message", { room: room.name, conn: conn.att.alias, text });
  // Mentioning oneself would count for nobody: it is dropped.
  const mentions = frame.mentions?.filter((member) => member !== conn.att.id);
  room.commit.enqueue({
    from: memberOf(conn.att),
    sender: conn.att.sender,
    text,
    id,
    replyTo,
    mentions: mentions?.length ? mentions : undefined,
    conn: conn.att.alias,
    // The message itself reaches the sender in the broadcast. A resent id is
    // answered to its sender alone: the original, or that it is no longer kept.
    // A failed batch was logged once by the commit, so its error is sent unlogged.
    settle: (result) => {
      // A failed batch was logged once by the commit; a refusal by the hook is a refusal like any.
      if (!result.ok) result.error.code === "internal" ? room.audience.send(conn, result.error) : room.reply(conn, result.error);
      else if ("prunedSeq" in result.value) room.reply(conn, refusal.alreadyStored(id ?? "", result.value.prunedSeq));
      // Stored: an anonymous speaker's address is remembered, so a ban placed after it left still reaches it.
      else if (result.value.created) room.sanctions.spoke(conn.att);
      else room.reply(conn, result.value.message);
    },
  });
}

/** A message posted over HTTP, as the worker authorised it. */
export interface HttpPost {
  from: Member;
  /** Whose ids `id` is among (see Sender in attachment.ts). */
  sender: string;
  /**
   * Who speaks, for the speech check: a token poster's `sub:` and role, or
   * an anonymous poster's `addr:` (hashed address) as a member; undefined
   * for the app's API-key posts, which no member's sanction binds.
   */
  speaker?: Speaker;
  text: string;
  id: string | undefined;
}

/**
 * Queues a message posted over HTTP (already validated and authorised by the
 * worker) with the socket sends; settles once its batch is stored or rolled
 * back. It goes through the same speech check as a socket's send: a poster
 * a ban or mute binds (its token's sub, or its address) is refused.
 */
export function post(room: RoomParts, post: HttpPost): Promise<Result<Appended>> {
  // A message is with the before-send hook: this post waits its turn (gate.ts).
  if (room.gate.busy) return new Promise((resolve) => room.gate.later(() => void postNow(room, post).then(resolve)));
  return postNow(room, post);
}

function postNow(room: RoomParts, post: HttpPost): Promise<Result<Appended>> {
  if (post.speaker) {
    const silence = silenced(room.sanctions, room.name, post.speaker, Date.now(), post.id);
    if (silence) return Promise.resolve({ ok: false, error: silence });
  }
  let settle: (result: Result<Appended>) => void = () => {};
  const settled = new Promise<Result<Appended>>((resolve) => {
    settle = resolve;
  });
  // Outside the promise's executor, so that a throw reaches the caller's error boundary.
  room.commit.enqueue({ from: post.from, sender: post.sender, text: post.text, id: post.id, settle });
  return settled;
}
