/**
 * The operator's API, under /api/admin, for the app backend holding API_KEY
 * only (401 for anyone else; without an API_KEY, for everyone): which rooms
 * are active, what one room is doing, and lifting a ban or mute.
 */
import { Hono } from "hono";
import { refusal } from "../../shared/errors";
import type { ActiveRoom } from "../../shared/operator";
import { validateMemberId, validateRoom } from "../../shared/validate";
import type { Env } from "../env";
import { DIRECTORY_LIST_MAX, directory } from "../operator/directory";
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

// GET /api/admin/rooms → {rooms: [{room, members, lastSeq, messagesPerMinute, lastActivity}]}, the most recently active first
admin.get("/rooms", async (c) => {
  const listed = await directory(c.env).list(DIRECTORY_LIST_MAX);
  const views = await Promise.all(
    listed.map(async ({ room, since }): Promise<ActiveRoom | null> => {
      const stub = c.env.ROOMS.getByName(room);
      const [info, view] = await Promise.all([stub.info(), stub.operatorView()]);
      if (!info.ok || !view.ok) return null;
      // Listed but empty: its last member went without the room hearing of it (a restart); the list heals.
      if (info.value.members === 0) {
        await directory(c.env).closed(room);
        return null;
      }
      const { members, lastSeq } = info.value;
      const { messagesPerMinute, lastActivity } = view.value.counters;
      return { room, members, lastSeq, messagesPerMinute, lastActivity: lastActivity ?? since };
    }),
  );
  const rooms = views.filter((v): v is ActiveRoom => v !== null).sort((a, b) => b.lastActivity - a.lastActivity);
  return c.json({ rooms });
});

// GET /api/admin/rooms/:room → {room, members, lastSeq, shards, fanout, counters, sanctions, webhooks}
admin.get("/rooms/:room", async (c) => {
  const room = validateRoom(c.req.param("room"));
  if (!room.ok) return httpError(room.error);
  const stub = c.env.ROOMS.getByName(room.value);
  const [info, fanout, view, webhooks] = await Promise.all([stub.info(), stub.fanout(), stub.operatorView(), stub.webhooks()]);
  if (!info.ok) return httpError(info.error);
  if (!fanout.ok) return httpError(fanout.error);
  if (!view.ok) return httpError(view.error);
  if (!webhooks.ok) return httpError(webhooks.error);
  return c.json({ ...info.value, fanout: fanout.value, ...view.value, webhooks: webhooks.value });
});

// DELETE /api/admin/rooms/:room/sanctions/:member?kind=ban|mute → 204, or 404 when none was in force
admin.delete("/rooms/:room/sanctions/:member", async (c) => {
  const room = validateRoom(c.req.param("room"));
  if (!room.ok) return httpError(room.error);
  const member = validateMemberId(c.req.param("member"));
  if (!member.ok) return httpError(member.error);
  const kind = c.req.query("kind") ?? "ban";
  if (kind !== "ban" && kind !== "mute") return httpError(refusal.badKind());
  const lifted = await c.env.ROOMS.getByName(room.value).lift(member.value, kind);
  if (!lifted.ok) return httpError(lifted.error);
  return lifted.value ? c.body(null, 204) : httpError(refusal.notFound(`no ${kind} in force on ${member.value}`));
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
