/**
 * The servers the attacks run against: real `wrangler dev` processes.
 *
 * - Logs. scripts/wrangler-dev runs wrangler with `--log-level warn`, so the
 *   Worker's console.log lines never reach wrangler's stdout; wrangler still
 *   writes every line to its debug log file, which we point at
 *   `WRANGLER_LOG_PATH` (a file of our own) and read.
 * - Edits. Each server runs from a snapshot of the work tree taken at start
 *   (bench/lib/server), so edits made during a run cannot make wrangler
 *   rebuild and restart the Worker mid-attack. With `ref` (SECURITY_REF=HEAD
 *   for the script) the snapshot is that commit's tree instead: the way to
 *   see each check catch the defect on code from before a fix.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { snapshot } from "../../../bench/lib/server.ts";
import { freePort, startWrangler } from "../../wrangler-dev.ts";
import { AUTH_SECRET } from "./tokens.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

export interface Target {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `ws://127.0.0.1:PORT` */
  wsUrl: string;
  /** its `--persist-to` directory */
  persistTo: string;
  /** everything the Worker logged so far (wrangler's debug log file, then its stdout and stderr) */
  output: () => string;
  stop: () => Promise<void>;
}

export interface Targets {
  /** wrangler.toml's vars as they ship, and an AUTH_SECRET (lib/tokens.ts) for the attacks that need a role */
  main: Target;
  /** `MAX_ROOM_MEMBERS=2`, for the full-room checks of attack 9 */
  small: Target;
  /** stops both and removes their directories */
  stop: () => Promise<void>;
}

/**
 * Starts one `wrangler dev` from a snapshot of the work tree (or of commit
 * `ref`), with its own persistence directory and log file.
 */
async function startTarget(name: string, vars: Record<string, string>, ref: string | undefined): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), `parley-security-${name}-`));
  const src = snapshot(ROOT, `security-${name}`, ["."], ref);
  const persistTo = join(dir, "persist");
  const logFile = join(dir, "wrangler.log");
  const removeAll = () => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(src, { recursive: true, force: true });
  };
  let running: Awaited<ReturnType<typeof startWrangler>>;
  try {
    running = await startWrangler({
      root: ROOT,
      cwd: src,
      config: join(src, "wrangler.toml"),
      port: await freePort(),
      persistTo,
      vars,
      readyTimeoutMs: 90_000,
      env: {
        // Every line the Worker logs, whatever wrangler's --log-level.
        WRANGLER_LOG_PATH: logFile,
        // A dev registry of its own, and no reload if the config is touched.
        WRANGLER_REGISTRY_PATH: join(dir, "registry"),
        WRANGLER_CI_DISABLE_CONFIG_WATCHING: "true",
      },
      echo: process.env.PARLEY_DEV_LOG ? (chunk) => process.stderr.write(`[${name}] ${chunk}`) : undefined,
    });
  } catch (err) {
    removeAll();
    throw err;
  }
  return {
    url: running.url,
    wsUrl: running.wsUrl,
    persistTo,
    output: () => `${existsSync(logFile) ? readFileSync(logFile, "utf8") : ""}\n${running.log}`,
    async stop() {
      await running.stop();
      removeAll();
    },
  };
}

/**
 * Starts the two servers the attacks run against (at once; each start is bounded).
 * @param options.ref a commit to run instead of the work tree
 */
export async function startTargets(options: { ref?: string } = {}): Promise<Targets> {
  const started = await Promise.allSettled([
    // Tokens for the attacks on roles and sanctions (lib/tokens.ts); API_KEY stays unset, as shipped.
    startTarget("main", { AUTH_SECRET }, options.ref),
    startTarget("small", { MAX_ROOM_MEMBERS: "2" }, options.ref),
  ]);
  const up = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s) => s.status === "rejected");
  const [main, small] = up;
  if (failed || !main || !small) {
    await Promise.all(up.map((t) => t.stop()));
    throw failed?.reason ?? new Error("wrangler dev did not start");
  }
  return { main, small, stop: async () => void (await Promise.all([main.stop(), small.stop()])) };
}
