/**
 * A signed-in person's own API, under /api/me: the rooms they joined, with
 * markers and counts (src/server/person), and one search over them. It needs a user token (401 for
 * anyone else, the app's API key included: the key is no person).
 */
import { type Context, Hono } from "hono";
import { refusal } from "../../shared/errors";
import { SEARCH_PAGE_DEFAULT, SEARCH_PAGE_MAX } from "../../shared/limits";
import { type Result, validateQuery, validateRoom } from "../../shared/validate";
import type { Identity } from "../auth/tokens";
import type { Env } from "../env";
import { myRooms } from "../person/my-rooms";
import { mySearch } from "../person/my-search";
import { callerOf } from "./auth";
import { httpError } from "./errors";
import { checkOrigin, checkRate } from "./guards";

export const me = new Hono<{ Bindings: Env }>();

/** The person a request is: its token's identity, or why it is none. */
async function personOf(c: Context<{ Bindings: Env }>): Promise<Result<Identity>> {
  const caller = await callerOf(c.req.raw, c.env);
  if (!caller.ok) return caller;
  if (caller.value.kind !== "user")
    return { ok: false, error: refusal.unauthenticated("your rooms need a user token (Authorization: Bearer <token>)") };
  return { ok: true, value: caller.value.identity };
}

// GET /api/me/rooms → {rooms: [{room, access, lastSeq, lastRead, unread, mentions, lastMessage}]}, most recently active first
me.get("/rooms", async (c) => {
  const refused = await checkRate(c.req.raw, c.env, "read");
  if (refused) return refused;
  const person = await personOf(c);
  if (!person.ok) return httpError(person.error);
  const rooms = await myRooms(c.env, person.value);
  return rooms.ok ? c.json(rooms.value) : httpError(rooms.error);
});

// GET /api/me/search?q=&limit= → {results: [{room, seq, snippet, message}]}: one query over the rooms the person joined (at most MY_SEARCH_ROOMS)
me.get("/search", async (c) => {
  const refused = await checkRate(c.req.raw, c.env, "read");
  if (refused) return refused;
  const person = await personOf(c);
  if (!person.ok) return httpError(person.error);
  const q = validateQuery(c.req.query("q"));
  if (!q.ok) return httpError(q.error);
  const limitRaw = c.req.query("limit");
  const limit = limitRaw === undefined ? SEARCH_PAGE_DEFAULT : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_PAGE_MAX) return httpError(refusal.badLimit(SEARCH_PAGE_MAX));
  const found = await mySearch(c.env, person.value, q.value, limit);
  return found.ok ? c.json(found.value) : httpError(found.error);
});

// DELETE /api/me/rooms/:room → 204: the room is off the list (whether it was on it or not); a later join lists it again
me.delete("/rooms/:room", async (c) => {
  const request = c.req.raw;
  const refused = checkOrigin(request, c.env) ?? (await checkRate(request, c.env, "write"));
  if (refused) return refused;
  const person = await personOf(c);
  if (!person.ok) return httpError(person.error);
  const room = validateRoom(c.req.param("room"));
  if (!room.ok) return httpError(room.error);
  const forgot = await c.env.PERSONS.getByName(person.value.sub).forget(room.value);
  return forgot.ok ? c.body(null, 204) : httpError(forgot.error);
});
