/**
 * The HTTP API: room summary, history pages and posting, as JSON. Every input
 * is validated here; the room's Durable Object does the storing and
 * broadcasting, so a posted message reaches sockets of both formats.
 */
import { Hono } from "hono";
import { refusal } from "../../shared/errors";
import { limitsFrom, PAGE_DEFAULT, PAGE_MAX, publicLimits } from "../../shared/limits";
import { validateId, validateNick, validateRoom, validateSince, validateText } from "../../shared/validate";
import type { Env } from "../env";
import { sha256Hex } from "../room/attachment";
import { httpErrorFrom } from "./errors";
import { checkOrigin, checkRate, clientAddress, readBody } from "./guards";

export const api = new Hono<{ Bindings: Env }>();

// GET /api/limits → the limits a client validates by (the same as `joined.limits`)
api.get("/limits", (c) => c.json(publicLimits(limitsFrom(c.env))));

// Reads of rooms are limited per address (HTTP_READS_PER_MINUTE).
api.on("GET", "/rooms/*", async (c, next) => {
  const refused = await checkRate(c.req.raw, c.env, "read");
  if (refused) return refused;
  await next();
});

// GET /api/rooms/:room → {room, members, lastSeq}
api.get("/rooms/:room", async (c) => {
  const room = validateRoom(c.req.param("room"));
  if (!room.ok) return httpErrorFrom(400, room.error);
  return c.json(await c.env.ROOMS.getByName(room.value).info());
});

// GET /api/rooms/:room/messages?since=&limit= → {room, messages}
api.get("/rooms/:room/messages", async (c) => {
  const room = validateRoom(c.req.param("room"));
  if (!room.ok) return httpErrorFrom(400, room.error);
  const since = validateSince(c.req.query("since"));
  if (!since.ok) return httpErrorFrom(400, since.error);
  const limitRaw = c.req.query("limit");
  const limit = limitRaw === undefined ? PAGE_DEFAULT : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
    return httpErrorFrom(400, refusal.badLimit(PAGE_MAX));
  }
  const messages = await c.env.ROOMS.getByName(room.value).messages(since.value ?? 0, limit);
  return c.json({ room: room.value, messages });
});

// POST /api/rooms/:room/messages {nick, text, id?} → 201 (stored), 200 (id already stored) or 409 (stored, no longer kept)
api.post("/rooms/:room/messages", async (c) => {
  const request = c.req.raw;
  const refused = checkOrigin(request, c.env) ?? (await checkRate(request, c.env, "write"));
  if (refused) return refused;
  const room = validateRoom(c.req.param("room"));
  if (!room.ok) return httpErrorFrom(400, room.error);
  const read = await readBody(request);
  if ("refused" in read) return read.refused;
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.text);
  } catch {
    return httpErrorFrom(400, refusal.badJson());
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return httpErrorFrom(400, refusal.badBody("{nick, text, id?}"));
  }
  const body = parsed as Record<string, unknown>;
  const limits = limitsFrom(c.env);
  const nick = validateNick(body.nick, limits);
  if (!nick.ok) return httpErrorFrom(400, nick.error);
  const text = validateText(body.text, limits);
  if (!text.ok) return httpErrorFrom(400, text.error);
  const id = validateId(body.id);
  if (!id.ok) return httpErrorFrom(400, id.error);
  // An HTTP client's ids are its address's: a retry from the same address is
  // recognised, another address cannot take them.
  const sender = `addr:${await sha256Hex(clientAddress(request))}`;
  const result = await c.env.ROOMS.getByName(room.value).post(nick.value, text.value, id.value, sender);
  if ("prunedSeq" in result) return httpErrorFrom(409, refusal.alreadyStored(id.value ?? "", result.prunedSeq));
  return c.json(result.message, result.created ? 201 : 200);
});

api.notFound(() => httpErrorFrom(404, refusal.notFound("no such API route")));
