/**
 * Starts a real `wrangler dev` for end-to-end tests in Node: on 127.0.0.1, on
 * free ports, with its own persistence directory, and with every wait bounded.
 *
 *   const server = await startDevServer();
 *   afterAll(() => server.stop());
 *   fetch(`${server.url}/api/rooms/8888`); new WebSocket(`${server.wsUrl}/ws`);
 *
 * The process handling (spawn in its own group, readiness, stop) is
 * scripts/wrangler-dev.ts, shared with the benchmark; this adds what tests
 * need: a persistence directory owned by the server, `restart()`, and
 * `halt()` / `start()` for an outage a test acts in.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startWrangler, type Wrangler } from "../../scripts/wrangler-dev.ts";

export { freePort };

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export interface DevServerOptions {
  /** Where Durable Object storage lives. Default: a new temp dir, removed by `stop()`. */
  persistTo?: string;
  /**
   * Port to listen on, kept across `restart()` (say, for a browser page that
   * must find the server again where it was). Default: a free one, new on each start.
   */
  port?: number;
  /**
   * Take a free port at the first start and keep it across `restart()` and
   * `start()`: for clients that reconnect by themselves (a browser page, a
   * ParleyClient) and must find the server again where it was. Ignored when
   * `port` is given.
   */
  keepPort?: boolean;
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
  /**
   * Stops wrangler dev but keeps its storage, for `start()` to bring it back
   * later: an outage the test can act in (where `restart()` would come back at once).
   */
  halt(): Promise<void>;
  /** Starts wrangler dev again after `halt()`, on the same persistence directory (and port, if given or kept). */
  start(): Promise<void>;
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

class WranglerDev implements DevServer {
  readonly persistTo: string;
  port = 0;
  private readonly ownsDir: boolean;
  private wrangler: Wrangler | null = null;

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
    return this.wrangler?.log ?? "";
  }

  async start(): Promise<void> {
    if (this.wrangler) throw new Error("wrangler dev is already running");
    this.port = this.options.port ?? (this.options.keepPort && this.port !== 0 ? this.port : await freePort());
    this.wrangler = await startWrangler({
      root: ROOT,
      cwd: ROOT,
      config: join(ROOT, "wrangler.toml"),
      port: this.port,
      persistTo: this.persistTo,
      vars: this.options.vars,
      readyTimeoutMs: this.options.readyTimeoutMs,
      echo: process.env.PARLEY_DEV_LOG ? (chunk) => process.stderr.write(chunk) : undefined,
    });
  }

  async stop(): Promise<void> {
    await this.halt();
    if (this.ownsDir) rmSync(this.persistTo, { recursive: true, force: true });
  }

  async restart(): Promise<void> {
    await this.halt();
    await this.start();
  }

  async halt(): Promise<void> {
    const wrangler = this.wrangler;
    this.wrangler = null;
    await wrangler?.stop(this.options.stopTimeoutMs);
  }
}
