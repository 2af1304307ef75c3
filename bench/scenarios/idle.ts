/**
 * Idle: BENCH_IDLE_CONNECTIONS connections spread over BENCH_IDLE_ROOMS
 * rooms; memory per connection, connect time, idle CPU, then one probe
 * message per room.
 */
import type { Client } from "../lib/client.ts";
import { CFG, log } from "../lib/config.ts";
import { closeAll, connectAll, drain, newPhase, openLoop, sleep } from "../lib/load.ts";
import { makeClients } from "../lib/load-run.ts";
import { settleTimeWait, window } from "../lib/measure.ts";
import { brief } from "../lib/report.ts";
import type { Row, Scenario } from "../lib/rows.ts";
import type { BenchServer, TreeStats } from "../lib/server.ts";
import { connectFigures, type Fig, phaseRow, r0, r1, r2 } from "../lib/stats.ts";

/** What only the idle row has. */
export interface IdleFigures {
  memory: ReturnType<typeof memoryFigures>;
  idleServerCpuCores: Fig;
  idleWaitS: number;
  timeWait: { from: number; at: number };
}

/** The server tree's memory before and after `n` connections, and per connection (in total, and of each workerd). */
function memoryFigures(before: TreeStats, after: TreeStats, n: number) {
  const memPerConn = (a: number, b: number) => r0((a - b) / 1024 / n);
  return {
    rssBeforeMiB: r1(before.rssBytes / 1048576),
    rssAfterMiB: r1(after.rssBytes / 1048576),
    rssKiBPerConnection: memPerConn(after.rssBytes, before.rssBytes),
    workerRssKiBPerConnection: memPerConn(after.byLabel["workerd-worker"]?.rssBytes ?? 0, before.byLabel["workerd-worker"]?.rssBytes ?? 0),
    proxyRssKiBPerConnection: memPerConn(after.byLabel["workerd-proxy"]?.rssBytes ?? 0, before.byLabel["workerd-proxy"]?.rssBytes ?? 0),
  };
}

/** One probe per room (its first client sends), spread over about half a second. */
async function probeRooms(server: BenchServer, clients: Client[], rooms: number, perRoom: number) {
  const probes: Client[] = [];
  for (let r = 0; r < rooms; r++) {
    const c = clients[r * perRoom];
    if (c) probes.push(c);
  }
  const P = newPhase();
  const w = window(server);
  await openLoop(clients, probes, P, Math.max(1, rooms * 2), (rooms / Math.max(1, rooms * 2)) * 1000);
  await drain(P);
  return phaseRow(P, w());
}

async function idleRun(server: BenchServer, target: string): Promise<Row[]> {
  const rooms = CFG.idleRooms;
  const perRoom = Math.max(1, Math.floor(CFG.idleConnections / rooms));
  const clients = makeClients(server, target, { prefix: "idle", rooms, perRoom, path: "direct", format: "json" });
  const base = { target, scenario: "idle", path: "direct", format: "json", rooms, clientsPerRoom: perRoom, mode: "probe" };
  try {
    const timeWait = await settleTimeWait();
    await sleep(500);
    const before = server.stats();
    const cw = window(server);
    const conn = await connectAll(clients, CFG.connectConcurrency);
    const cwin = cw();
    const connect = connectFigures(conn, cwin);
    if (conn.failures > 0) return [{ ...base, connect, error: `${conn.failures} connections failed: ${conn.firstError}` }];
    await sleep(1_000);
    const iw = window(server);
    await sleep(CFG.idleWaitS * 1000);
    const idle = iw();
    const memory = memoryFigures(before, server.stats(), conn.times.length);
    const row: Row = {
      ...base,
      ...(await probeRooms(server, clients, rooms, perRoom)),
      connect,
      memory,
      idleServerCpuCores: r2(idle.serverCpuS / idle.wallS),
      idleWaitS: CFG.idleWaitS,
      timeWait,
    };
    log(brief(row));
    return [row];
  } finally {
    await closeAll(clients, 10_000);
    await sleep(500);
  }
}

export const idle: Scenario = {
  runs: (server, target) => [() => idleRun(server, target)],
};
