/**
 * Files over HTTP: `POST /api/rooms/:room/files?name=…` stores one (whoever
 * may post in the room may upload, as the same poster), `GET
 * /api/rooms/:room/files/:id` serves it. The type is what the bytes are
 * (files/sniff.ts), and the way a file is served never lets it run in the
 * page's origin: nosniff, a sandboxing CSP, and `attachment` for everything
 * but raster images.
 */
import { Hono } from "hono";
import { ANONYMOUS_ROLE } from "../../shared/auth";
import { refusal } from "../../shared/errors";
import { limitsFrom } from "../../shared/limits";
import { type Result, validateKey } from "../../shared/validate";
import type { Env } from "../env";
import { INLINE_TYPES, sniff } from "../files/sniff";
import { fileKey, isFileId, putFile } from "../files/store";
import { clientAddress, sha256Hex } from "../platform/identity";
import type { Speaker } from "../room/sanctions";
import { readable, writable } from "./access";
import { type Caller, mayRead } from "./auth";
import { httpError } from "./errors";
import { checkOrigin, checkRate, uploadCost } from "./guards";

export const files = new Hono<{ Bindings: Env }>();

/** The longest file name kept, in characters. */
const MAX_NAME_CHARS = 200;

/** A file's name as given (`?name=`): its last path part, 1–MAX_NAME_CHARS characters, no control characters. */
function fileName(raw: string | undefined): Result<string> {
  const name = (raw ?? "").split(/[\\/]/).pop()?.trim() ?? "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
  if (name.length === 0 || [...name].length > MAX_NAME_CHARS || /[\u0000-\u001f\u007f]/.test(name)) {
    return { ok: false, error: refusal.badFileName() };
  }
  return { ok: true, value: name };
}

/** Who uploads, as the room knows senders (attachment.ts) and speakers (sanctions.ts). */
async function uploader(caller: Caller, request: Request): Promise<Result<{ sender: string; speaker?: Speaker }>> {
  if (caller.kind === "app") return { ok: true, value: { sender: "app" } };
  if (caller.kind === "user") {
    const identity = `sub:${caller.identity.sub}`;
    return { ok: true, value: { sender: identity, speaker: { identity, role: caller.identity.role } } };
  }
  const address = `addr:${await sha256Hex(clientAddress(request))}`;
  const rawKey = request.headers.get("Parley-Key");
  const key = rawKey === null ? undefined : validateKey(rawKey);
  if (key && !key.ok) return key;
  // The sender key a socket of the same browser names: its uploads are its own to attach.
  const sender = key?.value ? `key:${await sha256Hex(key.value)}` : address;
  return { ok: true, value: { sender, speaker: { identity: address, role: ANONYMOUS_ROLE } } };
}

// POST /api/rooms/:room/files?name= (the bytes as the body) → 201 {file: {id, name, type, size, url, width?, height?}}
files.post("/rooms/:room/files", async (c) => {
  const request = c.req.raw;
  const refused = checkOrigin(request, c.env);
  if (refused) return refused;
  const writer = await writable(c);
  if (!writer.ok) return httpError(writer.error);
  const { room, caller } = writer.value;
  const name = fileName(c.req.query("name"));
  if (!name.ok) return httpError(name.error);
  const length = Number(request.headers.get("Content-Length") ?? Number.NaN);
  if (!Number.isInteger(length) || length < 0) return httpError(refusal.lengthRequired());
  const max = limitsFrom(c.env).MAX_UPLOAD_BYTES;
  // Refused before a byte of the body is read.
  if (length > max) return httpError(refusal.fileTooLarge(max));
  const overBudget = await checkRate(request, c.env, "upload", uploadCost(length));
  if (overBudget) return overBudget;
  const who = await uploader(caller, request);
  if (!who.ok) return httpError(who.error);
  if (who.value.speaker) {
    const speaks = await c.env.ROOMS.getByName(room).maySpeak(who.value.speaker);
    if (!speaks.ok) return httpError(speaks.error);
  }
  const bytes = new Uint8Array(await request.arrayBuffer());
  const file = await putFile(c.env.FILES, room, { name: name.value, bytes, sniffed: sniff(bytes), sender: who.value.sender });
  return c.json({ file }, 201);
});

// GET /api/rooms/:room/files/:id → the bytes (a private room's need read access: a token, also as ?token=)
files.get("/rooms/:room/files/:id", async (c) => {
  const id = c.req.param("id");
  if (!isFileId(id)) return httpError(refusal.notFound("no such file"));
  const request = withQueryToken(c.req.raw, c.req.query("token"));
  const room = await readable(c, request);
  if (!room.ok) return httpError(room.error);
  const object = await c.env.FILES.get(fileKey(room.value, id), { onlyIf: request.headers });
  if (!object) return httpError(refusal.notFound("no such file"));
  const type = object.customMetadata?.type ?? "application/octet-stream";
  const name = object.customMetadata?.name ?? id;
  const headers = new Headers({
    "Content-Type": type,
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Content-Disposition": `${INLINE_TYPES.has(type) ? "inline" : "attachment"}; filename*=UTF-8''${encodeURIComponent(name)}`,
    // A file never changes under its id; a private room's stays out of shared caches.
    "Cache-Control": `${mayRead({ kind: "anonymous" }, room.value, c.env).ok ? "public" : "private"}, max-age=31536000, immutable`,
    ETag: object.httpEtag,
  });
  // onlyIf answered without a body: the client's copy is current.
  if (!("body" in object)) return new Response(null, { status: 304, headers });
  return new Response(object.body, { headers });
});

/** A request with `?token=` as its bearer credential (an <img> cannot send a header); a header wins. */
function withQueryToken(request: Request, token: string | undefined): Request {
  if (!token || request.headers.has("Authorization")) return request;
  const copy = new Request(request);
  copy.headers.set("Authorization", `Bearer ${token}`);
  return copy;
}
