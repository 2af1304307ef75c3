/**
 * Who may do what to the room a request's path names: the check every route
 * of a room makes first, once (auth.ts decides; this reads the request).
 */
import type { Context } from "hono";
import { type Result, validateRoom } from "../../shared/validate";
import type { Identity } from "../auth/tokens";
import type { Env } from "../env";
import { type Caller, callerOf, mayRead, mayWrite } from "./auth";

type RoomContext = Context<{ Bindings: Env }>;

/** The room of a request's path, if its caller may read it. */
export async function readable(c: RoomContext, request = c.req.raw): Promise<Result<string>> {
  const room = validateRoom(c.req.param("room"));
  if (!room.ok) return room;
  const caller = await callerOf(request, c.env);
  if (!caller.ok) return caller;
  const allowed = mayRead(caller.value, room.value, c.env);
  return allowed.ok ? room : allowed;
}

/** The room of a request's path and who writes there (a post, an upload), if its caller may. */
export async function writable(c: RoomContext): Promise<Result<{ room: string; caller: Caller; identity: Identity | null }>> {
  const room = validateRoom(c.req.param("room"));
  if (!room.ok) return room;
  const caller = await callerOf(c.req.raw, c.env);
  if (!caller.ok) return caller;
  const allowed = mayWrite(caller.value, room.value, c.env);
  if (!allowed.ok) return allowed;
  return { ok: true, value: { room: room.value, caller: caller.value, identity: allowed.value.identity } };
}
