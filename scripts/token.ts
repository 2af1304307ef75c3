#!/usr/bin/env node
/**
 * Mints a user token and an invite link, as an app backend would with
 * POST /api/tokens, but offline, from the AUTH_SECRET itself:
 *
 *   npm run token -- --room private-team --name Alice [--role moderator] [--ttl 3600] [--sub alice] [--base http://127.0.0.1:8787]
 *
 * The secret comes from the AUTH_SECRET environment variable or, failing
 * that, from .dev.vars (what `wrangler dev` reads). The link carries the token
 * in its fragment, which browsers never send to a server, so it stays out of
 * request logs.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { sign } from "hono/jwt";
import { hashForInvite } from "../src/client/core/address.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const ROLES = ["reader", "member", "moderator", "owner"];

const { values } = parseArgs({
  options: {
    room: { type: "string" },
    name: { type: "string" },
    role: { type: "string", default: "member" },
    ttl: { type: "string", default: "3600" },
    sub: { type: "string" },
    base: { type: "string", default: "http://127.0.0.1:8787" },
  },
});

function fail(message: string): never {
  console.error(`token: ${message}`);
  process.exit(2);
}

/** AUTH_SECRET from the environment, or from .dev.vars. */
function secret(): string {
  if (process.env.AUTH_SECRET) return process.env.AUTH_SECRET;
  const file = join(ROOT, ".dev.vars");
  if (existsSync(file)) {
    const line = readFileSync(file, "utf8")
      .split("\n")
      .find((l) => l.startsWith("AUTH_SECRET="));
    if (line)
      return line
        .slice("AUTH_SECRET=".length)
        .trim()
        .replace(/^"(.*)"$/, "$1");
  }
  return fail("set AUTH_SECRET (or put AUTH_SECRET=… in .dev.vars)");
}

if (!values.room) fail("--room is required (a room, or a prefix ending in *)");
if (!values.name) fail("--name is required");
if (!ROLES.includes(values.role)) fail(`--role must be one of ${ROLES.join(", ")}`);
const ttl = Number(values.ttl);
if (!Number.isInteger(ttl) || ttl < 1 || ttl > 7 * 24 * 3600) fail("--ttl must be whole seconds, at most a week");
const sub =
  values.sub ??
  values.name
    .toLowerCase()
    .replace(/[^a-z0-9._:@-]+/g, "-")
    .slice(0, 64);

const now = Math.floor(Date.now() / 1000);
const token = await sign(
  { sub, name: values.name, room: values.room, role: values.role, iat: now, nbf: now, exp: now + ttl },
  secret(),
  "HS256",
);
console.log(token);
if (!values.room.endsWith("*")) console.log(`${values.base.replace(/\/+$/, "")}/${hashForInvite(values.room, token)}`);
