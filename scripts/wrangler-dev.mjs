/**
 * Starting and stopping a real `wrangler dev` on 127.0.0.1, shared by the
 * end-to-end tests (test/node/dev-server.ts) and the benchmark
 * (bench/lib/server.mjs). Plain JavaScript with JSDoc types, so both can
 * import it.
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

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A port that was free a moment ago: bind port 0 on 127.0.0.1, read it, release it.
 * @returns {Promise<number>}
 */
export function freePort() {
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

/**
 * @typedef {object} WranglerOptions
 * @property {string} root the repository root (its node_modules has wrangler)
 * @property {string} cwd where the Worker's sources are
 * @property {string} config the wrangler config file
 * @property {number} port
 * @property {string} persistTo Durable Object storage directory
 * @property {Record<string, string>} [vars] `--var KEY:VALUE`
 * @property {Record<string, string>} [env] extra environment
 * @property {(chunk: string) => void} [echo] also receives wrangler's output
 * @property {number} [readyTimeoutMs] default 60 s
 */

/**
 * @typedef {object} Wrangler
 * @property {number} pid wrangler's process id (and its process group's)
 * @property {string} url `http://127.0.0.1:PORT`
 * @property {string} wsUrl `ws://127.0.0.1:PORT`
 * @property {string} log wrangler's output so far (the last 64 KiB)
 * @property {(timeoutMs?: number) => Promise<void>} stop ends the whole process group and waits for it
 */

/**
 * Starts `wrangler dev` and resolves once the Worker itself answers
 * (`GET /ws` → 426); rejects, with wrangler's output, if it exits first or
 * does not answer in time (and then leaves nothing running).
 * @param {WranglerOptions} opts
 * @returns {Promise<Wrangler>}
 */
export async function startWrangler(opts) {
  const inspectorPort = await freePort();
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
  const child = spawn(process.execPath, args, {
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
  const record = (/** @type {Buffer} */ chunk) => {
    log = (log + chunk.toString()).slice(-LOG_LIMIT);
    opts.echo?.(chunk.toString());
  };
  child.stdout.on("data", record);
  child.stderr.on("data", record);
  /** @type {Promise<void>} */
  const exited = new Promise((done) => child.once("exit", () => done()));
  let died = false;
  child.once("exit", () => (died = true));
  const pid = /** @type {number} */ (child.pid);

  /** @type {Wrangler} */
  const server = {
    pid,
    url: `http://127.0.0.1:${opts.port}`,
    wsUrl: `ws://127.0.0.1:${opts.port}`,
    get log() {
      return log;
    },
    async stop(timeoutMs = 10_000) {
      signal(-pid, "SIGTERM");
      const inTime = await Promise.race([exited.then(() => true), sleep(timeoutMs).then(() => false)]);
      if (!inTime) signal(-pid, "SIGKILL");
      // wrangler is gone; its workerd children may take a moment longer. No
      // event tells us, so poll the group (bounded), then make sure.
      const deadline = Date.now() + timeoutMs;
      while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
      if (groupAlive(pid)) signal(-pid, "SIGKILL");
      child.stdout.destroy();
      child.stderr.destroy();
    },
  };

  const timeoutMs = opts.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (died) {
      await server.stop();
      throw new Error(`wrangler dev exited before it was ready (code ${child.exitCode}):\n${log.slice(-4000)}`);
    }
    try {
      const res = await fetch(`${server.url}/ws`, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      if (res.status === 426) return server;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await sleep(100);
  }
  await server.stop();
  throw new Error(`wrangler dev did not answer on ${server.url} within ${timeoutMs} ms (${last}):\n${log.slice(-4000)}`);
}

/**
 * @param {number} target a pid, or minus a process group id
 * @param {NodeJS.Signals} sig
 */
function signal(target, sig) {
  try {
    process.kill(target, sig);
  } catch {
    // ESRCH: already gone.
  }
}

/**
 * @typedef {object} Proc
 * @property {number} pid
 * @property {string} comm
 * @property {string} state
 * @property {number} ppid
 * @property {number} pgrp
 * @property {number} ticks user + system CPU time, in clock ticks
 * @property {number} sysTicks system CPU time, in clock ticks
 * @property {number} rssBytes
 */

const PAGE_BYTES = 4096;

/**
 * Every process on the machine, from /proc/<pid>/stat.
 * @returns {Map<number, Proc>}
 */
export function readProcs() {
  const procs = new Map();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
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

/**
 * Whether any live (not zombie) process is left in process group `pgid`.
 * @param {number} pgid
 */
export function groupAlive(pgid) {
  for (const p of readProcs().values()) if (p.pgrp === pgid && p.state !== "Z") return true;
  return false;
}
