/**
 * `GET /api/me/rooms`, the worker's side: the person's object lists their
 * rooms and markers, then each room is asked what is new after the marker
 * (Room.newsFor), at most MY_ROOMS_IN_FLIGHT calls at a time. A room the
 * token no longer reaches is not asked at all: it says `lost`.
 */
import type { MyRoom, MyRooms } from "../../shared/my-rooms";
import type { Result } from "../../shared/validate";
import { admit, type Identity } from "../auth/tokens";
import type { Env } from "../env";
import { logInternal } from "../platform/log";
import type { ListedRoom } from "./person";

/**
 * Rooms asked at once. A list holds at most MY_ROOMS_MAX (200) rooms, so a
 * full list is four rounds of calls; a list of 50 or fewer is one.
 */
export const MY_ROOMS_IN_FLIGHT = 50;

/** A room's entry, and the time it was last active (its newest message, else the join), for the order. */
interface Entry {
  room: MyRoom;
  active: number;
}

export async function myRooms(env: Env, identity: Identity): Promise<Result<MyRooms>> {
  const listed = await env.PERSONS.getByName(identity.sub).rooms();
  if (!listed.ok) return listed;
  const entries = await inBatches(listed.value, MY_ROOMS_IN_FLIGHT, (r) => entryOf(env, identity, r));
  entries.sort((a, b) => b.active - a.active);
  return { ok: true, value: { rooms: entries.map((e) => e.room) } };
}

/**
 * Whether the token still reaches `room`: it covers it, or anyone may enter
 * it without one (a room that is not private, on a server that takes
 * anonymous members).
 */
export function reaches(identity: Identity, room: string, env: Env): boolean {
  return admit(identity, room, env).ok || admit(null, room, env).ok;
}

async function entryOf(env: Env, identity: Identity, listed: ListedRoom): Promise<Entry> {
  const { room, lastRead, joined } = listed;
  if (!reaches(identity, room, env)) return { room: { room, access: "lost", lastRead }, active: joined };
  try {
    const news = await env.ROOMS.getByName(room).newsFor(identity.sub, identity.role, lastRead);
    if (!news.ok) return { room: { room, access: "unavailable", lastRead }, active: joined };
    if (news.value === null) return { room: { room, access: "lost", lastRead }, active: joined };
    const { lastSeq, unread, mentions, lastMessage } = news.value;
    return {
      room: { room, access: "ok", lastSeq, lastRead, unread, mentions, lastMessage },
      active: lastMessage?.ts ?? joined,
    };
  } catch (error) {
    logInternal("myRooms", error, { room });
    return { room: { room, access: "unavailable", lastRead }, active: joined };
  }
}

/** Maps `items` through `work`, at most `width` at a time, in order. */
async function inBatches<T, U>(items: T[], width: number, work: (item: T) => Promise<U>): Promise<U[]> {
  const out: U[] = [];
  for (let i = 0; i < items.length; i += width) out.push(...(await Promise.all(items.slice(i, i + width).map(work))));
  return out;
}
