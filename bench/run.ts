/**
 * `npm run bench` — Parley against two floors, in one invocation (issue 6).
 *
 * Starts three `wrangler dev` servers on 127.0.0.1 (Parley, bench/floor-bare,
 * bench/floor-storage), drives each with the same `ws` load generator
 * (bench/lib), runs the scenarios (bench/scenarios) and prints a table plus
 * one JSON line with every figure, the ratios of Parley's figures to the
 * floors', and a verdict per target. Everything it starts it stops; every
 * loop is bounded in count and time. Settings: bench/lib/config.ts (BENCH_*).
 * See docs/performance.md.
 */
import { appendFileSync, rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { CFG, log, QUICK, ROOT, TARGETS } from "./lib/config.ts";
import { sleep } from "./lib/load.ts";
import { type Machine, machine, window } from "./lib/measure.ts";
import { printReport } from "./lib/report.ts";
import type { Row, Run, Scenario } from "./lib/rows.ts";
import { type BenchServer, gitState, snapshot, startWrangler } from "./lib/server.ts";
import { r0, r2 } from "./lib/stats.ts";
import { ratios, verdicts } from "./lib/verdicts.ts";
import { big, refillRounds } from "./scenarios/big.ts";
import { bigSharded, shardedMembers } from "./scenarios/big-sharded.ts";
import { streamJoins } from "./scenarios/big-stream.ts";
import { fanout } from "./scenarios/fanout.ts";
import { idle } from "./scenarios/idle.ts";
import { inband } from "./scenarios/inband.ts";
import { inbandFanout } from "./scenarios/inband-fanout.ts";
import { rooms } from "./scenarios/rooms.ts";
import { webhooks } from "./scenarios/webhooks.ts";

const SCENARIOS: Record<string, Scenario> = {
  idle,
  fanout,
  rooms,
  inband,
  "inband-fanout": inbandFanout,
  big,
  "big-sharded": bigSharded,
  webhooks,
};

/** File descriptors wrangler's dev proxy holds per open client socket (measured; see checkOpenFiles()). */
const FDS_PER_CLIENT_IN_PROXY = 4;

const now = () => performance.now();

/**
 * One descriptor per client here; the servers inherit this limit, and
 * wrangler's dev proxy (workerd-proxy) holds about four per client (8,027
 * with the big room's 2,000 members, workerd-worker 4,067).
 */
function checkOpenFiles(info: Machine): void {
  const has = (sc: string) => CFG.scenarios.includes(sc);
  const clients = Math.max(
    has("idle") ? CFG.idleConnections : 0,
    has("fanout") || has("inband-fanout") ? CFG.fanoutClients : 0,
    has("rooms") || has("inband") ? CFG.rooms * CFG.roomClients : 0,
    // The room's members and, at most, one join stream's.
    has("big") ? CFG.bigMembers + streamJoins() : 0,
    has("big-sharded") ? shardedMembers() : 0,
  );
  const needFds = FDS_PER_CLIENT_IN_PROXY * clients + 256;
  if (info.openFilesLimit >= needFds) return;
  throw new Error(
    `open files limit ${info.openFilesLimit} is below the ${needFds} this run needs (wrangler's dev proxy holds about ${FDS_PER_CLIENT_IN_PROXY} per client): ` +
      `raise it (ulimit -n; above the hard limit only with CAP_SYS_RESOURCE) or lower BENCH_IDLE_CONNECTIONS / BENCH_BIG_MEMBERS / BENCH_BIG_STREAM_S / BENCH_SHARDED_MEMBERS ` +
      `(at most ${Math.floor((info.openFilesLimit - 256) / FDS_PER_CLIENT_IN_PROXY)} clients at once with this limit)`,
  );
}

/**
 * Starts every target together (the starts only compete with each other),
 * each from a snapshot of its sources; they are all kept up, so that the
 * scenarios can interleave the targets: a change in the machine's
 * background load then hits every target alike.
 */
async function startServers(servers: Record<string, BenchServer>): Promise<void> {
  const t0 = now();
  const starts = await Promise.allSettled(
    CFG.targets.map(async (t) => {
      const def = TARGETS[t];
      if (!def) throw new Error(`unknown target ${t}`);
      const dir = snapshot(ROOT, t, def.paths, def.ref());
      const cleanup = () => rmSync(dir, { recursive: true, force: true });
      try {
        servers[t] = await startWrangler({ name: t, root: ROOT, cwd: dir, config: join(dir, def.config), vars: def.vars(), cleanup });
      } catch (err) {
        cleanup();
        throw err;
      }
      log(`${t}: wrangler dev up on ${servers[t].url} after ${r0(now() - t0)} ms`);
    }),
  );
  const failed = starts.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
}

/** What the idle servers cost before any load (cores). */
async function idleBaseline(servers: Record<string, BenchServer>): Promise<Record<string, number | null>> {
  await sleep(1_000);
  const idleWins = Object.fromEntries(Object.entries(servers).map(([t, s]) => [t, window(s)]));
  await sleep(2_000);
  return Object.fromEntries(Object.entries(idleWins).map(([t, w]) => [t, r2(w().serverCpuS / 2)]));
}

/**
 * Runs every scenario on every target, the targets taking turns per
 * scenario, then the big room's further rounds. A run during which wrangler
 * restarted the Worker (it does when files it watches change: an `npm
 * install` in the shared node_modules is enough) measures nothing: it is run
 * again, once, and both attempts are kept (the first in `retried`).
 */
async function runAll(servers: Record<string, BenchServer>, rows: Row[], retried: Row[]): Promise<void> {
  const pidsOf = (t: string) => (servers[t]?.stats().pids ?? []).sort().join(",");
  const measure = async (t: string, run: Run) => {
    let before = pidsOf(t);
    let got = await run();
    if (got.some((r) => r.restarted) || pidsOf(t) !== before) {
      log(`${t}: wrangler restarted the Worker during the run; running it again`);
      retried.push(...got.map((r) => ({ ...r, discarded: "server restarted during the run" })));
      before = pidsOf(t);
      got = await run();
      if (pidsOf(t) !== before) got = got.map((r) => ({ ...r, restarted: true }));
    }
    rows.push(...got);
  };
  for (const sc of CFG.scenarios) {
    const scenario = SCENARIOS[sc];
    if (!scenario) throw new Error(`unknown scenario ${sc}`);
    for (const t of CFG.targets) {
      const server = servers[t];
      if (server) for (const run of scenario.runs(server, t)) await measure(t, run);
    }
  }
  if (CFG.scenarios.includes("big")) await refillRounds(servers, CFG.targets, measure);
}

/** Prints the report and the JSON line (appended to BENCH_OUT too). */
function report(started: number, info: Machine, loadAvgStart: (number | null)[], baseline: object, rows: Row[], retried: Row[]): void {
  const rat = ratios(rows);
  const ver = verdicts(rows, rat);
  const result = {
    bench: "parley",
    at: new Date(started).toISOString(),
    seconds: r0((Date.now() - started) / 1000),
    machine: { ...info, openFilesLimit: String(info.openFilesLimit), loadAvgStart, loadAvgEnd: loadavg().map(r2) },
    parley: { source: CFG.ref ? `git ${CFG.ref}` : "work tree", ...gitState(ROOT, CFG.ref ?? "HEAD") },
    config: CFG,
    idleServerCpuCoresBeforeLoad: baseline,
    rows,
    ...(retried.length ? { discardedRows: retried } : {}),
    ratios: rat,
    targets: ver,
  };
  const heading = `Parley benchmark — ${info.nproc} × ${info.cpu}, node ${info.node}, wrangler ${info.wrangler}, workerd ${info.workerd}${QUICK ? " (quick mode)" : ""}`;
  printReport(heading, rows, rat, ver);
  const line = JSON.stringify(result);
  console.log(`\n${line}`);
  if (process.env.BENCH_OUT) appendFileSync(process.env.BENCH_OUT, `${line}\n`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const info = machine();
  const loadAvgStart = loadavg().map(r2);
  checkOpenFiles(info);
  log(
    `machine: ${info.nproc} cores, ${info.cpu}, node ${info.node}, wrangler ${info.wrangler}, workerd ${info.workerd}; ` +
      `open files limit ${info.openFilesLimit}; load average ${loadavg().map(r2).join(" ")}`,
  );
  log(`config: ${JSON.stringify(CFG)}`);
  const servers: Record<string, BenchServer> = {};
  const stopAll = () => Promise.allSettled(Object.values(servers).map((s) => s.stop()));
  const hard = setTimeout(() => {
    console.error(`bench: over BENCH_MAX_S=${CFG.maxS}s; stopping`);
    stopAll().then(() => process.exit(2));
  }, CFG.maxS * 1000);
  hard.unref();
  const onSignal = () => {
    stopAll().then(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    await startServers(servers);
    const baseline = await idleBaseline(servers);
    log(`idle server CPU (cores) before load: ${JSON.stringify(baseline)}`);
    const rows: Row[] = [];
    const retried: Row[] = [];
    await runAll(servers, rows, retried);
    report(started, info, loadAvgStart, baseline, rows, retried);
  } finally {
    clearTimeout(hard);
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err?.stack ?? String(err));
    process.exit(1);
  },
);
