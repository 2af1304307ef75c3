/**
 * `search`, and the HTTP API's search: the room's kept messages that match a
 * query, most relevant first (bm25), then newest, each with a snippet and the
 * message as it stands now. Readers may search: it reads, it says nothing.
 */
import { refusal } from "../../shared/errors";
import type { SearchEvent } from "../../shared/events";
import type { SearchFrame } from "../../shared/frames";
import { replyCost, SEARCH_PAGE_DEFAULT, SEARCH_PAGE_MAX } from "../../shared/limits";
import type { Result } from "../../shared/validate";
import type { Connection } from "./audience";
import type { RoomParts } from "./parts";
import { isQueryError, matchOf } from "./search-index";

export function search(room: RoomParts, conn: Connection, frame: SearchFrame): void {
  const found = searchPage(room, frame.q, frame.before, frame.limit ?? SEARCH_PAGE_DEFAULT, frame.id);
  const sent = room.reply(conn, found.ok ? found.value : found.error);
  // A page of whole messages is work the client chose: charged to its rate limit by its size on the wire, as a greeting is.
  if (sent !== null) room.audience.charge(conn, replyCost(sent));
}

/**
 * A page of search results for `q` (validated: validateQuery) among the
 * messages before seq `before` (all, when undefined); `limit` is clamped to
 * 1..SEARCH_PAGE_MAX. `invalid_query` when the search engine refuses the query.
 */
export function searchPage(room: RoomParts, q: string, before: number | undefined, limit: number, ref?: string): Result<SearchEvent> {
  const page = Math.min(Math.max(1, limit), SEARCH_PAGE_MAX);
  let results: SearchEvent["results"];
  try {
    results = room.history.search(matchOf(q), before ?? Number.MAX_SAFE_INTEGER, page);
  } catch (error) {
    if (!isQueryError(error)) throw error;
    return { ok: false, error: refusal.invalidQuery("could not be parsed by the search engine", ref) };
  }
  const event: SearchEvent = { type: "search", room: room.name, results };
  if (ref !== undefined) event.ref = ref;
  return { ok: true, value: event };
}
