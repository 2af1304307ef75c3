/**
 * The Worker: routing only. Static files (the chat page) are served from
 * `public/` by the assets binding before this code runs; what reaches here is
 * `/ws` and the HTTP API.
 */
import { Hono } from "hono";
import { refusal } from "../../shared/errors";
import { type Format, formatFromOffer } from "../../shared/format";
import { parseConnectParams } from "../../shared/frames";
import { limitsFrom } from "../../shared/limits";
import { admitToken } from "../auth/tokens";
import type { Env } from "../env";
import { clientAddress } from "../platform/identity";
import { log, logInternal } from "../platform/log";
import { refuseUpgrade } from "../platform/socket";
import { openRelay } from "../relay/relay";
import { connectRoom } from "../shard/connect";
import { api } from "./api";
import { httpError } from "./errors";
import { checkCredential, checkOrigin, checkRate } from "./guards";

const app = new Hono<{ Bindings: Env }>();

// No header-changing middleware may run on this route: the room's 101
// response is returned untouched, or the socket would not reach the client.
app.get("/ws", async (c) => {
  const request = c.req.raw;
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    return httpError(refusal.upgradeRequired());
  }
  const refused = checkOrigin(request, c.env) ?? (await checkRate(request, c.env, "connect"));
  if (refused) return refused;
  const query = new URL(request.url).searchParams;
  const format = formatFromOffer(request.headers.get("Sec-WebSocket-Protocol"));
  // In-band join: connect first, pick the room with a `join` frame.
  if (!query.has("room")) return openRelay(c.env, format, clientAddress(request));
  return directSocket(request, c.env, query, format);
});

/**
 * A direct room socket: validated, its token checked, then the upgrade handed
 * to the room, which accepts it with the Hibernation API. The worker is out
 * of the path after this.
 */
async function directSocket(request: Request, env: Env, query: URLSearchParams, format: Format): Promise<Response> {
  const limits = limitsFrom(env);
  const params = parseConnectParams(query, limits);
  if (!params.ok) {
    log("refusal", { code: params.error.code });
    // A token too long to be ours is a bad token like any other (HTTP 401,
    // below); any other bad parameter completes the upgrade, so that a
    // browser can read why.
    if (params.error.code === "unauthenticated") return (await checkCredential(request, env, true)) ?? httpError(params.error);
    return refuseUpgrade(params.error, format);
  }
  // Identity is checked before the upgrade: an unauthenticated or forbidden
  // client gets HTTP 401 or 403 and never a socket. (The room checks again,
  // and knows the bans.) A bad token is a failed credential.
  const { room, token } = params.value;
  const admission = await admitToken(token, room, env, limits);
  const failed = !admission.ok && admission.error.code === "unauthenticated";
  const overBudget = token === undefined ? null : await checkCredential(request, env, failed);
  if (overBudget) return overBudget;
  if (!admission.ok) {
    log("refusal", { code: admission.error.code });
    return httpError(admission.error);
  }
  return connectRoom(env, room, request);
}

app.route("/api", api);

app.notFound(() => httpError(refusal.notFound()));

// Never a stack trace to a client: log it (without its message, which may
// quote what a client sent), answer with the generic error.
app.onError((err) => {
  logInternal("worker", err, {});
  return httpError(refusal.internal());
});

export default app;
