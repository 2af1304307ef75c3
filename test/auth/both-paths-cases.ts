/**
 * Every action of the contract (src/shared/frames.ts), each valid form and
 * each refusal, as test/auth/both-paths.test.ts sends them on a direct socket
 * and after an in-band join. The table is typed by `Action`: an action added
 * to the contract does not compile here until it has cases, and from then on
 * both paths are compared on it.
 *
 * The room each case starts from (see `world` in both-paths.ts): PEER's
 * message (seq 1), PEER's message deleted (seq 2, its delete seq 3), then the
 * actor's own message (seq 4, id `a1`); MOD and PEER are in the room, and
 * the actor joined last. In a frame, `<room>` stands for that room's name,
 * `<other>` for another room's, `<token>` for the actor's token.
 */
import type { Role } from "../../src/shared/auth";
import type { Action } from "../../src/shared/frames";
import { MAX_MENTIONS, MAX_REACTIONS } from "../../src/shared/limits";

/** Seqs of the room every case starts from. */
export const SEQ = { peers: 1, deleted: 2, mine: 4, none: 99 } as const;

/** What a case sends: an object as JSON; a string as it is (escapes, broken JSON); bytes as a binary frame. */
export type Frame = object | string | Uint8Array;

/** The ways the two paths differ on purpose (docs/protocol.md); both-paths.test.ts checks each as it is documented. */
export type Difference = "joins again" | "moves rooms" | "stays open after leave";

export interface Case {
  /** What it checks; unique across the table. */
  name: string;
  frames: Frame[];
  /** What the actor gets on the direct path: each event's type (an error's `error:<code>`, a close's `closed:<code>`). */
  answer: string[];
  /** The actor's role (in its token); member unless said. */
  as?: Role;
  /** Frames MOD sends once the actor is in, before the case. */
  before?: object[];
  /** Set only where the paths differ on purpose. */
  differs?: Difference;
}

/** MAX_REACTIONS distinct emoji: a message that carries them all takes no new one. */
const FULL_OF_REACTIONS = [..."😀😃😄😁😆😅😂🤣😊😇🙂🙃😉😌😍🥰😘😗😙😚😋😛"].slice(0, MAX_REACTIONS);

const ok = { message: ["message"], edit: ["edit"], reaction: ["reaction"], moderation: ["moderation"], delete: ["delete"] };
const refused = (code: string) => [`error:${code}`];

export const CASES: { [A in Action]: Case[] } = {
  join: [
    {
      name: "join: this room again",
      frames: [{ action: "join", msg: "<room>", token: "<token>" }],
      answer: ["joined"],
      differs: "joins again",
    },
    {
      name: "join: another room",
      frames: [{ action: "join", msg: "<other>", token: "<token>" }],
      answer: refused("room_bound"),
      differs: "moves rooms",
    },
    { name: "join: a room with a slash", frames: [{ action: "join", msg: "a/b" }], answer: refused("invalid_room") },
    { name: "join: a numeric room", frames: [{ action: "join", msg: 8888, nick: "n" }], answer: refused("invalid_room") },
    { name: "join: no nick, no token", frames: [{ action: "join", msg: "<room>" }], answer: refused("invalid_nick") },
    {
      name: "join: a bad since",
      frames: [{ action: "join", msg: "<room>", token: "<token>", since: -1 }],
      answer: refused("invalid_since"),
    },
    {
      name: "join: a bad key",
      frames: [{ action: "join", msg: "<room>", token: "<token>", key: "short" }],
      answer: refused("invalid_key"),
    },
    { name: "join: a token that is no string", frames: [{ action: "join", msg: "<room>", token: 5 }], answer: refused("unauthenticated") },
    { name: "join: spelt with a \\u escape, a bad room", frames: ['{"action":"\\u006aoin","msg":""}'], answer: refused("invalid_room") },
  ],
  send_to_room: [
    { name: "send: plain", frames: [{ action: "send_to_room", msg: "hi", id: "s1" }], answer: ok.message },
    {
      name: "send: text saying join and leave",
      frames: [{ action: "send_to_room", msg: "I'll join you, then leave", id: "s2" }],
      answer: ok.message,
    },
    { name: "send: \\u escapes", frames: ['{"action":"send_to_room","msg":"caf\\u00e9 \\ud83d\\ude00","id":"s3"}'], answer: ok.message },
    { name: "send: escaped field names", frames: ['{"\\u0061ction":"send_to_room","\\u006dsg":"x","id":"s4"}'], answer: ok.message },
    { name: "send: a nick field (ignored)", frames: [{ action: "send_to_room", msg: "i am", nick: "join", id: "s5" }], answer: ok.message },
    { name: "send: no id (the server makes one)", frames: [{ action: "send_to_room", msg: "no id" }], answer: ok.message },
    { name: "send: a reply", frames: [{ action: "send_to_room", msg: "re", replyTo: SEQ.peers, id: "s6" }], answer: ok.message },
    { name: "send: a resent id", frames: [{ action: "send_to_room", msg: "mine", id: "a1" }], answer: ok.message },
    { name: "send: empty", frames: [{ action: "send_to_room", msg: " ", id: "s7" }], answer: refused("invalid_message") },
    { name: "send: msg not a string", frames: [{ action: "send_to_room", msg: { x: 1 } }], answer: refused("invalid_message") },
    { name: "send: too long", frames: [{ action: "send_to_room", msg: "x".repeat(4001) }], answer: refused("invalid_message") },
    { name: "send: a lone surrogate", frames: ['{"action":"send_to_room","msg":"\\ud83d"}'], answer: refused("invalid_message") },
    { name: "send: a bad id", frames: [{ action: "send_to_room", msg: "x", id: "" }], answer: refused("invalid_id") },
    { name: "send: a bad replyTo", frames: [{ action: "send_to_room", msg: "x", replyTo: "1" }], answer: refused("bad_frame") },
    {
      name: "send: mentions",
      frames: [{ action: "send_to_room", msg: "hey @peer", mentions: ["peer", "mod"], id: "s9" }],
      answer: ok.message,
    },
    {
      name: "send: mentions past MAX_MENTIONS",
      frames: [{ action: "send_to_room", msg: "x", mentions: Array.from({ length: MAX_MENTIONS + 1 }, (_, i) => `m${i}`) }],
      answer: refused("bad_frame"),
    },
    {
      name: "send: mentions that are no array",
      frames: [{ action: "send_to_room", msg: "x", mentions: "peer" }],
      answer: refused("bad_frame"),
    },
    { name: "send: a mention that is no id", frames: [{ action: "send_to_room", msg: "x", mentions: [""] }], answer: refused("bad_frame") },
    {
      name: "send: a reply to no message",
      frames: [{ action: "send_to_room", msg: "x", replyTo: SEQ.none }],
      answer: refused("no_such_message"),
    },
    {
      name: "send: a reply to a deleted one",
      frames: [{ action: "send_to_room", msg: "x", replyTo: SEQ.deleted }],
      answer: refused("message_deleted"),
    },
    { name: "send: by a reader", as: "reader", frames: [{ action: "send_to_room", msg: "x", id: "s8" }], answer: refused("forbidden") },
    {
      name: "send: while muted",
      before: [{ action: "mute", member: "actor", seconds: 60 }],
      frames: [{ action: "send_to_room", msg: "x" }],
      answer: refused("muted"),
    },
  ],
  edit: [
    { name: "edit: saying join", frames: [{ action: "edit", seq: SEQ.mine, msg: "I'll join you later" }], answer: ok.edit },
    { name: "edit: saying leave", frames: [{ action: "edit", seq: SEQ.mine, msg: "time to leave" }], answer: ok.edit },
    { name: "edit: \\u escapes", frames: ['{"action":"edit","seq":4,"msg":"\\u00e9t\\u00e9"}'], answer: ok.edit },
    { name: "edit: another's message", frames: [{ action: "edit", seq: SEQ.peers, msg: "x" }], answer: refused("forbidden") },
    { name: "edit: no such message", frames: [{ action: "edit", seq: SEQ.none, msg: "x" }], answer: refused("no_such_message") },
    { name: "edit: a deleted message", frames: [{ action: "edit", seq: SEQ.deleted, msg: "x" }], answer: refused("message_deleted") },
    { name: "edit: a bad seq", frames: [{ action: "edit", seq: 0, msg: "x" }], answer: refused("bad_frame") },
    { name: "edit: empty text", frames: [{ action: "edit", seq: SEQ.mine, msg: "" }], answer: refused("invalid_message") },
    {
      name: "edit: while muted",
      before: [{ action: "mute", member: "actor", seconds: 60 }],
      frames: [{ action: "edit", seq: SEQ.mine, msg: "new words" }],
      answer: refused("muted"),
    },
  ],
  react: [
    {
      name: "react: on and off",
      frames: [1, 2].map(() => ({ action: "react", seq: SEQ.peers, emoji: "👍" })),
      answer: ["reaction", "reaction"],
    },
    { name: "react: an emoji in \\u escapes", frames: ['{"action":"react","seq":1,"emoji":"\\ud83d\\udc4d"}'], answer: ok.reaction },
    { name: "react: not an emoji", frames: [{ action: "react", seq: SEQ.peers, emoji: "join" }], answer: refused("invalid_emoji") },
    { name: "react: no such message", frames: [{ action: "react", seq: SEQ.none, emoji: "👍" }], answer: refused("no_such_message") },
    { name: "react: a deleted message", frames: [{ action: "react", seq: SEQ.deleted, emoji: "👍" }], answer: refused("message_deleted") },
    { name: "react: a bad seq", frames: [{ action: "react", seq: "1", emoji: "👍" }], answer: refused("bad_frame") },
    { name: "react: by a reader", as: "reader", frames: [{ action: "react", seq: SEQ.peers, emoji: "👍" }], answer: refused("forbidden") },
    {
      name: "react: one emoji too many",
      before: FULL_OF_REACTIONS.map((emoji) => ({ action: "react", seq: SEQ.peers, emoji })),
      frames: [{ action: "react", seq: SEQ.peers, emoji: "👍" }],
      answer: refused("too_many_reactions"),
    },
    {
      name: "react: while muted",
      before: [{ action: "mute", member: "actor", seconds: 60 }],
      frames: [{ action: "react", seq: SEQ.peers, emoji: "👍" }],
      answer: refused("muted"),
    },
  ],
  typing: [
    { name: "typing", frames: [{ action: "typing" }], answer: [] },
    { name: "typing: with a msg saying leave", frames: [{ action: "typing", msg: "leave" }], answer: [] },
    { name: "typing: by a reader (told to nobody)", as: "reader", frames: [{ action: "typing" }], answer: [] },
    {
      name: "typing: while muted (told to nobody)",
      before: [{ action: "mute", member: "actor", seconds: 60 }],
      frames: [{ action: "typing" }],
      answer: [],
    },
  ],
  leave: [
    { name: "leave", frames: [{ action: "leave" }], answer: ["left", "closed:1000"], differs: "stays open after leave" },
    {
      name: "leave: the original's frame",
      frames: [{ action: "leave", msg: "", nick: "n" }],
      answer: ["left", "closed:1000"],
      differs: "stays open after leave",
    },
    {
      name: "leave: spelt with a \\u escape",
      frames: ['{"action":"le\\u0061ve"}'],
      answer: ["left", "closed:1000"],
      differs: "stays open after leave",
    },
    { name: "leave: a msg that is no string", frames: [{ action: "leave", msg: 5 }], answer: refused("bad_frame") },
  ],
  kick: [
    {
      name: "kick: a member, with a reason saying join",
      as: "moderator",
      frames: [{ action: "kick", member: "peer", reason: "join later" }],
      answer: ok.moderation,
    },
    { name: "kick: by a member", frames: [{ action: "kick", member: "peer" }], answer: refused("forbidden") },
    {
      name: "kick: a moderator, by a moderator",
      as: "moderator",
      frames: [{ action: "kick", member: "mod" }],
      answer: refused("forbidden"),
    },
    { name: "kick: nobody", as: "moderator", frames: [{ action: "kick", member: "nobody" }], answer: refused("no_such_member") },
    { name: "kick: no member", as: "moderator", frames: [{ action: "kick" }], answer: refused("bad_frame") },
    {
      name: "kick: a reason on two lines",
      as: "moderator",
      frames: [{ action: "kick", member: "peer", reason: "a\nb" }],
      answer: refused("bad_frame"),
    },
  ],
  ban: [
    {
      name: "ban: a member for a minute",
      as: "moderator",
      frames: [{ action: "ban", member: "peer", seconds: 60, reason: "leave" }],
      answer: ok.moderation,
    },
    { name: "ban: one not in the room", as: "moderator", frames: [{ action: "ban", member: "ghost" }], answer: ok.moderation },
    { name: "ban: by a member", frames: [{ action: "ban", member: "peer" }], answer: refused("forbidden") },
    { name: "ban: bad seconds", as: "moderator", frames: [{ action: "ban", member: "peer", seconds: 0 }], answer: refused("bad_frame") },
  ],
  unban: [
    {
      name: "unban: a banned member",
      as: "moderator",
      before: [{ action: "ban", member: "ghost" }],
      frames: [{ action: "unban", member: "ghost" }],
      answer: ok.moderation,
    },
    { name: "unban: by a member", frames: [{ action: "unban", member: "ghost" }], answer: refused("forbidden") },
    {
      name: "unban: a member id that is no string",
      as: "moderator",
      frames: [{ action: "unban", member: 7 }],
      answer: refused("bad_frame"),
    },
  ],
  mute: [
    { name: "mute: a member, the default time", as: "moderator", frames: [{ action: "mute", member: "peer" }], answer: ok.moderation },
    {
      name: "mute: a member for a minute",
      as: "moderator",
      frames: [{ action: "mute", member: "peer", seconds: 60 }],
      answer: ok.moderation,
    },
    { name: "mute: by a member", frames: [{ action: "mute", member: "peer" }], answer: refused("forbidden") },
    {
      name: "mute: seconds as a string",
      as: "moderator",
      frames: [{ action: "mute", member: "peer", seconds: "60" }],
      answer: refused("bad_frame"),
    },
  ],
  delete: [
    { name: "delete: one's own", frames: [{ action: "delete", seq: SEQ.mine }], answer: ok.delete },
    { name: "delete: another's, by a moderator", as: "moderator", frames: [{ action: "delete", seq: SEQ.peers }], answer: ok.delete },
    { name: "delete: another's, by a member", frames: [{ action: "delete", seq: SEQ.peers }], answer: refused("forbidden") },
    { name: "delete: no such message", frames: [{ action: "delete", seq: SEQ.none }], answer: refused("no_such_message") },
    { name: "delete: a deleted message", frames: [{ action: "delete", seq: SEQ.deleted }], answer: refused("message_deleted") },
    { name: "delete: no seq", frames: [{ action: "delete" }], answer: refused("bad_frame") },
    {
      name: "delete: one's own, while muted",
      before: [{ action: "mute", member: "actor", seconds: 60 }],
      frames: [{ action: "delete", seq: SEQ.mine }],
      answer: ok.delete,
    },
  ],
  read: [
    { name: "read: up to one's own message", frames: [{ action: "read", seq: SEQ.mine }], answer: [] },
    { name: "read: past the stream (held at its end)", frames: [{ action: "read", seq: SEQ.none }], answer: [] },
    { name: "read: by a reader", as: "reader", frames: [{ action: "read", seq: SEQ.peers }], answer: [] },
    {
      name: "read: while muted",
      before: [{ action: "mute", member: "actor", seconds: 60 }],
      frames: [{ action: "read", seq: SEQ.peers }],
      answer: [],
    },
    { name: "read: a seq of 0", frames: [{ action: "read", seq: 0 }], answer: refused("bad_frame") },
    { name: "read: no seq", frames: [{ action: "read" }], answer: refused("bad_frame") },
  ],
  members: [
    { name: "members", frames: [{ action: "members" }], answer: ["members"] },
    { name: "members: one a page, after the actor", frames: [{ action: "members", after: "actor", limit: 1 }], answer: ["members"] },
    { name: "members: a limit of 0", frames: [{ action: "members", limit: 0 }], answer: refused("bad_frame") },
    { name: "members: after no member id", frames: [{ action: "members", after: "" }], answer: refused("bad_frame") },
  ],
  search: [
    { name: "search: a word", frames: [{ action: "search", q: "join", id: "q1" }], answer: ["search"] },
    { name: "search: by a reader", as: "reader", frames: [{ action: "search", q: "mine" }], answer: ["search"] },
    {
      name: "search: before a seq, one a page",
      frames: [{ action: "search", q: "leave", before: SEQ.mine, limit: 1 }],
      answer: ["search"],
    },
    { name: "search: FTS5 syntax is searched as words", frames: [{ action: "search", q: 'NEAR("x" -y' }], answer: ["search"] },
    { name: "search: no word in it", frames: [{ action: "search", q: "?!" }], answer: refused("invalid_query") },
    { name: "search: q not a string", frames: [{ action: "search", q: 5 }], answer: refused("invalid_query") },
    { name: "search: a limit too large", frames: [{ action: "search", q: "x", limit: 51 }], answer: refused("bad_frame") },
    { name: "search: before no seq", frames: [{ action: "search", q: "x", before: 0 }], answer: refused("bad_frame") },
  ],
};

/** Frames that are no action at all: the room answers them on both paths. */
export const NO_ACTION: Case[] = [
  { name: "not JSON (says join)", frames: ["join"], answer: refused("bad_json") },
  { name: "a JSON array", frames: ['["leave"]'], answer: refused("bad_frame") },
  { name: "an unknown action", frames: [{ action: "joinx", msg: "<other>" }], answer: refused("unknown_action") },
  { name: "an action in capitals", frames: [{ action: "LEAVE" }], answer: refused("unknown_action") },
  { name: "no action", frames: [{ msg: "join" }], answer: refused("unknown_action") },
  { name: "a binary frame", frames: [new TextEncoder().encode('{"action":"leave"}')], answer: refused("binary_unsupported") },
  { name: "a frame over 16 KiB", frames: [{ action: "join", msg: "x".repeat(17_000) }], answer: refused("frame_too_large") },
];
