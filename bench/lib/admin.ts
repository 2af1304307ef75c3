/**
 * What the sharded big room needs besides the shared servers: a Parley of its
 * own with extra vars (ROOM_SHARD_MEMBERS, an API key), and the room's
 * admin figures (GET /api/admin/rooms/:room), whose `fanout` counters the
 * bench reads before and after a run and divides by the run's messages.
 */
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT, TARGETS } from "./config.ts";
import { type BenchServer, snapshot, startWrangler } from "./server.ts";
import { r2 } from "./stats.ts";

/** The writer's delivery counters since its object last started (see docs/performance.md). */
export interface Fanout {
  /** turns that delivered anything */
  turns: number;
  /** RPCs the writer made to shard objects to deliver */
  calls: number;
  /** WebSocket frames the writer sent to its own sockets */
  frames: number;
}

/** GET /api/admin/rooms/:room's answer. */
export interface RoomAdmin {
  room: string;
  members: number;
  lastSeq: number;
  /** objects holding members now (1 for an unsharded room) */
  shards: number;
  fanout: Fanout;
}

/** A Parley of its own, and the API key its admin endpoint takes. */
export interface AdminServer {
  server: BenchServer;
  apiKey: string;
}

/**
 * Starts Parley (the `parley` target's sources and vars) from a snapshot of
 * its own, with `vars` on top and a fresh API_KEY, named `name`.
 */
export async function startParleyWith(name: string, vars: Record<string, string>): Promise<AdminServer> {
  const def = TARGETS.parley;
  if (!def) throw new Error("no parley target");
  const apiKey = `bench-${randomUUID()}`;
  const dir = snapshot(ROOT, name, def.paths, def.ref());
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const all = { ...def.vars(), ...vars, API_KEY: apiKey };
    const server = await startWrangler({ name, root: ROOT, cwd: dir, config: join(dir, def.config), vars: all, cleanup });
    return { server, apiKey };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** The room's admin figures (bounded: 10 s). */
export async function roomAdmin({ server, apiKey }: AdminServer, room: string): Promise<RoomAdmin> {
  const res = await fetch(`${server.url}/api/admin/rooms/${encodeURIComponent(room)}`, {
    headers: { authorization: `Bearer ${apiKey}` },
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.text();
  if (!res.ok) throw new Error(`GET /api/admin/rooms/${room}: ${res.status} ${body.slice(0, 200)}`);
  const got = JSON.parse(body) as RoomAdmin;
  if (typeof got.shards !== "number" || typeof got.fanout?.calls !== "number")
    throw new Error(`GET /api/admin/rooms/${room}: unexpected answer ${body.slice(0, 200)}`);
  return got;
}

/** The writer's counters over a run of `messages`: the deltas, and each per message. */
export function fanoutPerMessage(before: Fanout, after: Fanout, messages: number) {
  const d = { turns: after.turns - before.turns, calls: after.calls - before.calls, frames: after.frames - before.frames };
  const per = (x: number) => (messages > 0 ? r2(x / messages) : null);
  return {
    messages,
    ...d,
    turnsPerMessage: per(d.turns),
    callsPerMessage: per(d.calls),
    framesPerMessage: per(d.frames),
  };
}

export type FanoutFigures = ReturnType<typeof fanoutPerMessage>;
