/**
 * The operator's API, under /api/admin, for the app backend holding API_KEY
 * only (401 for anyone else; without an API_KEY, for everyone).
 */
import { Hono } from "hono";
import { refusal } from "../../shared/errors";
import { validateRoom } from "../../shared/validate";
import type { Env } from "../env";
import { callerOf } from "./auth";
import { httpError } from "./errors";

export const admin = new Hono<{ Bindings: Env }>();

admin.use("*", async (c, next) => {
  const caller = await callerOf(c.req.raw, c.env);
  if (!caller.ok || caller.value.kind !== "app") {
    return httpError(refusal.unauthenticated("the operator's API needs the API key (Authorization: Bearer <API_KEY>)"));
  }
  await next();
});

// GET /api/admin/rooms/:room → {room, members, lastSeq, shards, fanout: {turns, calls, frames}}
admin.get("/rooms/:room", async (c) => {
  const room = validateRoom(c.req.param("room"));
  if (!room.ok) return httpError(room.error);
  const stub = c.env.ROOMS.getByName(room.value);
  const [info, fanout] = await Promise.all([stub.info(), stub.fanout()]);
  if (!info.ok) return httpError(info.error);
  if (!fanout.ok) return httpError(fanout.error);
  return c.json({ ...info.value, fanout: fanout.value });
});

// GET /api/admin/rooms/:room/webhooks → {enabled, backlog, dead, deadLetters: [{id, type, attempts, error, failedAt}]}
admin.get("/rooms/:room/webhooks", async (c) => {
  const room = validateRoom(c.req.param("room"));
  if (!room.ok) return httpError(room.error);
  const status = await c.env.ROOMS.getByName(room.value).webhooks();
  return status.ok ? c.json(status.value) : httpError(status.error);
});

// POST /api/admin/rooms/:room/webhooks/replay → {replayed}: every dead letter back in the outbox, due now
admin.post("/rooms/:room/webhooks/replay", async (c) => {
  const room = validateRoom(c.req.param("room"));
  if (!room.ok) return httpError(room.error);
  const replayed = await c.env.ROOMS.getByName(room.value).replayWebhooks();
  return replayed.ok ? c.json(replayed.value) : httpError(replayed.error);
});
