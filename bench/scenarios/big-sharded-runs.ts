/**
 * The sharded big room's measured runs, each in the filled room and each read
 * against the writer's `fanout` counters before and after (GET
 * /api/admin/rooms/:room): messages one at a time (serial), a closed loop from
 * a few senders (capacity), and open-loop steps of rising rate until p99
 * latency passes one second (the rate one room sustains).
 */

import { type AdminServer, fanoutPerMessage, roomAdmin } from "../lib/admin.ts";
import type { Client, Phase, Room } from "../lib/client.ts";
import { CFG, log } from "../lib/config.ts";
import { closedLoop, drain, newPhase, openLoop, sleep } from "../lib/load.ts";
import { serverQuiet, window } from "../lib/measure.ts";
import { brief } from "../lib/report.ts";
import type { Row, RowBase } from "../lib/rows.ts";
import { phaseRow } from "../lib/stats.ts";

const now = () => performance.now();

/** Where open-loop p99 latency ends a room's sustained rate. */
export const SUSTAINED_P99_MS = 1_000;

/** A filled sharded (or unsharded) big room on its own Parley. */
export interface ShardedRoom {
  admin: AdminServer;
  room: Room;
  clients: Client[];
  /** every row's common fields: the base and the configuration */
  base: Omit<RowBase, "mode"> & { shardCap: number; objects: number | null };
}

/** `count` members spread over the join order, so that the writer's own members and every shard's send. */
export function spread(clients: Client[], count: number): Client[] {
  const out: Client[] = [];
  const step = Math.max(1, Math.floor(clients.length / Math.max(1, count)));
  for (let i = clients.length - 1; i >= 0 && out.length < count; i -= step) {
    const c = clients[i];
    if (c) out.push(c);
  }
  return out;
}

/**
 * Runs `body` as one measured phase: the writer's counters before and after,
 * the server's CPU over it, the drain after it. Returns the row.
 */
async function measured(sr: ShardedRoom, mode: string, body: (P: Phase) => Promise<string | undefined>, idleMs = 2_000): Promise<Row> {
  const P = newPhase();
  for (const c of sr.clients) c.enter(P);
  const before = await roomAdmin(sr.admin, sr.room.name);
  const w = window(sr.admin.server);
  const error = await body(P);
  await drain(P, idleMs, 60_000);
  await sleep(300); // a late duplicate would show here
  const win = w();
  const after = await roomAdmin(sr.admin, sr.room.name);
  const fanout = fanoutPerMessage(before.fanout, after.fanout, P.sent);
  // The counters start with the writer's object: lower after than before, it started again during the run.
  const reset =
    fanout.turns < 0 || fanout.calls < 0 || fanout.frames < 0 ? "the writer's counters went back: it restarted during the run" : undefined;
  const row: Row = { ...sr.base, mode, ...phaseRow(P, win), fanout, ...(error || reset ? { error: error ?? reset } : {}) };
  const f = row.fanout;
  log(`${brief(row)}; writer per message: ${f?.callsPerMessage} calls, ${f?.framesPerMessage} frames, ${f?.turnsPerMessage} turns`);
  return row;
}

/**
 * BENCH_SHARDED_MESSAGES messages from the last member to join (on the last
 * shard, when sharded), each sent once every member had the one before: one
 * message per turn, so the writer's calls per message are its shards and its
 * frames per message its own members.
 */
export function serialRun(sr: ShardedRoom): Promise<Row> {
  const N = sr.clients.length;
  const sender = sr.clients[N - 1];
  return measured(sr, "serial", async (P) => {
    if (!sender) return "no sender";
    for (let k = 0; k < CFG.shardedMessages; k++) {
      const deadline = now() + 10_000;
      sender.send(now());
      while (P.unique < (k + 1) * N && now() < deadline) await sleep(1);
      if (P.unique < (k + 1) * N) return `message ${k + 1} had not reached every member after 10 s`;
    }
    return undefined;
  });
}

/** A closed loop from BENCH_BIG_SENDERS senders spread over the room, BENCH_BIG_DURATION_S: CPU per delivery at capacity. */
export function closedRun(sr: ShardedRoom): Promise<Row> {
  const senders = spread(sr.clients, CFG.bigSenders);
  return measured(sr, "closed", async (P) => {
    await closedLoop(sr.clients, P, CFG.bigDurationS * 1000, { senders });
    return undefined;
  }).then((row) => ({ ...row, senders: senders.length }));
}

/** Whether an open-loop step was sustained: p99 within the bound, nothing lost, doubled or refused. */
export function sustained(row: Row): boolean {
  const p99 = row.latencyMs?.p99;
  return !row.error && p99 !== null && p99 !== undefined && p99 <= SUSTAINED_P99_MS && row.lost === 0 && row.dup === 0 && row.errors === 0;
}

/**
 * Open-loop steps at BENCH_SHARDED_RATES messages/s, BENCH_SHARDED_STEP_S
 * each, from senders spread over the room, until one is not sustained
 * (p99 over one second, or a loss), into `rows`; then waits for the server
 * to go quiet.
 */
export async function rateSteps(sr: ShardedRoom, rows: Row[]): Promise<void> {
  const senders = spread(sr.clients, CFG.bigSenders);
  for (const rate of CFG.shardedRates) {
    const row = await measured(
      sr,
      `open@${rate}/s`,
      async (P) => {
        await openLoop(sr.clients, senders, P, rate, CFG.shardedStepS * 1000);
        return undefined;
      },
      3_000,
    );
    rows.push({ ...row, senders: senders.length, offeredRate: rate });
    if (!sustained(row)) break;
    await sleep(500);
  }
  await serverQuiet(sr.admin.server, { maxMs: 60_000 });
}
