/**
 * Checks the Worker runs before a request reaches a room: the Origin rule
 * (cross-site WebSocket hijacking) and the per-address connection limit.
 * Each returns a refusal Response, or null to go on; neither touches the
 * response of a request it lets through.
 */

import { refusal } from "../../shared/errors";
import { limitsFrom } from "../../shared/limits";
import type { Env } from "../env";
import { log } from "../platform/log";
import { httpErrorFrom } from "./errors";
import { originAllowed, parseAllowedOrigins } from "./origin";

/** 403 for a browser request from an origin that is neither ours nor allowed. */
export function checkOrigin(request: Request, env: Env): Response | null {
  const origin = request.headers.get("Origin");
  if (originAllowed(origin, request.url, parseAllowedOrigins(env.ALLOWED_ORIGINS))) return null;
  log("refusal", { code: "forbidden_origin", origin });
  return httpErrorFrom(403, refusal.forbiddenOrigin(origin));
}

/**
 * 429 when the client's address has opened more than CONNECTS_PER_MINUTE
 * connections in the last minute (0 turns the check off). The address is
 * Cloudflare's CF-Connecting-IP; requests without one (only in-process tests)
 * share one bucket.
 */
export async function checkConnectRate(request: Request, env: Env): Promise<Response | null> {
  const perMinute = limitsFrom(env).CONNECTS_PER_MINUTE;
  if (perMinute === 0) return null;
  const address = request.headers.get("CF-Connecting-IP") ?? "unknown";
  if (await env.LIMITER.getByName(address).admit(perMinute)) return null;
  log("refusal", { code: "too_many_connections", address });
  return httpErrorFrom(429, refusal.tooManyConnections(perMinute));
}
