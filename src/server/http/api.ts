/**
 * The HTTP API: room summary, history pages and posting, as JSON. Every input
 * is validated here; the room's Durable Object does the storing and
 * broadcasting, so a posted message reaches sockets of both formats.
 */
import { type Context, Hono } from "hono";
import { cors } from "hono/cors";
import { refusal } from "../../shared/errors";
import { limitsFrom, MEMBERS_PAGE, PAGE_DEFAULT, PAGE_MAX, publicLimits } from "../../shared/limits";
import { validateId, validateMemberId, validateNick, validateRoom, validateSeq, validateSince, validateText } from "../../shared/validate";
import { mintToken, parseTokenRequest } from "../auth/tokens";
import type { Env } from "../env";
import { clientAddress, sha256Hex } from "../platform/identity";
import { authStatus, callerOf, mayRead, mayWrite, posterOf } from "./auth";
import { httpErrorFrom } from "./errors";
import { checkOrigin, checkRate, readBody } from "./guards";
import { parseAllowedOrigins } from "./origin";

export const api = new Hono<{ Bindings: Env }>();

// Apps on the origins ALLOWED_ORIGINS lists may call the API from a browser
// (the client package pages history and asks why an upgrade failed): they
// get CORS headers; any other origin gets none, so its browser reads nothing.
api.use(
  "*",
  cors({
    origin: (origin, c) => (parseAllowedOrigins((c.env as Env).ALLOWED_ORIGINS).has(origin.toLowerCase()) ? origin : null),
    allowMethods: ["GET", "POST"],
    allowHeaders: ["Authorization", "Content-Type"],
    maxAge: 600,
  }),
);

// GET /api/limits → the limits a client validates by (the same as `joined.limits`)
api.get("/limits", (c) => c.json(publicLimits(limitsFrom(c.env))));

// Reads of rooms are limited per address (HTTP_READS_PER_MINUTE).
api.on("GET", "/rooms/*", async (c, next) => {
  const refused = await checkRate(c.req.raw, c.env, "read");
  if (refused) return refused;
  await next();
});

/** The room of a request's path, and whether its caller may read it; or the refusal. */
async function readable(c: Context<{ Bindings: Env }>): Promise<{ room: string } | { refused: Response }> {
  const room = validateRoom(c.req.param("room"));
  if (!room.ok) return { refused: httpErrorFrom(400, room.error) };
  const caller = await callerOf(c.req.raw, c.env);
  if (!caller.ok) return { refused: httpErrorFrom(401, caller.error) };
  const refused = mayRead(caller.value, room.value, c.env);
  return refused ? { refused: httpErrorFrom(authStatus(refused), refused) } : { room: room.value };
}

// GET /api/rooms/:room → {room, members, lastSeq}
api.get("/rooms/:room", async (c) => {
  const target = await readable(c);
  if ("refused" in target) return target.refused;
  return c.json(await c.env.ROOMS.getByName(target.room).info());
});

// GET /api/rooms/:room/messages?since=&limit= → {room, messages}
api.get("/rooms/:room/messages", async (c) => {
  const target = await readable(c);
  if ("refused" in target) return target.refused;
  const since = validateSince(c.req.query("since"));
  if (!since.ok) return httpErrorFrom(400, since.error);
  const limitRaw = c.req.query("limit");
  const limit = limitRaw === undefined ? PAGE_DEFAULT : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
    return httpErrorFrom(400, refusal.badLimit(PAGE_MAX));
  }
  const messages = await c.env.ROOMS.getByName(target.room).messages(since.value ?? 0, limit);
  return c.json({ room: target.room, messages });
});

// GET /api/rooms/:room/members?after=&limit= → {room, count, members, next?}
api.get("/rooms/:room/members", async (c) => {
  const target = await readable(c);
  if ("refused" in target) return target.refused;
  const after = c.req.query("after") || undefined;
  if (after !== undefined && !validateMemberId(after).ok) return httpErrorFrom(400, refusal.badBody("?after=<member id>"));
  const limitRaw = c.req.query("limit");
  const limit = limitRaw === undefined ? MEMBERS_PAGE : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MEMBERS_PAGE) return httpErrorFrom(400, refusal.badLimit(MEMBERS_PAGE));
  const { type: _, ...page } = await c.env.ROOMS.getByName(target.room).memberPage(after, limit);
  return c.json(page);
});

// GET /api/rooms/:room/messages/:seq → {message, reactions}: a message as it stands now
api.get("/rooms/:room/messages/:seq", async (c) => {
  const target = await readable(c);
  if ("refused" in target) return target.refused;
  const seq = validateSeq(Number(c.req.param("seq")));
  if (!seq.ok) return httpErrorFrom(400, seq.error);
  const state = await c.env.ROOMS.getByName(target.room).messageState(seq.value);
  return state ? c.json(state) : httpErrorFrom(404, refusal.noSuchMessage(seq.value));
});

/** A request's JSON object body (at most 16 KiB), or the refusal. */
async function jsonBody(request: Request, shape: string): Promise<{ body: Record<string, unknown> } | { refused: Response }> {
  const read = await readBody(request);
  if ("refused" in read) return read;
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.text);
  } catch {
    return { refused: httpErrorFrom(400, refusal.badJson()) };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { refused: httpErrorFrom(400, refusal.badBody(shape)) };
  }
  return { body: parsed as Record<string, unknown> };
}

// POST /api/rooms/:room/messages {nick, text, id?} → 201 (stored), 200 (id already stored) or 409 (stored, no longer kept)
api.post("/rooms/:room/messages", async (c) => {
  const request = c.req.raw;
  const refused = checkOrigin(request, c.env) ?? (await checkRate(request, c.env, "write"));
  if (refused) return refused;
  const room = validateRoom(c.req.param("room"));
  if (!room.ok) return httpErrorFrom(400, room.error);
  const caller = await callerOf(request, c.env);
  if (!caller.ok) return httpErrorFrom(401, caller.error);
  const allowed = mayWrite(caller.value, room.value, c.env);
  if (!allowed.ok) return httpErrorFrom(authStatus(allowed.error), allowed.error);
  const { identity } = allowed.value;
  const read = await jsonBody(request, "{nick, text, id?}");
  if ("refused" in read) return read.refused;
  const { body } = read;
  const limits = limitsFrom(c.env);
  // A token names its poster; otherwise the body's nick does.
  const nick = identity ? { ok: true as const, value: identity.name } : validateNick(body.nick, limits);
  if (!nick.ok) return httpErrorFrom(400, nick.error);
  const text = validateText(body.text, limits);
  if (!text.ok) return httpErrorFrom(400, text.error);
  const id = validateId(body.id);
  if (!id.ok) return httpErrorFrom(400, id.error);
  // Ids belong to their sender: a user's sub, the app's key, or else the
  // address — a retry from it is recognised, another cannot take its ids.
  const sender = identity ? `sub:${identity.sub}` : caller.value.kind === "app" ? "app" : `addr:${await sha256Hex(clientAddress(request))}`;
  const result = await c.env.ROOMS.getByName(room.value).post({
    from: posterOf(identity, nick.value),
    sender,
    identity: identity ? `sub:${identity.sub}` : undefined,
    text: text.value,
    id: id.value,
  });
  if ("refused" in result) return httpErrorFrom(403, result.refused);
  if ("prunedSeq" in result) return httpErrorFrom(409, refusal.alreadyStored(id.value ?? "", result.prunedSeq));
  return c.json(result.message, result.created ? 201 : 200);
});

// POST /api/tokens {sub, name, room, role?, ttl?} with the API key → {token, expires}
api.post("/tokens", async (c) => {
  const request = c.req.raw;
  const caller = await callerOf(request, c.env);
  if (!caller.ok || caller.value.kind !== "app") {
    return httpErrorFrom(401, refusal.unauthenticated("minting tokens needs the API key (Authorization: Bearer <API_KEY>)"));
  }
  if (!c.env.AUTH_SECRET) return httpErrorFrom(403, refusal.forbidden("this server has no AUTH_SECRET to sign tokens with"));
  const read = await jsonBody(request, "{sub, name, room, role?, ttl?}");
  if ("refused" in read) return read.refused;
  const wanted = parseTokenRequest(read.body, limitsFrom(c.env));
  if (!wanted.ok) return httpErrorFrom(400, wanted.error);
  const now = Date.now();
  const token = await mintToken(wanted.value, c.env.AUTH_SECRET, now);
  return c.json({ token, expires: Math.floor(now / 1000) + wanted.value.ttl }, 201);
});

api.notFound(() => httpErrorFrom(404, refusal.notFound("no such API route")));
