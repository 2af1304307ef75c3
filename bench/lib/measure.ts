/**
 * What the benchmark measures besides deliveries: the machine it runs on,
 * CPU over a window (the server tree's, the generator's, everything else's),
 * open files, and the machine's TIME_WAIT sockets.
 */
import { readdirSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { CFG, ROOT } from "./config.ts";
import { sleep } from "./load.ts";
import type { BenchServer, TreeStats, Usage } from "./server.ts";
import { statsDelta } from "./server.ts";

const now = () => performance.now();

function read(p: string): string {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return "";
  }
}

function pkgVersion(p: string): string {
  try {
    return JSON.parse(read(join(ROOT, p))).version;
  } catch {
    return "?";
  }
}

/** The workerd that wrangler runs, wherever npm put it. */
function workerdVersion(): string {
  for (const p of [
    "node_modules/wrangler/node_modules/@cloudflare/workerd-linux-64/package.json",
    "node_modules/@cloudflare/workerd-linux-64/package.json",
    "node_modules/workerd/package.json",
  ]) {
    const v = pkgVersion(p);
    if (v && v !== "?") return v;
  }
  return "?";
}

export type Machine = ReturnType<typeof machine>;

export function machine() {
  const model = /model name\s*:\s*(.*)/.exec(read("/proc/cpuinfo"))?.[1] ?? cpus()[0]?.model ?? "?";
  const files = /Max open files\s+(\d+|unlimited)/.exec(read("/proc/self/limits"))?.[1] ?? "?";
  return {
    nproc: cpus().length,
    cpu: model,
    memGiB: Math.round((Number(/MemTotal:\s+(\d+)/.exec(read("/proc/meminfo"))?.[1] ?? 0) / 1048576) * 10) / 10,
    node: process.version,
    wrangler: pkgVersion("node_modules/wrangler/package.json"),
    workerd: workerdVersion(),
    ws: pkgVersion("node_modules/ws/package.json"),
    openFilesLimit: files === "unlimited" ? Number.POSITIVE_INFINITY : Number(files),
  };
}

/** Busy and total jiffies of the whole machine (all CPUs), from /proc/stat. */
function machineJiffies(): { busyS: number; totalS: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busyS: (total - idle) / 100, totalS: total / 100 };
}

/** Everything measured over one window (see window()). */
export interface WindowFigures {
  wallS: number;
  serverCpuS: number;
  serverSysS: number;
  byLabel: Record<string, Usage>;
  genCpuS: number;
  otherCpuS: number;
  rssBytes: number;
  restarted: boolean;
}

/**
 * Everything measured over one window: server tree, generator, machine. The
 * server's figures end when the returned function is called, or at `after`
 * (an earlier `server.stats()` reading) when given.
 */
export function window(server: BenchServer): (after?: TreeStats) => WindowFigures {
  const s0 = server.stats();
  const g0 = process.cpuUsage();
  const m0 = machineJiffies();
  const t0 = now();
  return (after = server.stats()) => {
    const d = statsDelta(s0, after);
    const g = process.cpuUsage(g0);
    const m = machineJiffies();
    const wallS = (now() - t0) / 1000;
    const genS = (g.user + g.system) / 1e6;
    const busyS = m.busyS - m0.busyS;
    return {
      wallS,
      serverCpuS: d.cpuS,
      serverSysS: d.sysS,
      byLabel: d.byLabel,
      genCpuS: genS,
      // Whatever else kept the cores busy: other processes (other agents), kernel softirq for loopback.
      otherCpuS: Math.max(0, busyS - d.cpuS - genS),
      rssBytes: d.rssBytes,
      restarted: d.restarted,
    };
  };
}

/** Open file descriptors now: the most any one server process holds, the server tree's, and the bench's own. */
export function openFiles(server: BenchServer): { serverMaxPerProcess: number; serverTotal: number; bench: number } {
  const count = (pid: number) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).length;
    } catch {
      return 0;
    }
  };
  const per = server.stats().pids.map(count);
  return { serverMaxPerProcess: Math.max(0, ...per), serverTotal: per.reduce((a, b) => a + b, 0), bench: count(process.pid) };
}

/**
 * Waits (bounded) until the server's process tree is nearly idle: two
 * half-second samples in a row under `cores`. Returns whether it got there.
 */
export async function serverQuiet(server: BenchServer, { cores = 0.1, stepMs = 500, maxMs = 60_000 } = {}): Promise<boolean> {
  const t0 = now();
  let prev = server.stats();
  let calm = 0;
  while (now() - t0 < maxMs) {
    await sleep(stepMs);
    const cur = server.stats();
    const busy = statsDelta(prev, cur).cpuS / (stepMs / 1000);
    prev = cur;
    calm = busy < cores ? calm + 1 : 0;
    if (calm >= 2) return true;
  }
  return false;
}

/** Sockets in TIME_WAIT on this machine, from /proc/net/sockstat (0 where it cannot be read). */
function timeWaitSockets(): number {
  try {
    const m = /^TCP:.*\btw (\d+)/m.exec(readFileSync("/proc/net/sockstat", "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Before a target opens thousands of connections: waits until the sockets
 * earlier runs closed have left TIME_WAIT (60 s on Linux), at most 65 s. With
 * tens of thousands of them, every new loopback connection's port search in
 * the kernel costs more, and that is charged to whichever server connects
 * next (the dev proxy opens one to the Worker per client): filling the big
 * room cost the target measured third up to 2× what it cost measured first.
 * Returns the count it started from and the one it ended at.
 */
export async function settleTimeWait(): Promise<{ from: number; at: number }> {
  const from = timeWaitSockets();
  const deadline = now() + 65_000;
  while (timeWaitSockets() > CFG.timeWaitMax && now() < deadline) await sleep(1_000);
  return { from, at: timeWaitSockets() };
}
