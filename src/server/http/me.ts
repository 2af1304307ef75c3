/**
 * A signed-in person's own API, under /api/me: the rooms they joined, with
 * markers and counts (src/server/person). It needs a user token (401 for
 * anyone else, the app's API key included: the key is no person).
 */
import { type Context, Hono } from "hono";
import { refusal } from "../../shared/errors";
import { type Result, validateRoom } from "../../shared/validate";
import type { Identity } from "../auth/tokens";
import type { Env } from "../env";
import { myRooms } from "../person/my-rooms";
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
