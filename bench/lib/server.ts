/**
 * Starting and measuring `wrangler dev` for the benchmark.
 *
 * Each server runs in a process group of its own (wrangler's Node process,
 * its esbuild service and its two workerd processes: the dev proxy that owns
 * the public port, and the one that runs the Worker and its Durable Objects).
 * `treeStats()` sums CPU time and RSS over that whole tree from /proc.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, type Proc, readProcs, startWrangler as start, type Wrangler } from "../../scripts/wrangler-dev.ts";

const TICKS_PER_SECOND = 100; // USER_HZ; `getconf CLK_TCK` is 100 on Linux x86_64 and arm64

/**
 * Copies what a server is built from into a temporary directory, so that
 * edits to the work tree during a run cannot make `wrangler dev` rebuild and
 * restart the Worker mid-measurement (its file watcher would). Without `ref`:
 * the files under `paths` (relative to `root`; "." for everything) that git
 * tracks or would track (ignored files such as build output are left out);
 * with `ref`: that commit's tree (`git archive`). `node_modules` is linked,
 * not copied. `name` labels the directory. Returns the directory; remove it
 * when done.
 */
export function snapshot(root: string, name: string, paths: string[], ref?: string): string {
  const dir = mkdtempSync(join(tmpdir(), `parley-bench-src-${name}-`));
  try {
    if (ref) {
      const tar = execFileSync("git", ["-C", root, "archive", "--format=tar", ref, "--", ...paths], { maxBuffer: 512 * 1024 * 1024 });
      execFileSync("tar", ["-x", "-C", dir], { input: tar, maxBuffer: 64 * 1024 * 1024 });
    } else {
      const files = execFileSync("git", ["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ...paths], {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      })
        .split("\0")
        .filter(Boolean);
      for (const f of files) {
        if (f.startsWith("node_modules/") || !existsSync(join(root, f))) continue; // deleted in the work tree
        cpSync(join(root, f), join(dir, f));
      }
    }
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

/** The commit of HEAD (or `ref`) and whether the work tree differs from it. */
export function gitState(root: string, ref = "HEAD"): { commit: string; dirty: boolean } {
  try {
    const commit = execFileSync("git", ["-C", root, "rev-parse", "--short", ref], { encoding: "utf8" }).trim();
    const dirty =
      execFileSync("git", ["-C", root, "status", "--porcelain", "--untracked-files=no", "--", "src", "wrangler.toml"], {
        encoding: "utf8",
      }).trim() !== "";
    return { commit, dirty };
  } catch {
    return { commit: "?", dirty: true };
  }
}

/** CPU seconds (user + system; `sysS`: the system part) and RSS. */
export interface Usage {
  cpuS: number;
  sysS: number;
  rssBytes: number;
}

/** A treeStats() reading: the whole tree's usage, its processes, and the usage per kind of process. */
export interface TreeStats extends Usage {
  pids: number[];
  byLabel: Record<string, Usage>;
}

/** statsDelta(): CPU over a window, RSS at its end. */
export interface StatsDelta extends Usage {
  byLabel: Record<string, Usage>;
  restarted: boolean;
}

export interface BenchServerOptions {
  name: string;
  /** the repository (for node_modules) */
  root: string;
  /** where the Worker's sources are (a snapshot) */
  cwd: string;
  config: string;
  vars?: Record<string, string>;
  readyTimeoutMs?: number;
  cleanup?: () => void;
}

export interface BenchServer {
  name: string;
  port: number;
  pid: number;
  url: string;
  wsUrl: string;
  persistTo: string;
  readonly log: string;
  /** CPU and memory of the whole process tree right now. */
  stats(): TreeStats;
  stop(): Promise<void>;
}

/**
 * Starts `wrangler dev` for one config (scripts/wrangler-dev.ts, with its
 * own storage and dev registry, and no config watching) and waits (bounded)
 * until the Worker answers.
 */
export async function startWrangler(opts: BenchServerOptions): Promise<BenchServer> {
  const port = await freePort();
  const persistTo = mkdtempSync(join(tmpdir(), `parley-bench-${opts.name}-`));
  const removeAll = () => {
    rmSync(persistTo, { recursive: true, force: true });
    opts.cleanup?.();
  };
  let wrangler: Wrangler;
  try {
    wrangler = await start({
      root: opts.root,
      cwd: opts.cwd,
      config: opts.config,
      port,
      persistTo,
      vars: opts.vars,
      readyTimeoutMs: opts.readyTimeoutMs ?? 90_000,
      env: {
        // A dev registry of its own: other wrangler dev sessions on this machine stay out of this one's view.
        WRANGLER_REGISTRY_PATH: join(persistTo, "registry"),
        // No reload when the config file is touched during a run.
        WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true",
      },
      echo: process.env.BENCH_SERVER_LOG ? (chunk) => process.stderr.write(`[${opts.name}] ${chunk}`) : undefined,
    });
  } catch (err) {
    removeAll();
    throw new Error(`${opts.name}: ${err instanceof Error ? err.message : err}`);
  }
  return {
    name: opts.name,
    port,
    pid: wrangler.pid,
    url: wrangler.url,
    wsUrl: wrangler.wsUrl,
    persistTo,
    get log() {
      return wrangler.log;
    },
    stats() {
      return treeStats(wrangler.pid, port);
    },
    async stop() {
      await wrangler.stop();
      removeAll();
    },
  };
}

function labelOf(p: Proc, port: number): string {
  if (p.comm === "workerd") {
    let cmd = "";
    try {
      cmd = readFileSync(`/proc/${p.pid}/cmdline`, "utf8");
    } catch {
      // exited
    }
    return cmd.includes(`entry=127.0.0.1:${port}`) ? "workerd-proxy" : "workerd-worker";
  }
  if (p.comm === "esbuild") return "esbuild";
  return "wrangler";
}

const labels = new Map<string, string>();

/** CPU seconds and RSS of a process and all its descendants, in total and per kind of process. */
export function treeStats(rootPid: number, port: number): TreeStats {
  const procs = readProcs();
  const children = new Map<number, Proc[]>();
  for (const p of procs.values()) {
    const siblings = children.get(p.ppid) ?? [];
    siblings.push(p);
    children.set(p.ppid, siblings);
  }
  const out: TreeStats = { cpuS: 0, sysS: 0, rssBytes: 0, byLabel: {}, pids: [] };
  const root = procs.get(rootPid);
  const stack = root ? [root] : [];
  for (let p = stack.pop(); p; p = stack.pop()) {
    const key = `${p.pid}:${p.comm}`;
    const label = labels.get(key) ?? labelOf(p, port);
    labels.set(key, label);
    const cpuS = p.ticks / TICKS_PER_SECOND;
    const sysS = p.sysTicks / TICKS_PER_SECOND;
    out.pids.push(p.pid);
    out.cpuS += cpuS;
    out.sysS += sysS;
    out.rssBytes += p.rssBytes;
    out.byLabel[label] ??= { cpuS: 0, sysS: 0, rssBytes: 0 };
    const slot = out.byLabel[label];
    slot.cpuS += cpuS;
    slot.sysS += sysS;
    slot.rssBytes += p.rssBytes;
    for (const c of children.get(p.pid) ?? []) stack.push(c);
  }
  return out;
}

/**
 * The difference of two treeStats() readings (CPU as a delta, RSS as the later
 * reading). `restarted` is true when the set of processes changed in between
 * (wrangler restarted workerd): the window's CPU figure is then meaningless.
 */
export function statsDelta(before: TreeStats, after: TreeStats): StatsDelta {
  const byLabel: Record<string, Usage> = {};
  for (const [k, v] of Object.entries(after.byLabel)) {
    byLabel[k] = { cpuS: v.cpuS - (before.byLabel[k]?.cpuS ?? 0), sysS: v.sysS - (before.byLabel[k]?.sysS ?? 0), rssBytes: v.rssBytes };
  }
  const restarted = before.pids.length !== after.pids.length || before.pids.some((p) => !after.pids.includes(p));
  return { cpuS: after.cpuS - before.cpuS, sysS: after.sysS - before.sysS, rssBytes: after.rssBytes, byLabel, restarted };
}
