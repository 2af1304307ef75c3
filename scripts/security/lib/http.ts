/**
 * HTTP from outside: each request from a client address of its own.
 *
 * wrangler dev (miniflare's entry worker) sets `CF-Connecting-IP` to
 * 127.0.0.1 only when the request has none, and keeps one the client sent.
 * Every actor here sends its own address from 198.18.0.0/15 (RFC 2544's
 * benchmarking range), so one attack's flood never trips another's
 * per-address limit, and an attacker "from one address" is exactly that.
 */
import { randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import type { ServerEvent } from "./events.ts";
import type { Target } from "./targets.ts";

let addressCount = 0;
/** A client address of its own (198.18.0.0/15), sent as `CF-Connecting-IP`. */
export function nextAddress(): string {
  addressCount += 1;
  return `198.${18 + ((addressCount >> 16) & 1)}.${(addressCount >> 8) & 255}.${addressCount & 255}`;
}

/** A room name no other check uses. */
export function freshRoom(prefix = "sec"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface HttpAnswer {
  /** 0 if the request failed */
  status: number;
  headers: Headers | null;
  text: string;
}

export interface HttpOptions {
  method?: string;
  ip?: string;
  body?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

/** One HTTP request with `fetch` (which normalises the path: see {@link rawHttp}). */
export async function http(url: string, o: HttpOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { "CF-Connecting-IP": o.ip ?? nextAddress(), ...o.headers };
  if (o.body !== undefined) headers["content-type"] = "application/json";
  try {
    const res = await fetch(url, {
      method: o.method ?? (o.body === undefined ? "GET" : "POST"),
      headers,
      body: o.body,
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (err) {
    return { status: 0, headers: null, text: String(err) };
  }
}

/**
 * One HTTP request with node:http, whose path goes on the wire exactly as
 * given (`fetch` would turn `/api/rooms/%2E/messages` into `/api/rooms/messages`).
 */
export function rawHttp(target: Target, method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((done) => {
    const headers: Record<string, string> = { "CF-Connecting-IP": nextAddress() };
    if (body !== undefined) headers["content-type"] = "application/json";
    const req = httpRequest(`${target.url}/`, { method, path, headers, timeout: 10_000 });
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => done({ status: res.statusCode ?? 0, text }));
      res.on("error", (err) => done({ status: res.statusCode ?? 0, text: String(err) }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (err) => done({ status: 0, text: String(err) }));
    req.end(body);
  });
}

/** The `code` of a JSON error body, if the text is one. */
export function errorCode(text: string): string | undefined {
  try {
    const code = JSON.parse(text)?.error?.code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}

/** `status code` of an HTTP answer, for figures. */
export const said = (a: { status: number; text: string }): string => `${a.status}${errorCode(a.text) ? ` ${errorCode(a.text)}` : ""}`;

/** The limits the server says it enforces (`GET /api/limits`). */
export async function limitsOf(t: Target): Promise<{ burst: number; perSecond: number }> {
  const res = await http(`${t.url}/api/limits`);
  const limits = JSON.parse(res.text);
  return { burst: Number(limits.rateLimitBurst), perSecond: Number(limits.rateLimitPerSecond) };
}

/** Every stored message of a room, paged over HTTP (bounded). */
export async function history(t: Target, room: string): Promise<ServerEvent[]> {
  const all: ServerEvent[] = [];
  let since = 0;
  for (let page = 0; page < 100; page++) {
    const res = await http(`${t.url}/api/rooms/${encodeURIComponent(room)}/messages?since=${since}&limit=200`);
    if (res.status !== 200) throw new Error(`history of ${room}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    const messages: ServerEvent[] = JSON.parse(res.text).messages;
    all.push(...messages);
    if (messages.length < 200) break;
    since = messages.at(-1)?.seq ?? since;
  }
  return all;
}
