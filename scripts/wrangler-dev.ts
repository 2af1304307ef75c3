/**
 * Starting and stopping a real `wrangler dev` on 127.0.0.1, shared by the
 * end-to-end tests (test/node/dev-server.ts), the benchmark
 * (bench/lib/server.ts) and the security script.
 *
 * wrangler runs on the Node that runs the caller (Node 24 from node_modules
 * under npm scripts), in a process group of its own, so that stopping it ends
 * wrangler, its esbuild service and every workerd it started. Every wait is
 * bounded.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/** No metrics, no request.cf fetch, no local observability collector (it costs more CPU than the chat). */
export const QUIET_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  X_LOCAL_OBSERVABILITY: "false",
};

const LOG_LIMIT = 64 * 1024;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port that was free a moment ago: bind port 0 on 127.0.0.1, read it, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

export interface WranglerOptions {
  /** the repository root (its node_modules has wrangler) */
  root: string;
  /** where the Worker's sources are */
  cwd: string;
  /** the wrangler config file */
  config: string;
  port: number;
  /** Durable Object storage directory */
  persistTo: string;
  /** `--var KEY:VALUE` */
  vars?: Record<string, string>;
  /** extra environment */
  env?: Record<string, string>;
  /** also receives wrangler's output */
  echo?: (chunk: string) => void;
  /** default 60 s */
  readyTimeoutMs?: number;
}

export interface Wrangler {
  /** wrangler's process id (and its process group's) */
  pid: number;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `ws://127.0.0.1:PORT` */
  wsUrl: string;
  /** wrangler's output so far (the last 64 KiB) */
  readonly log: string;
  /** ends the whole process group and waits for it */
  stop(timeoutMs?: number): Promise<void>;
}

function wranglerArgs(opts: WranglerOptions, inspectorPort: number): string[] {
  const args = [
    join(opts.root, "node_modules/wrangler/bin/wrangler.js"),
    "dev",
    "--config",
    opts.config,
    "--ip",
    "127.0.0.1",
    "--port",
    String(opts.port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    opts.persistTo,
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  for (const [key, value] of Object.entries(opts.vars ?? {})) args.push("--var", `${key}:${value}`);
  return args;
}

/**
 * Starts `wrangler dev` and resolves once the Worker itself answers
 * (`GET /ws` → 426); rejects, with wrangler's output, if it exits first or
 * does not answer in time (and then leaves nothing running).
 */
export async function startWrangler(opts: WranglerOptions): Promise<Wrangler> {
  const inspectorPort = await freePort();
  const child = spawn(process.execPath, wranglerArgs(opts, inspectorPort), {
    cwd: opts.cwd,
    env: {
      ...process.env,
      ...QUIET_ENV,
      // A custom build step that runs `node` gets the same Node as wrangler.
      PATH: `${join(opts.root, "node_modules/.bin")}:${process.env.PATH ?? ""}`,
      CI: "true",
      NO_COLOR: "1",
      FORCE_COLOR: "0",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: stop() ends wrangler and every workerd together
  });
  let log = "";
  const record = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-LOG_LIMIT);
    opts.echo?.(chunk.toString());
  };
  child.stdout.on("data", record);
  child.stderr.on("data", record);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  let died = false;
  child.once("exit", () => {
    died = true;
  });
  const pid = child.pid ?? 0;

  const server: Wrangler = {
    pid,
    url: `http://127.0.0.1:${opts.port}`,
    wsUrl: `ws://127.0.0.1:${opts.port}`,
    get log() {
      return log;
    },
    async stop(timeoutMs = 10_000) {
      await stopGroup(pid, exited, timeoutMs);
      child.stdout.destroy();
      child.stderr.destroy();
    },
  };

  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const ready = await untilReady(server, () => died, timeoutMs);
  if (ready === true) return server;
  await server.stop();
  if (ready === false) throw new Error(`wrangler dev exited before it was ready (code ${child.exitCode}):\n${log.slice(-4000)}`);
  throw new Error(`wrangler dev did not answer on ${server.url} within ${timeoutMs} ms (${ready}):\n${log.slice(-4000)}`);
}

/**
 * Polls `GET /ws` until the Worker answers 426. Returns true when it did,
 * false when wrangler exited first, and the last answer (or error) seen when
 * the time ran out.
 */
async function untilReady(server: Wrangler, died: () => boolean, timeoutMs: number): Promise<boolean | string> {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (died()) return false;
    try {
      const res = await fetch(`${server.url}/ws`, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      if (res.status === 426) return true;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await sleep(100);
  }
  return last;
}

/** SIGTERM to the group, SIGKILL if wrangler does not exit in time, then waits (bounded) for the group to be gone. */
async function stopGroup(pid: number, exited: Promise<void>, timeoutMs: number): Promise<void> {
  signal(-pid, "SIGTERM");
  const inTime = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
  if (!inTime) signal(-pid, "SIGKILL");
  // wrangler is gone; its workerd children may take a moment longer. No
  // event tells us, so poll the group (bounded), then make sure.
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
  if (groupAlive(pid)) signal(-pid, "SIGKILL");
}

/** `target`: a pid, or minus a process group id. */
function signal(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // ESRCH: already gone.
  }
}

export interface Proc {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  /** user + system CPU time, in clock ticks */
  ticks: number;
  /** system CPU time, in clock ticks */
  sysTicks: number;
  rssBytes: number;
}

const PAGE_BYTES = 4096;

/** Every process on the machine, from /proc/<pid>/stat. */
export function readProcs(): Map<number, Proc> {
  const procs = new Map<number, Proc>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp ..." — comm may hold spaces: split after the last ')'.
    const close = stat.lastIndexOf(")");
    const f = stat.slice(close + 2).split(" ");
    // f[0] = state (field 3); utime = field 14, stime = field 15, rss = field 24
    procs.set(Number(entry), {
      pid: Number(entry),
      comm: stat.slice(stat.indexOf("(") + 1, close),
      state: f[0] ?? "",
      ppid: Number(f[1]),
      pgrp: Number(f[2]),
      ticks: Number(f[11]) + Number(f[12]),
      sysTicks: Number(f[12]),
      rssBytes: Number(f[21]) * PAGE_BYTES,
    });
  }
  return procs;
}

/** Whether any live (not zombie) process is left in process group `pgid`. */
export function groupAlive(pgid: number): boolean {
  for (const p of readProcs().values()) if (p.pgrp === pgid && p.state !== "Z") return true;
  return false;
}
