/**
 * What `GET /api/me/rooms` answers: the rooms a signed-in person joined,
 * each with their read marker and what is new after it. Shared, so the page
 * and the client package read the same types the server writes.
 */
import type { MessageEvent } from "./events";

/** A room the person still reaches: counted after their marker. */
export interface CountedRoom {
  room: string;
  access: "ok";
  /** The room's newest seq. */
  lastSeq: number;
  /** The seq the person read up to (every device of theirs shares it). */
  lastRead: number;
  /** Others' messages after `lastRead` that are not deleted; an edit or a reaction is no new message. */
  unread: number;
  /** Of those, the ones that mention the person. */
  mentions: number;
  /** The newest message the room keeps that is not deleted; null when there is none. */
  lastMessage: MessageEvent | null;
}

/**
 * A room on the list that is not counted: `lost` when the person's token no
 * longer reaches it (a private room it does not cover) or a ban binds them
 * there; `unavailable` when the room could not be asked this time.
 */
export interface UncountedRoom {
  room: string;
  access: "lost" | "unavailable";
  lastRead: number;
}

export type MyRoom = CountedRoom | UncountedRoom;

export interface MyRooms {
  /** Most recently active first: by the newest message's time, else by when the person joined. */
  rooms: MyRoom[];
}
