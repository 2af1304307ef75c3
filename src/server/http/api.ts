/**
 * The HTTP API: room summary, history pages and posting, as JSON. Every input
 * is validated here; the room's Durable Object does the storing and
 * broadcasting, so a posted message reaches sockets of both formats.
 */
import { Hono } from "hono";
import { cors } from "hono/cors";
import { ANONYMOUS_ROLE } from "../../shared/auth";
import { refusal } from "../../shared/errors";
import { limitsFrom, MEMBERS_PAGE, PAGE_DEFAULT, PAGE_MAX, publicLimits, SEARCH_PAGE_DEFAULT, SEARCH_PAGE_MAX } from "../../shared/limits";
import {
  type Result,
  validateId,
  validateMemberId,
  validateNick,
  validateQuery,
  validateSeq,
  validateSince,
  validateText,
} from "../../shared/validate";
import { mintToken, parseTokenRequest } from "../auth/tokens";
import type { Env } from "../env";
import { clientAddress, sha256Hex } from "../platform/identity";
import { readable, writable } from "./access";
import { admin } from "./admin";
import { callerOf, hasCredential, posterOf } from "./auth";
import { httpError } from "./errors";
import { files } from "./files";
import { checkCredential, checkOrigin, checkRate, readBody } from "./guards";
import { me } from "./me";
import { parseAllowedOrigins } from "./origin";

export const api = new Hono<{ Bindings: Env }>();

// Apps on the origins ALLOWED_ORIGINS lists may call the API from a browser
// (the client package pages history and asks why an upgrade failed): they
// get CORS headers; any other origin gets none, so its browser reads nothing.
api.use(
  "*",
  cors({
    origin: (origin, c) => (parseAllowedOrigins((c.env as Env).ALLOWED_ORIGINS).has(origin.toLowerCase()) ? origin : null),
    allowMethods: ["GET", "POST", "DELETE"],
    allowHeaders: ["Authorization", "Content-Type", "Parley-Key"],
    maxAge: 600,
  }),
);

// Every credential sent to the API (the API key or a token, on any route) is
// checked here first and counted against the address's budget of failed
// credentials; the route reads the same verdict (callerOf reads it once).
api.use("*", async (c, next) => {
  const request = c.req.raw;
  if (hasCredential(request)) {
    const caller = await callerOf(request, c.env);
    const refused = await checkCredential(request, c.env, !caller.ok);
    if (refused) return refused;
  }
  await next();
});

// GET /api/limits → the limits a client validates by (the same as `joined.limits`)
api.get("/limits", (c) => c.json(publicLimits(limitsFrom(c.env))));

// Reads of rooms are limited per address (HTTP_READS_PER_MINUTE).
api.on("GET", "/rooms/*", async (c, next) => {
  const refused = await checkRate(c.req.raw, c.env, "read");
  if (refused) return refused;
  await next();
});

// GET /api/rooms/:room → {room, members, lastSeq, shards}
api.get("/rooms/:room", async (c) => {
  const room = await readable(c);
  if (!room.ok) return httpError(room.error);
  const info = await c.env.ROOMS.getByName(room.value).info();
  return info.ok ? c.json(info.value) : httpError(info.error);
});

// GET /api/rooms/:room/messages?since=&limit= → {room, messages}
api.get("/rooms/:room/messages", async (c) => {
  const room = await readable(c);
  if (!room.ok) return httpError(room.error);
  const since = validateSince(c.req.query("since"));
  if (!since.ok) return httpError(since.error);
  const limitRaw = c.req.query("limit");
  const limit = limitRaw === undefined ? PAGE_DEFAULT : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > PAGE_MAX) {
    return httpError(refusal.badLimit(PAGE_MAX));
  }
  const messages = await c.env.ROOMS.getByName(room.value).messages(since.value ?? 0, limit);
  return messages.ok ? c.json({ room: room.value, messages: messages.value }) : httpError(messages.error);
});

// GET /api/rooms/:room/members?after=&limit= → {room, count, members, next?}
api.get("/rooms/:room/members", async (c) => {
  const room = await readable(c);
  if (!room.ok) return httpError(room.error);
  const after = c.req.query("after") || undefined;
  if (after !== undefined && !validateMemberId(after).ok) return httpError(refusal.badBody("?after=<member id>"));
  const limitRaw = c.req.query("limit");
  const limit = limitRaw === undefined ? MEMBERS_PAGE : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MEMBERS_PAGE) return httpError(refusal.badLimit(MEMBERS_PAGE));
  const page = await c.env.ROOMS.getByName(room.value).memberPage(after, limit);
  if (!page.ok) return httpError(page.error);
  const { type: _, ...body } = page.value;
  return c.json(body);
});

// GET /api/rooms/:room/messages/:seq → {message, reactions}: a message as it stands now
api.get("/rooms/:room/messages/:seq", async (c) => {
  const room = await readable(c);
  if (!room.ok) return httpError(room.error);
  const seq = validateSeq(Number(c.req.param("seq")));
  if (!seq.ok) return httpError(seq.error);
  const state = await c.env.ROOMS.getByName(room.value).messageState(seq.value);
  if (!state.ok) return httpError(state.error);
  return state.value ? c.json(state.value) : httpError(refusal.noSuchMessage(seq.value));
});

// GET /api/rooms/:room/search?q=&before=&limit= → {room, results}: most relevant first, then newest
api.get("/rooms/:room/search", async (c) => {
  const room = await readable(c);
  if (!room.ok) return httpError(room.error);
  const q = validateQuery(c.req.query("q"));
  if (!q.ok) return httpError(q.error);
  const beforeRaw = c.req.query("before");
  const before = beforeRaw === undefined ? undefined : validateSeq(Number(beforeRaw));
  if (before && !before.ok) return httpError(refusal.badBody("?before=<seq>"));
  const limitRaw = c.req.query("limit");
  const limit = limitRaw === undefined ? SEARCH_PAGE_DEFAULT : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_PAGE_MAX) return httpError(refusal.badLimit(SEARCH_PAGE_MAX));
  const found = await c.env.ROOMS.getByName(room.value).search(q.value, before?.value, limit);
  if (!found.ok) return httpError(found.error);
  const { type: _, ...body } = found.value;
  return c.json(body);
});

/** A request's JSON object body (at most 16 KiB). */
async function jsonBody(request: Request, shape: string): Promise<Result<Record<string, unknown>>> {
  const read = await readBody(request);
  if (!read.ok) return read;
  let parsed: unknown;
  try {
    parsed = JSON.parse(read.value);
  } catch {
    return { ok: false, error: refusal.badJson() };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: refusal.badBody(shape) };
  }
  return { ok: true, value: parsed as Record<string, unknown> };
}

// POST /api/rooms/:room/messages {nick, text, id?} → 201 (stored), 200 (id already stored) or 409 (stored, no longer kept)
api.post("/rooms/:room/messages", async (c) => {
  const request = c.req.raw;
  const refused = checkOrigin(request, c.env) ?? (await checkRate(request, c.env, "write"));
  if (refused) return refused;
  const writer = await writable(c);
  if (!writer.ok) return httpError(writer.error);
  const { room, caller, identity } = writer.value;
  const read = await jsonBody(request, "{nick, text, id?}");
  if (!read.ok) return httpError(read.error);
  const body = read.value;
  const limits = limitsFrom(c.env);
  // A token names its poster; otherwise the body's nick does.
  const nick = identity ? { ok: true as const, value: identity.name } : validateNick(body.nick, limits);
  if (!nick.ok) return httpError(nick.error);
  const text = validateText(body.text, limits);
  if (!text.ok) return httpError(text.error);
  const id = validateId(body.id);
  if (!id.ok) return httpError(id.error);
  // Ids belong to their sender: a user's sub, the app's key, or else the
  // address — a retry from it is recognised, another cannot take its ids.
  // The same identity is what a ban or mute is keyed on (as on sockets), so
  // the room's speech check binds a poster wherever it speaks from.
  const sender = identity ? `sub:${identity.sub}` : caller.kind === "app" ? "app" : `addr:${await sha256Hex(clientAddress(request))}`;
  const posted = await c.env.ROOMS.getByName(room).post({
    from: posterOf(identity, nick.value),
    sender,
    speaker: caller.kind === "app" ? undefined : { identity: sender, role: identity?.role ?? ANONYMOUS_ROLE },
    text: text.value,
    id: id.value,
  });
  // Refused (a ban or mute, 403), or the room failed to store it (500).
  if (!posted.ok) return httpError(posted.error);
  const result = posted.value;
  if ("prunedSeq" in result) return httpError(refusal.alreadyStored(id.value ?? "", result.prunedSeq));
  return c.json(result.message, result.created ? 201 : 200);
});

// POST /api/tokens {sub, name, room, role?, ttl?} with the API key → {token, expires}
api.post("/tokens", async (c) => {
  const request = c.req.raw;
  const caller = await callerOf(request, c.env);
  if (!caller.ok || caller.value.kind !== "app") {
    return httpError(refusal.unauthenticated("minting tokens needs the API key (Authorization: Bearer <API_KEY>)"));
  }
  if (!c.env.AUTH_SECRET) return httpError(refusal.forbidden("this server has no AUTH_SECRET to sign tokens with"));
  const read = await jsonBody(request, "{sub, name, room, role?, ttl?}");
  if (!read.ok) return httpError(read.error);
  const wanted = parseTokenRequest(read.value, limitsFrom(c.env));
  if (!wanted.ok) return httpError(wanted.error);
  const now = Date.now();
  const token = await mintToken(wanted.value, c.env.AUTH_SECRET, now);
  return c.json({ token, expires: Math.floor(now / 1000) + wanted.value.ttl }, 201);
});

api.route("/admin", admin);
api.route("/", files);
api.route("/me", me);

api.notFound(() => httpError(refusal.notFound("no such API route")));
