/**
 * The rooms a person is in, with their read markers and what is new after
 * them (docs/client.md, "Your rooms"). A signed-in person's list is the
 * server's (`GET /api/me/rooms`, shared by every device of the token's
 * `sub`). An anonymous person has no server object keeping their rooms, so
 * the client keeps that list in a {@link MarkerStore} (the chat page's is
 * localStorage) and counts each room itself from one page of its history.
 */

import type { MessageEvent, StoredEvent } from "../../shared/events";
import type { MyRoom } from "../../shared/my-rooms";
import type { Request } from "./http";

/** An anonymous person's room, as the client keeps it. */
export interface LocalRoom {
  room: string;
  /** The seq read up to. */
  lastRead: number;
  /** The member ids this person had in the room (an anonymous id is one per connection): their messages are their own. */
  ids: string[];
  /** When the room was first joined, epoch ms: the list's order for a room with no message yet. */
  joinedAt: number;
}

/** Where an anonymous person's rooms are kept between runs. Default: in memory, for the client object's life. */
export interface MarkerStore {
  load(): LocalRoom[];
  save(rooms: LocalRoom[]): void;
}

/** How many of a room's messages after the marker an anonymous list counts (one page): more shows as this many. */
export const LOCAL_COUNT_LIMIT = 100;
/** Member ids kept per anonymous room. */
const MAX_IDS = 20;
/** Rooms kept in an anonymous list (the server keeps 200 per person; a browser keeps fewer). */
const MAX_LOCAL_ROOMS = 50;

export function memoryMarkers(): MarkerStore {
  let rooms: LocalRoom[] = [];
  return {
    load: () => rooms,
    save: (next) => {
      rooms = next;
    },
  };
}

/** Reads a saved list, dropping anything malformed. */
export function parseLocalRooms(raw: string | null): LocalRoom[] {
  let data: unknown;
  try {
    data = JSON.parse(raw ?? "[]");
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  return data.flatMap((item: Partial<LocalRoom> | null) => {
    if (typeof item?.room !== "string" || !Number.isSafeInteger(item.lastRead) || typeof item.joinedAt !== "number") return [];
    const ids = Array.isArray(item.ids) ? item.ids.filter((id): id is string => typeof id === "string") : [];
    return [{ room: item.room, lastRead: item.lastRead as number, ids, joinedAt: item.joinedAt }];
  });
}

/** The store's list with `room` joined as member `id`: a first join starts its marker at `lastSeq` (what came before is not unread). */
export function joinLocal(store: MarkerStore, room: string, id: string, lastSeq: number, now: number): void {
  const rooms = store.load();
  const kept = rooms.find((r) => r.room === room);
  const entry: LocalRoom = kept
    ? { ...kept, ids: kept.ids.includes(id) ? kept.ids : [...kept.ids, id].slice(-MAX_IDS) }
    : { room, lastRead: lastSeq, ids: [id], joinedAt: now };
  store.save([entry, ...rooms.filter((r) => r.room !== room)].slice(0, MAX_LOCAL_ROOMS));
}

/** Moves `room`'s marker forward to `seq` (never back); returns whether it moved. */
export function readLocal(store: MarkerStore, room: string, seq: number): boolean {
  const rooms = store.load();
  const kept = rooms.find((r) => r.room === room);
  if (!kept || seq <= kept.lastRead) return false;
  store.save(rooms.map((r) => (r === kept ? { ...r, lastRead: seq } : r)));
  return true;
}

export function forgetLocal(store: MarkerStore, room: string): void {
  store.save(store.load().filter((r) => r.room !== room));
}

/** `GET /api/me/rooms` with the person's token; rejects on anything but a success. */
export async function fetchMyRooms(request: Request, token: string): Promise<MyRoom[]> {
  const response = await request("/api/me/rooms", token);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const body = (await response.json()) as { rooms?: unknown } | null;
  return Array.isArray(body?.rooms) ? (body.rooms as MyRoom[]) : [];
}

/** `DELETE /api/me/rooms/:room`; rejects on anything but a success. */
export async function deleteMyRoom(request: Request, token: string, room: string): Promise<void> {
  const response = await request(`/api/me/rooms/${encodeURIComponent(room)}`, token, "DELETE");
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
}

/** An anonymous list, counted as the server counts (docs/protocol.md), each room from one page of its history, all at once. */
export async function countLocal(request: Request, rooms: LocalRoom[]): Promise<MyRoom[]> {
  const counted = await Promise.all(rooms.map((room) => countOne(request, room)));
  const activity = (r: MyRoom, i: number) => (r.access === "ok" && r.lastMessage ? r.lastMessage.ts : (rooms[i]?.joinedAt ?? 0));
  return counted
    .map((room, i) => ({ room, at: activity(room, i) }))
    .sort((a, b) => b.at - a.at)
    .map(({ room }) => room);
}

async function countOne(request: Request, local: LocalRoom): Promise<MyRoom> {
  const { room, lastRead } = local;
  let response: Awaited<ReturnType<Request>>;
  try {
    response = await request(`/api/rooms/${encodeURIComponent(room)}/messages?since=${lastRead}&limit=${LOCAL_COUNT_LIMIT}`, undefined);
  } catch {
    return { room, access: "unavailable", lastRead };
  }
  if (response.status === 401 || response.status === 403) return { room, access: "lost", lastRead };
  if (!response.ok) return { room, access: "unavailable", lastRead };
  const body = (await response.json().catch(() => null)) as { messages?: unknown } | null;
  const events = Array.isArray(body?.messages) ? (body.messages as StoredEvent[]) : [];
  return { room, access: "ok", lastRead, ...countAfter(events, lastRead, local.ids) };
}

/** Others' messages after `lastRead` that are not deleted, those of them that mention one of `ids`, and the newest. */
export function countAfter(events: StoredEvent[], lastRead: number, ids: readonly string[]) {
  let unread = 0;
  let mentions = 0;
  let lastMessage: MessageEvent | null = null;
  let lastSeq = lastRead;
  for (const event of events) {
    lastSeq = Math.max(lastSeq, event.seq);
    if (event.type !== "message" || event.deleted) continue;
    lastMessage = event;
    if (event.seq <= lastRead || ids.includes(event.from.id)) continue;
    unread++;
    if (event.mentions?.some((id) => ids.includes(id))) mentions++;
  }
  return { lastSeq, unread, mentions, lastMessage };
}
