/**
 * `GET /api/me/search`: one query over the rooms a person joined (their
 * object's list), the rooms their token still reaches, most recently joined
 * first and at most MY_SEARCH_ROOMS of them, all asked at once. Each room
 * ranks its own matches (bm25, then newest); rankings of different rooms are
 * not on one scale, so the merge takes every room's best match first, then
 * every room's second, and so on, the newest first among matches of the
 * same rank.
 */
import type { SearchResult } from "../../shared/events";
import type { Result } from "../../shared/validate";
import type { Identity } from "../auth/tokens";
import type { Env } from "../env";
import { logInternal } from "../platform/log";
import { reaches } from "./my-rooms";

/** The most rooms one search asks (the person's most recently joined): the bound on its fan-out. */
export const MY_SEARCH_ROOMS = 50;

/** One match, with the room it is in. */
export interface RoomSearchResult extends SearchResult {
  room: string;
}

export async function mySearch(env: Env, identity: Identity, q: string, limit: number): Promise<Result<{ results: RoomSearchResult[] }>> {
  const listed = await env.PERSONS.getByName(identity.sub).rooms();
  if (!listed.ok) return listed;
  const rooms = listed.value
    .filter((r) => reaches(identity, r.room, env))
    .sort((a, b) => b.joined - a.joined)
    .slice(0, MY_SEARCH_ROOMS);
  const pages = await Promise.all(rooms.map(({ room }) => searchOne(env, room, q, limit)));
  const invalid = pages.find((page) => !page.ok);
  if (invalid && !invalid.ok && invalid.error.code === "invalid_query") return invalid;
  return {
    ok: true,
    value: {
      results: merge(
        pages.flatMap((page) => (page.ok ? [page.value] : [])),
        limit,
      ),
    },
  };
}

async function searchOne(env: Env, room: string, q: string, limit: number): Promise<Result<RoomSearchResult[]>> {
  try {
    const found = await env.ROOMS.getByName(room).search(q, undefined, limit);
    if (!found.ok) return found;
    return { ok: true, value: found.value.results.map((r) => ({ room, ...r })) };
  } catch (error) {
    // One room that cannot answer leaves the others' results standing.
    logInternal("mySearch", error, { room });
    return { ok: true, value: [] };
  }
}

/** Every room's first match, then every room's second, …: newest first within a rank; at most `limit`. */
function merge(pages: RoomSearchResult[][], limit: number): RoomSearchResult[] {
  const out: RoomSearchResult[] = [];
  for (let rank = 0; out.length < limit; rank++) {
    const tier = pages.flatMap((page) => page[rank] ?? []);
    if (tier.length === 0) break;
    tier.sort((a, b) => b.message.ts - a.message.ts);
    out.push(...tier.slice(0, limit - out.length));
  }
  return out;
}
