/**
 * Starts a real `wrangler dev` for end-to-end tests in Node: on 127.0.0.1, on
 * free ports, with its own persistence directory, and with every wait bounded.
 *
 *   const server = await startDevServer();
 *   afterAll(() => server.stop());
 *   fetch(`${server.url}/api/rooms/8888`); new WebSocket(`${server.wsUrl}/ws`);
 *
 * wrangler runs on the Node that runs the tests (Node 24 from node_modules
 * under npm scripts), in a process group of its own, so that `stop()` ends
 * wrangler and every workerd it started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");

/** Kept everywhere: no metrics, no fetch of request.cf data, no local observability upload. */
export const QUIET_ENV = {
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  X_LOCAL_OBSERVABILITY: "false",
} as const;

export interface DevServerOptions {
  /** Where Durable Object storage lives. Default: a new temp dir, removed by `stop()`. */
  persistTo?: string;
  /**
   * Port to listen on, kept across `restart()` (say, for a browser page that
   * must find the server again where it was). Default: a free one, new on each start.
   */
  port?: number;
  /** Extra wrangler vars (`--var KEY:VALUE`), for example limits. */
  vars?: Record<string, string>;
  /** Longest wait for the server to answer HTTP after a start. Default 60 s. */
  readyTimeoutMs?: number;
  /** Longest wait for the process tree to exit after SIGTERM before SIGKILL. Default 10 s. */
  stopTimeoutMs?: number;
}

export interface DevServer {
  /** `http://127.0.0.1:PORT` (the port changes on `restart()` unless `port` was given). */
  readonly url: string;
  /** `ws://127.0.0.1:PORT` */
  readonly wsUrl: string;
  readonly port: number;
  readonly persistTo: string;
  /** wrangler's output so far (bounded), for failure messages. */
  readonly log: string;
  /** Ends wrangler and its workerd processes and waits for them; idempotent. */
  stop(): Promise<void>;
  /** Stops, then starts again on the same persistence directory. */
  restart(): Promise<void>;
}

/** A port that was free a moment ago: bind port 0 on 127.0.0.1, read it, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (port ? resolvePort(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** Starts `wrangler dev` and resolves once it answers HTTP. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const server = new WranglerDev(options);
  try {
    await server.start();
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

const LOG_LIMIT = 64 * 1024;

class WranglerDev implements DevServer {
  readonly persistTo: string;
  port = 0;
  private readonly ownsDir: boolean;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private output = "";

  constructor(private readonly options: DevServerOptions) {
    this.ownsDir = options.persistTo === undefined;
    this.persistTo = options.persistTo ?? mkdtempSync(join(tmpdir(), "parley-dev-"));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.output;
  }

  async start(): Promise<void> {
    if (this.child) throw new Error("wrangler dev is already running");
    this.port = this.options.port ?? (await freePort());
    const inspectorPort = await freePort();
    const args = [
      WRANGLER,
      "dev",
      "--config", join(ROOT, "wrangler.toml"),
      "--ip", "127.0.0.1",
      "--port", String(this.port),
      "--inspector-port", String(inspectorPort),
      "--persist-to", this.persistTo,
      "--show-interactive-dev-session=false",
      "--log-level", "warn",
    ];
    for (const [key, value] of Object.entries(this.options.vars ?? {})) args.push("--var", `${key}:${value}`);

    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { ...process.env, ...QUIET_ENV, CI: "true", NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group, so stop() can signal wrangler and workerd together.
      detached: true,
    });
    this.child = child;
    this.exited = new Promise((done) => child.once("exit", () => done()));
    const record = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-LOG_LIMIT);
      if (process.env.PARLEY_DEV_LOG) process.stderr.write(chunk);
    };
    child.stdout?.on("data", record);
    child.stderr?.on("data", record);

    await this.waitUntilReady(child, this.options.readyTimeoutMs ?? 60_000);
  }

  /** Polls until the Worker itself answers (`GET /ws` → 426), the process dies, or time runs out. */
  private async waitUntilReady(child: ChildProcess, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let died = false;
    const onExit = () => (died = true);
    child.once("exit", onExit);
    let last = "no answer yet";
    try {
      while (Date.now() < deadline) {
        if (died) throw new Error(`wrangler dev exited before it was ready (code ${child.exitCode}):\n${this.output}`);
        try {
          const res = await fetch(`${this.url}/ws`, { signal: AbortSignal.timeout(2_000) });
          await res.body?.cancel();
          if (res.status === 426) return;
          last = `HTTP ${res.status}`;
        } catch (err) {
          last = String(err);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`wrangler dev did not answer on ${this.url} within ${timeoutMs} ms (${last}):\n${this.output}`);
    } finally {
      child.off("exit", onExit);
    }
  }

  async stop(): Promise<void> {
    await this.halt();
    if (this.ownsDir) rmSync(this.persistTo, { recursive: true, force: true });
  }

  async restart(): Promise<void> {
    await this.halt();
    await this.start();
  }

  /** SIGTERM to the whole group, bounded wait, then SIGKILL; returns once the group is gone. */
  private async halt(): Promise<void> {
    const child = this.child;
    if (!child || child.pid === undefined) {
      this.child = null;
      return;
    }
    const group = -child.pid;
    const timeoutMs = this.options.stopTimeoutMs ?? 10_000;
    signal(group, "SIGTERM");
    const inTime = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref()),
    ]);
    if (!inTime) signal(group, "SIGKILL");
    await this.exited;
    // wrangler is gone; its workerd children may take a moment longer. No event
    // tells us, so poll the group briefly (bounded), then make sure.
    const deadline = Date.now() + timeoutMs;
    while (groupAlive(group) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (groupAlive(group)) signal(group, "SIGKILL");
    child.stdout?.destroy();
    child.stderr?.destroy();
    this.child = null;
  }
}

function signal(group: number, sig: NodeJS.Signals): void {
  try {
    process.kill(group, sig);
  } catch {
    // ESRCH: already gone.
  }
}

/** Whether any live (not zombie) process is left in the group. */
function groupAlive(group: number): boolean {
  try {
    process.kill(group, 0);
  } catch {
    return false;
  }
  // Linux: a zombie still counts for kill(); look at the states instead.
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      } catch {
        continue; // exited meanwhile
      }
      // "pid (comm) state ppid pgrp ..." — comm may contain spaces, so split after the last ')'.
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(pgrp) === -group && state !== "Z") return true;
    }
    return false;
  } catch {
    return true; // no /proc: trust kill()
  }
}
