/**
 * Sharded big room (issue 21; opt in: BENCH_SCENARIOS=big-sharded): one room
 * filled to BENCH_SHARDED_MEMBERS direct JSON members twice, each time on a
 * `wrangler dev` of its own — unsharded (ROOM_SHARD_MEMBERS=0) and sharded
 * (ROOM_SHARD_MEMBERS=BENCH_SHARD_MEMBERS) — with TIME_WAIT drained before
 * each. In each: the fill (big-fill.ts, until every member knows the count),
 * the objects holding members (GET /api/admin/rooms/:room), then the runs of
 * big-sharded-runs.ts. Its verdicts and table: bench/lib/sharded-report.ts.
 *
 * This machine runs every Durable Object of a server in one workerd process,
 * on the same two cores as the load generator: the parallelism Cloudflare
 * gives the shards (one thread each) is not visible here; the report models it.
 */

import { type AdminServer, roomAdmin, startParleyWith } from "../lib/admin.ts";
import type { Client, Room } from "../lib/client.ts";
import { CFG, log, runId } from "../lib/config.ts";
import { settleTimeWait } from "../lib/measure.ts";
import type { Row, Scenario } from "../lib/rows.ts";
import { bigClient, emptyRoom, fillRoom } from "./big-fill.ts";
import { closedRun, rateSteps, type ShardedRoom, serialRun } from "./big-sharded-runs.ts";

/** The members a configuration's room is filled with. */
export function shardedMembers(): number {
  return Math.max(10, Math.floor(CFG.shardedMembers));
}

/** A configuration's name in the rows' `target`: Parley with ROOM_SHARD_MEMBERS=`cap`. */
export const shardedTarget = (cap: number) => `parley:S=${cap}`;

/** The room's members-to-be, on `admin`'s server. */
function members(admin: AdminServer, room: Room): Client[] {
  const N = shardedMembers();
  const clients: Client[] = [];
  for (let i = 0; i < N; i++) clients.push(bigClient(admin.server, true, room, i, clients, i === N - 1));
  return clients;
}

/** Fills the room, reads how many objects hold it, runs the measured runs: into `rows`, as they come. */
async function fillAndMeasure(sr: ShardedRoom, timeWait: { from: number; at: number }, rows: Row[]): Promise<void> {
  const filled = await fillRoom(sr.admin.server, sr.clients, true);
  if (filled.error !== undefined) {
    rows.push({ ...sr.base, mode: "fill", ...filled });
    return;
  }
  const fill = filled.fill;
  const state = await roomAdmin(sr.admin, sr.room.name);
  sr.base.objects = state.shards;
  if (fill.subprotocol === "parley.v2") sr.base.format = "v2";
  sr.room.size = sr.clients.length;
  const fillRow: Row = { ...sr.base, mode: "fill", ...fill, timeWait };
  log(
    `${sr.base.target} sharded big room filled to ${state.members} members (${fill.subprotocol}) over ${state.shards} objects: ` +
      `${fill.fillS} s, ${fill.serverCpuUsPerJoin} µs CPU/join, counts right: ${fill.countsConverged}`,
  );
  rows.push(fillRow);
  if (state.members !== sr.clients.length) {
    fillRow.error = `the room reports ${state.members} members, ${sr.clients.length} joined`;
    return;
  }
  rows.push(await serialRun(sr));
  rows.push(await closedRun(sr));
  await rateSteps(sr, rows);
}

/** One configuration: its own server, the fill and the runs, the room emptied and the server stopped after. */
async function configRun(cap: number): Promise<Row[]> {
  const target = shardedTarget(cap);
  const base = { target, scenario: "big-sharded", path: "direct", format: "json", rooms: 1, clientsPerRoom: shardedMembers() };
  const timeWait = await settleTimeWait();
  let admin: AdminServer;
  try {
    admin = await startParleyWith(`parley-s${cap}`, { ROOM_SHARD_MEMBERS: String(cap), HTTP_READS_PER_MINUTE: "0" });
  } catch (err) {
    return [{ ...base, mode: "fill", error: `server: ${err instanceof Error ? err.message : err}` }];
  }
  const room: Room = { name: `sharded${cap}-${runId}`, size: 0 };
  const sr: ShardedRoom = { admin, room, clients: members(admin, room), base: { ...base, shardCap: cap, objects: null } };
  const rows: Row[] = [];
  try {
    await fillAndMeasure(sr, timeWait, rows);
  } catch (err) {
    rows.push({ ...sr.base, mode: "error", error: String(err instanceof Error ? err.message : err) });
  } finally {
    const teardown = await emptyRoom(admin.server, sr.clients);
    const fillRow = rows.find((r) => r.mode === "fill");
    if (fillRow) fillRow.teardown = teardown;
    await admin.server.stop();
  }
  return rows;
}

/**
 * Parley only (the floors do not shard): the unsharded room, then the
 * sharded one. The target's own server is not used: each configuration needs
 * its vars, so it starts a server of its own.
 */
export const bigSharded: Scenario = {
  runs: (_server, target) => (target === "parley" ? [() => configRun(0), () => configRun(CFG.shardMembers)] : []),
};
