/**
 * The closed- and open-loop runs that fan-out, many rooms and the in-band
 * scenarios share: connect the clients, warm up, then the measured closed
 * and/or open loop runs, one row each.
 */
import { Client } from "./client.ts";
import { CFG, greets, log, runId } from "./config.ts";
import { closeAll, closedLoop, connectAll, drain, newPhase, openLoop, sleep } from "./load.ts";
import { window } from "./measure.ts";
import { brief } from "./report.ts";
import type { Row } from "./rows.ts";
import type { BenchServer } from "./server.ts";
import { connectFigures, phaseRow } from "./stats.ts";

/**
 * The clients' format: "v2" means JSON clients that offer parley.v2 (batched
 * frames), reported apart from parley.v1's "json".
 */
export type Format = "json" | "v2" | "text";

export interface ClientShape {
  /** room names start with it */
  prefix: string;
  rooms: number;
  perRoom: number;
  path: "direct" | "inband";
  format: Format;
}

export interface LoadShape extends ClientShape {
  name: string;
  /** the open loop's messages per second, in total */
  rate: number;
  modes: ("closed" | "open")[];
}

/** Clients for a scenario: `perRoom` in each of `rooms` new rooms. */
export function makeClients(server: BenchServer, target: string, { prefix, rooms, perRoom, path, format }: ClientShape): Client[] {
  const clients: Client[] = [];
  for (let r = 0; r < rooms; r++) {
    const room = { name: `${prefix}-${runId}-${r}`, size: perRoom };
    for (let i = 0; i < perRoom; i++) {
      clients.push(
        new Client({
          wsUrl: server.wsUrl,
          path,
          format: format === "v2" ? "json" : format,
          protocols: format === "v2" ? ["parley.v2"] : undefined,
          greets: greets(target),
          room,
          g: clients.length,
          clients,
          msgBytes: CFG.msgBytes,
        }),
      );
    }
  }
  return clients;
}

/** Fan-out, many rooms, in-band/direct: connect, warm up, then the measured closed and/or open loop runs. */
export async function loadScenario(server: BenchServer, target: string, sc: LoadShape): Promise<Row[]> {
  const clients = makeClients(server, target, sc);
  const rows: Row[] = [];
  const base = { target, scenario: sc.name, path: sc.path, format: sc.format, rooms: sc.rooms, clientsPerRoom: sc.perRoom };
  try {
    const cw = window(server);
    const conn = await connectAll(clients, CFG.connectConcurrency);
    const cwin = cw();
    const connect = connectFigures(conn, cwin);
    if (conn.failures > 0) {
      rows.push({ ...base, mode: "connect", connect, error: `${conn.failures} connections failed: ${conn.firstError}` });
      return rows;
    }
    await sleep(300);
    if (CFG.warmupS > 0) {
      const W = newPhase();
      await closedLoop(clients, W, CFG.warmupS * 1000);
      await drain(W, 1_000, 5_000);
    }
    for (const mode of sc.modes) {
      const P = newPhase();
      const w = window(server);
      if (mode === "closed") await closedLoop(clients, P, CFG.durationS * 1000);
      else await openLoop(clients, clients, P, sc.rate, CFG.durationS * 1000);
      await drain(P);
      const row: Row = { ...base, mode: mode === "open" ? `open@${sc.rate}/s` : "closed", ...phaseRow(P, w()), connect };
      rows.push(row);
      log(brief(row));
    }
  } finally {
    await closeAll(clients);
    await sleep(300);
  }
  return rows;
}

/**
 * Direct JSON clients (parley.v1) in a closed and an open loop, and, for
 * Parley, again with batched frames (parley.v2) in a closed loop: the
 * issue-12 targets. Room names: `prefix`, and `prefix`2 for parley.v2.
 */
export function directRuns(server: BenchServer, target: string, sc: Omit<LoadShape, "path" | "format" | "modes">) {
  const runs: { format: Format; modes: LoadShape["modes"] }[] = [
    { format: "json", modes: ["closed", "open"] },
    ...(target === "parley" ? [{ format: "v2" as const, modes: ["closed" as const] }] : []),
  ];
  return runs.map(
    ({ format, modes }) =>
      () =>
        loadScenario(server, target, { ...sc, prefix: `${sc.prefix}${format === "v2" ? "2" : ""}`, path: "direct", format, modes }),
  );
}

/**
 * Text clients on the direct path, then on the in-band-join path (Parley
 * only: the floors have no in-band-join path), in rooms named `prefixes[0]`
 * and `prefixes[1]`.
 */
export function inbandRuns(
  server: BenchServer,
  target: string,
  sc: Omit<LoadShape, "path" | "format" | "prefix">,
  prefixes: [string, string],
) {
  if (target !== "parley") return [];
  const paths: ["direct" | "inband", string][] = [
    ["direct", prefixes[0]],
    ["inband", prefixes[1]],
  ];
  return paths.map(
    ([path, prefix]) =>
      () =>
        loadScenario(server, target, { ...sc, prefix, path, format: "text" }),
  );
}
