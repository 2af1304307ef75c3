/**
 * What the client asks the HTTP API (docs/protocol.md, "HTTP API"): pages of
 * a room's stream, whether the server refuses a room, and the server's
 * limits. Each takes the client's bounded GET (client.ts), which sends the
 * room's token as `Authorization: Bearer …`: a private room's history is no
 * more public than the room.
 */

import type { ErrorEvent, StoredEvent } from "../../shared/events";
import type { PublicLimits } from "../../shared/limits";
import type { FetchFunction } from "./types";

/** A bounded request (a GET unless `method` says otherwise) of a path of the HTTP API, with a token or none. */
export type Request = (path: string, token: string | undefined, method?: "GET" | "DELETE") => ReturnType<FetchFunction>;

/** `GET /api/rooms/:room/messages?since=&limit=` → its `messages`; rejects on anything but a success. */
export async function fetchPage(request: Request, room: string, since: number, limit: number, token?: string): Promise<StoredEvent[]> {
  const response = await request(`/api/rooms/${encodeURIComponent(room)}/messages?since=${since}&limit=${limit}`, token);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const body = (await response.json()) as { messages?: unknown } | null;
  return Array.isArray(body?.messages) ? (body.messages as StoredEvent[]) : [];
}

/**
 * `GET /api/rooms/:room`, read by {@link refusalOf}: the refusal the server
 * gives this client for the room, or null (admitted, or an answer that says
 * nothing about admission: a 429, a 5xx). Rejects on a network failure.
 */
export async function admission(request: Request, room: string, token: string | undefined): Promise<ErrorEvent | null> {
  const response = await request(`/api/rooms/${encodeURIComponent(room)}`, token);
  return refusalOf(response.status, await response.json().catch(() => null));
}

/**
 * The refusal in an HTTP API answer about a room, if it is one that admission
 * gives (`unauthenticated` with 401, `forbidden` with 403, as
 * docs/protocol.md's "Tokens, private rooms and roles" says a direct socket
 * is refused before its upgrade); null for anything else, a success included.
 */
export function refusalOf(status: number, body: unknown): ErrorEvent | null {
  if (status !== 401 && status !== 403) return null;
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = status === 401 ? "unauthenticated" : "forbidden";
  if (error?.code !== code) return null;
  return { type: "error", code, message: typeof error.message === "string" ? error.message : code };
}

const LIMIT_KEYS = ["maxMessageChars", "maxNickChars", "rateLimitBurst", "rateLimitPerSecond"] as const;

/** `GET /api/limits`, or null: unreachable, refused, or not the expected shape. */
export async function fetchLimits(request: Request): Promise<PublicLimits | null> {
  try {
    const response = await request("/api/limits", undefined);
    if (!response.ok) return null;
    const body = (await response.json()) as Partial<Record<(typeof LIMIT_KEYS)[number], unknown>> | null;
    if (typeof body !== "object" || body === null) return null;
    const valid = LIMIT_KEYS.every((key) => {
      const value = body[key];
      return typeof value === "number" && Number.isFinite(value) && value >= 0;
    });
    return valid ? (body as PublicLimits) : null;
  } catch {
    return null;
  }
}
