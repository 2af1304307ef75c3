/**
 * The attacks of issue "Hardening II: what an outside attacker found", each
 * one run against a real `wrangler dev` and judged by what the FIXED server
 * must do. Shared by `npm run security` (scripts/security.mjs) and
 * test/node/security.test.ts, so both run exactly the same checks.
 *
 *   const targets = await startTargets();
 *   for (const attack of ATTACKS) console.log(formatVerdict(attack, await runAttack(attack, targets)));
 *   await targets.stop();
 *
 * How wrangler dev shapes these checks:
 * - Client addresses. wrangler dev (miniflare's entry worker) sets
 *   `CF-Connecting-IP` to 127.0.0.1 only when the request has none, and keeps
 *   one the client sent. Every actor here sends its own address from
 *   198.18.0.0/15 (RFC 2544's benchmarking range), so one attack's flood
 *   never trips another's per-address limit, and an attacker "from one
 *   address" is exactly that.
 * - Room databases. Each room's SQLite file is
 *   `<persist>/v3/do/parley-Room/<64 hex>.sqlite` (plus -wal and -shm);
 *   `metadata.sqlite` beside them is miniflare's own.
 * - Logs. scripts/wrangler-dev.ts runs wrangler with `--log-level warn`, so
 *   the Worker's console.log lines never reach wrangler's stdout; wrangler
 *   still writes every line to its debug log file, which we point at
 *   `WRANGLER_LOG_PATH` (a file of our own) and read.
 * - Edits. Each server runs from a snapshot of the work tree taken at start
 *   (bench/lib/server.ts), so edits made during a run cannot make wrangler
 *   rebuild and restart the Worker mid-attack. With `ref` (SECURITY_REF=HEAD
 *   for the script) the snapshot is that commit's tree instead: the way to
 *   see each check catch the defect on code from before a fix.
 *
 * Every wait and every loop is bounded in count and in time.
 */
import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { snapshot } from "../bench/lib/server.ts";
import { freePort, startWrangler } from "./wrangler-dev.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SUBPROTOCOL = "parley.v1";
const MiB = 1024 * 1024;

const now = () => performance.now();
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ servers

/**
 * @typedef {object} Target
 * @property {string} url `http://127.0.0.1:PORT`
 * @property {string} wsUrl `ws://127.0.0.1:PORT`
 * @property {string} persistTo its `--persist-to` directory
 * @property {() => string} output everything the Worker logged so far (wrangler's debug log file, then its stdout and stderr)
 * @property {() => Promise<void>} stop
 */

/**
 * @typedef {object} Targets
 * @property {Target} main wrangler.toml's vars as they ship
 * @property {Target} small `MAX_ROOM_MEMBERS=2`, for the full-room checks of attack 9
 * @property {() => Promise<void>} stop stops both and removes their directories
 */

/**
 * Starts one `wrangler dev` from a snapshot of the work tree (or of commit
 * `ref`), with its own persistence directory and log file.
 * @param {string} name
 * @param {Record<string, string>} vars
 * @param {string | undefined} ref
 * @returns {Promise<Target>}
 */
async function startTarget(name, vars, ref) {
  const dir = mkdtempSync(join(tmpdir(), `parley-security-${name}-`));
  const src = snapshot(ROOT, `security-${name}`, ["."], ref);
  const persistTo = join(dir, "persist");
  const logFile = join(dir, "wrangler.log");
  const removeAll = () => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(src, { recursive: true, force: true });
  };
  let wrangler;
  try {
    wrangler = await startWrangler({
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
  const running = wrangler;
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
 * @param {{ref?: string}} [options] `ref`: a commit to run instead of the work tree
 * @returns {Promise<Targets>}
 */
export async function startTargets(options = {}) {
  const started = await Promise.allSettled([
    startTarget("main", {}, options.ref),
    startTarget("small", { MAX_ROOM_MEMBERS: "2" }, options.ref),
  ]);
  const up = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s) => s.status === "rejected");
  if (failed || up.length !== 2) {
    await Promise.all(up.map((t) => t.stop()));
    throw failed?.reason ?? new Error("wrangler dev did not start");
  }
  const [main, small] = /** @type {[Target, Target]} */ (up);
  return { main, small, stop: async () => void (await Promise.all([main.stop(), small.stop()])) };
}

// ------------------------------------------------------------------ clients

let addressCount = 0;
/** A client address of its own (198.18.0.0/15), sent as `CF-Connecting-IP`. */
function nextAddress() {
  addressCount += 1;
  return `198.${18 + ((addressCount >> 16) & 1)}.${(addressCount >> 8) & 255}.${addressCount & 255}`;
}

/** A room name no other check uses. */
function freshRoom(prefix = "sec") {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/**
 * @typedef {object} HttpAnswer
 * @property {number} status 0 if the request failed
 * @property {Headers | null} headers
 * @property {string} text
 */

/**
 * One HTTP request with `fetch` (which normalises the path: see {@link rawHttp}).
 * @param {string} url
 * @param {{method?: string, ip?: string, body?: string, headers?: Record<string, string>, timeoutMs?: number}} [o]
 * @returns {Promise<HttpAnswer>}
 */
async function http(url, o = {}) {
  /** @type {Record<string, string>} */
  const headers = { "CF-Connecting-IP": o.ip ?? nextAddress(), ...o.headers };
  if (o.body !== undefined) headers["content-type"] = "application/json";
  try {
    const res = await fetch(url, {
      method: o.method ?? (o.body === undefined ? "GET" : "POST"),
      headers,
      body: o.body,
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (err) {
    return { status: 0, headers: null, text: String(err) };
  }
}

/**
 * One HTTP request with node:http, whose path goes on the wire exactly as
 * given (`fetch` would turn `/api/rooms/%2E/messages` into `/api/rooms/messages`).
 * @param {Target} target
 * @param {string} method
 * @param {string} path
 * @param {string} [body]
 * @returns {Promise<{status: number, text: string}>}
 */
function rawHttp(target, method, path, body) {
  return new Promise((done) => {
    /** @type {Record<string, string>} */
    const headers = { "CF-Connecting-IP": nextAddress() };
    if (body !== undefined) headers["content-type"] = "application/json";
    const req = httpRequest(`${target.url}/`, { method, path, headers, timeout: 10_000 });
    req.on("response", (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => done({ status: res.statusCode ?? 0, text }));
      res.on("error", (err) => done({ status: res.statusCode ?? 0, text: String(err) }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (err) => done({ status: 0, text: String(err) }));
    req.end(body);
  });
}

/** The `code` of a JSON error body, if the text is one. */
function errorCode(/** @type {string} */ text) {
  try {
    const code = JSON.parse(text)?.error?.code;
    return typeof code === "string" ? code : undefined;
  } catch {
    return undefined;
  }
}

/** `status code` of an HTTP answer, for figures. */
const said = (/** @type {{status: number, text: string}} */ a) => `${a.status}${errorCode(a.text) ? ` ${errorCode(a.text)}` : ""}`;

/**
 * Runs `task(i)` for i = 0 … count−1, `width` at a time.
 * @param {number} width
 * @param {number} count
 * @param {(i: number) => Promise<void>} task
 */
async function pool(width, count, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** @typedef {{type: string, [field: string]: any}} ServerEvent */

/** Sockets still open, closed by {@link runAttack} whatever an attack left behind. */
const OPEN = new Set();

/** A `ws` client that records what it receives; every wait is bounded. */
export class Peer {
  /**
   * @param {WebSocket} ws
   * @param {boolean} keep keep every frame (false: count frames and bytes only, for floods of big frames)
   */
  constructor(ws, keep) {
    this.ws = ws;
    /** @type {string[]} */
    this.frames = [];
    /** Frames and bytes received (message payloads). */
    this.count = 0;
    this.bytes = 0;
    /** @type {((frame: Buffer) => void) | undefined} */
    this.onFrame = undefined;
    /** @type {{code: number, reason: string, at: number} | null} */
    this.closed = null;
    this.read = 0;
    /** @type {(() => void) | null} */
    this.wake = null;
    ws.on("message", (data) => {
      const frame = /** @type {Buffer} */ (data);
      this.count += 1;
      this.bytes += frame.length;
      this.onFrame?.(frame);
      if (keep) this.frames.push(frame.toString());
      this.wake?.();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString(), at: now() };
      OPEN.delete(this);
      this.wake?.();
    });
    ws.on("error", () => {}); // a close follows
    OPEN.add(this);
  }

  /** @param {unknown} frame a string as it is, anything else as JSON */
  send(frame) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next unread frame. */
  async next(ms = 5_000) {
    const deadline = now() + ms;
    while (this.read >= this.frames.length) {
      if (this.closed) throw new Error(`closed (${this.closed.code}) while waiting; saw ${this.frames.length} frames`);
      if (now() >= deadline) throw new Error(`no frame within ${ms} ms`);
      await this.sleep(deadline - now());
    }
    return /** @type {string} */ (this.frames[this.read++]);
  }

  /** The next unread frame as a JSON event. */
  async event(ms = 5_000) {
    return /** @type {ServerEvent} */ (JSON.parse(await this.next(ms)));
  }

  /**
   * Reads events until one matches.
   * @param {(e: ServerEvent) => boolean} match
   */
  async until(match, ms = 5_000) {
    const deadline = now() + ms;
    for (;;) {
      const e = await this.event(Math.max(1, deadline - now()));
      if (match(e)) return e;
    }
  }

  /**
   * Waits until `cond()` holds (checked on every frame and close); false after `ms`.
   * @param {() => boolean} cond
   * @param {number} ms
   */
  async waitFor(cond, ms) {
    const deadline = now() + ms;
    while (!cond()) {
      if (now() >= deadline) return false;
      await this.sleep(Math.min(100, deadline - now()));
    }
    return true;
  }

  /** The close code and reason, once the socket is closed. */
  async closedWith(ms = 5_000) {
    await this.waitFor(() => this.closed !== null, ms);
    if (!this.closed) throw new Error(`still open after ${ms} ms`);
    return this.closed;
  }

  terminate() {
    this.ws.terminate();
    OPEN.delete(this);
  }

  /** @param {number} ms */
  sleep(ms) {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve(undefined);
      };
      const timer = setTimeout(done, Math.max(1, ms));
      this.wake = done;
    });
  }
}

/**
 * Opens a socket from an address of its own and waits for the handshake;
 * rejects with the HTTP status if the upgrade is refused.
 * @param {string} url
 * @param {{json?: boolean, ip?: string, keep?: boolean}} [o]
 * @returns {Promise<Peer>}
 */
function openPeer(url, o = {}) {
  const ws = new WebSocket(url, o.json ? [SUBPROTOCOL] : [], {
    headers: { "CF-Connecting-IP": o.ip ?? nextAddress() },
    handshakeTimeout: 5_000,
    perMessageDeflate: false,
    maxPayload: 256 * MiB,
  });
  const peer = new Peer(ws, o.keep ?? true);
  return new Promise((done, fail) => {
    ws.once("open", () => done(peer));
    ws.once("unexpected-response", (_req, res) => {
      peer.terminate();
      fail(Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode}`), { status: res.statusCode }));
    });
    ws.once("error", (err) => {
      peer.terminate();
      fail(err);
    });
  });
}

/** A direct room socket's URL. */
const direct = (/** @type {Target} */ t, /** @type {string} */ room, /** @type {string} */ nick) =>
  `${t.wsUrl}/ws?room=${encodeURIComponent(room)}&nick=${encodeURIComponent(nick)}`;

const isType = (/** @type {string} */ type) => (/** @type {ServerEvent} */ e) => e.type === type;
/** The message event with this id, or an error that names it. */
const answerTo = (/** @type {string} */ id) => (/** @type {ServerEvent} */ e) =>
  (e.type === "message" && e.id === id) || (e.type === "error" && e.ref === id);

/** Joins `room` on a direct JSON socket and waits for `joined`. */
async function member(/** @type {Target} */ t, /** @type {string} */ room, /** @type {string} */ nick) {
  const peer = await openPeer(direct(t, room, nick), { json: true });
  await peer.until(isType("joined"));
  return peer;
}

/** The limits the server says it enforces (`GET /api/limits`). */
async function limitsOf(/** @type {Target} */ t) {
  const res = await http(`${t.url}/api/limits`);
  const limits = JSON.parse(res.text);
  return { burst: Number(limits.rateLimitBurst), perSecond: Number(limits.rateLimitPerSecond) };
}

/**
 * Every stored message of a room, paged over HTTP (bounded).
 * @returns {Promise<ServerEvent[]>}
 */
async function history(/** @type {Target} */ t, /** @type {string} */ room) {
  /** @type {ServerEvent[]} */
  const all = [];
  let since = 0;
  for (let page = 0; page < 100; page++) {
    const res = await http(`${t.url}/api/rooms/${encodeURIComponent(room)}/messages?since=${since}&limit=200`);
    if (res.status !== 200) throw new Error(`history of ${room}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
    /** @type {ServerEvent[]} */
    const messages = JSON.parse(res.text).messages;
    all.push(...messages);
    if (messages.length < 200) break;
    since = messages.at(-1)?.seq ?? since;
  }
  return all;
}

/**
 * p-th percentile (nearest rank) of samples.
 * @param {number[]} samples
 * @param {number} p
 */
function percentile(samples, p) {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return /** @type {number} */ (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
}

const mib = (/** @type {number} */ bytes) => `${(bytes / MiB).toFixed(bytes < MiB ? 2 : 1)} MiB`;
const secs = (/** @type {number} */ ms) => `${(ms / 1000).toFixed(1)} s`;
/** A short, one-line rendering of a string for figures. */
const show = (/** @type {string} */ s) => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);

// ------------------------------------------------------------------ the attacks

/**
 * @typedef {object} Verdict
 * @property {boolean} ok whether the server did what the fixed server must
 * @property {string} figure what was measured, on one line
 */

/**
 * 1. One address POSTs messages as fast as it can for 3 s. Fixed: after a
 * burst the answers are 429 with `Retry-After`, and no more than burst +
 * perSecond × seconds (+ slack) are stored.
 * @param {Targets} targets
 * @returns {Promise<Verdict>}
 */
export async function httpWriteFlood({ main }) {
  const SLACK = 5;
  const room = freshRoom("flood");
  const limits = await limitsOf(main);
  const ip = nextAddress();
  const url = `${main.url}/api/rooms/${room}/messages`;
  /** @type {Map<number, number>} */
  const statuses = new Map();
  let first429 = -1;
  let without = 0;
  let sent = 0;
  const start = now();
  await pool(8, 5_000, async (i) => {
    if (now() - start >= 3_000) return;
    sent += 1;
    const res = await http(url, { ip, body: JSON.stringify({ nick: "flooder", text: `flood ${i}`, id: `flood-${i}` }) });
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    if (res.status === 429) {
      if (first429 < 0 || i < first429) first429 = i;
      if (!res.headers?.get("retry-after")) without += 1;
    }
  });
  const seconds = (now() - start) / 1000;
  const stored = (await history(main, room)).length;
  const bound = limits.burst + Math.ceil(limits.perSecond * seconds) + SLACK;
  const ok = first429 >= 0 && without === 0 && stored >= 1 && stored <= bound;
  const answers = [...statuses].map(([s, n]) => `${s}×${n}`).join(" ");
  return {
    ok,
    figure:
      `stored ${stored} of ${sent} posts in ${seconds.toFixed(1)} s (at most ${bound}); ` +
      `first 429 at #${first429 < 0 ? "none" : first429}${first429 >= 0 ? `, ${without ? `${without} without` : "all with"} Retry-After` : ""}; ${answers}`,
  };
}

const HUGE_BYTES = 20 * MiB;
const HUGE_CHUNK = 64 * 1024;
/** Between chunks: the whole body takes about 3.5 s to send, so an early answer shows. */
const HUGE_PACE_MS = 10;

/**
 * POSTs a 20 MiB JSON body at a steady pace, and notes when the answer
 * comes: how long it took, and how much of the body had been sent by then.
 * @param {Target} t
 * @param {string} path
 * @param {boolean} withLength `Content-Length` (else chunked)
 * @returns {Promise<{status: number, code: string | undefined, ms: number, sent: number, error?: string}>}
 */
function hugePost(t, path, withLength) {
  return new Promise((done) => {
    /** @type {Record<string, string>} */
    const headers = { "content-type": "application/json", "CF-Connecting-IP": nextAddress() };
    if (withLength) headers["content-length"] = String(HUGE_BYTES);
    const head = Buffer.from('{"nick":"big","text":"');
    const tail = Buffer.from('"}');
    const filler = Buffer.alloc(HUGE_CHUNK, "x");
    const start = now();
    let sent = 0;
    let answered = false;
    let finished = false;
    const req = httpRequest(`${t.url}${path}`, { method: "POST", headers });
    /** @param {{status: number, code: string | undefined, ms: number, sent: number, error?: string}} r */
    const finish = (r) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      req.destroy();
      done(r);
    };
    const timer = setTimeout(() => finish({ status: 0, code: undefined, ms: now() - start, sent, error: "no answer in 20 s" }), 20_000);
    req.on("response", (res) => {
      answered = true;
      const ms = now() - start;
      const sentThen = sent;
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => finish({ status: res.statusCode ?? 0, code: errorCode(text), ms, sent: sentThen }));
      res.on("error", () => finish({ status: res.statusCode ?? 0, code: errorCode(text), ms, sent: sentThen }));
    });
    req.on("error", (err) => {
      if (!answered) finish({ status: 0, code: undefined, ms: now() - start, sent, error: err.message });
    });
    (async () => {
      req.write(head);
      sent += head.length;
      const body = HUGE_BYTES - tail.length;
      while (!answered && !finished && sent < body) {
        const n = Math.min(HUGE_CHUNK, body - sent);
        const flushed = req.write(n === HUGE_CHUNK ? filler : filler.subarray(0, n));
        sent += n;
        if (!flushed) await Promise.race([new Promise((r) => req.once("drain", r)), sleep(2_000)]);
        await sleep(HUGE_PACE_MS);
      }
      if (!answered && !finished) {
        req.end(tail);
        sent += tail.length;
      }
    })().catch(() => {});
  });
}

/**
 * 2. A 20 MiB body, with `Content-Length` and chunked. Fixed: 413 with a
 * JSON error body, answered while the body is still being sent.
 * @param {Targets} targets
 * @returns {Promise<Verdict>}
 */
export async function hugeBody({ main }) {
  const path = `/api/rooms/${freshRoom("huge")}/messages`;
  const runs = [
    { label: "Content-Length", r: await hugePost(main, path, true) },
    { label: "chunked", r: await hugePost(main, path, false) },
  ];
  const good = (/** @type {(typeof runs)[number]["r"]} */ r) => r.status === 413 && r.code !== undefined && r.sent < HUGE_BYTES;
  return {
    ok: runs.every(({ r }) => good(r)),
    figure: runs
      .map(
        ({ label, r }) =>
          `${label}: ${r.status || r.error} ${r.code ?? "(no JSON error)"} after ${r.ms.toFixed(0)} ms, ` +
          `${(r.sent / MiB).toFixed(1)} of 20 MiB sent${r.sent >= HUGE_BYTES ? " (read it all)" : ""}`,
      )
      .join("; "),
  };
}

/**
 * The rooms in a server's persistence directory that stored anything: SQLite
 * files named by the object's id in `v3/do/<worker>-Room/` (not miniflare's
 * metadata.sqlite) that hold any table of Parley's. miniflare makes a file
 * for every object it starts, with only its own `__miniflare_do_name` table
 * in it, so a file alone says nothing; Cloudflare keeps no storage at all for
 * an object that never wrote.
 * @param {Target} t
 */
function roomDatabases(t) {
  const doDir = join(t.persistTo, "v3", "do");
  if (!existsSync(doDir)) return new Set();
  const files = readdirSync(doDir)
    .filter((d) => d.endsWith("-Room"))
    .flatMap((d) => readdirSync(join(doDir, d)).map((f) => `${d}/${f}`))
    .filter((f) => /\/[0-9a-f]{64}\.sqlite$/.test(f));
  return new Set(files.filter((f) => storedAnything(join(doDir, f))));
}

/** @param {string} path */
function storedAnything(path) {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = /** @type {{name: string}[]} */ (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all());
    return tables.some((t) => !t.name.startsWith("__miniflare") && !t.name.startsWith("_cf_"));
  } finally {
    db.close();
  }
}

/**
 * One address sends GETs as fast as it can (at most 800 — past the default
 * HTTP_READS_PER_MINUTE of 600 —, for at most 6 s).
 * @param {Target} t
 * @returns {Promise<{first429: number, sent: number}>}
 */
async function getFlood(t) {
  const ip = nextAddress();
  const url = `${t.url}/api/rooms/${freshRoom("getflood")}/messages`;
  let first429 = -1;
  let sent = 0;
  const start = now();
  await pool(8, 800, async (i) => {
    if (first429 >= 0 || now() - start >= 6_000) return;
    sent += 1;
    const res = await http(url, { ip });
    if (res.status === 429 && (first429 < 0 || i < first429)) first429 = i;
  });
  return { first429, sent };
}

/**
 * 3. Reads of rooms nobody wrote to, and sockets that join and leave
 * without a word. Fixed: no new room database; and a GET flood from one
 * address is eventually 429. The 200 GETs come from 200 addresses, so that
 * a per-address limit cannot answer them for the room.
 * @param {Targets} targets
 * @returns {Promise<Verdict>}
 */
export async function readsCreateRooms({ main }) {
  await sleep(200);
  const before = roomDatabases(main);
  /** @type {Map<number, number>} */
  const statuses = new Map();
  await pool(10, 200, async (i) => {
    const room = encodeURIComponent(freshRoom("ghost"));
    const res = await http(`${main.url}/api/rooms/${room}${i < 100 ? "" : "/messages"}`);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  });
  let joined = 0;
  await pool(5, 20, async () => {
    const peer = await openPeer(direct(main, freshRoom("ghost"), "ghost"), { json: true }).catch(() => null);
    if (!peer) return;
    try {
      if ((await peer.event().catch(() => null))?.type === "joined") joined += 1;
      peer.send({ action: "leave" });
      await peer.closedWith(3_000).catch(() => {});
    } finally {
      peer.terminate();
    }
  });
  await sleep(500);
  const created = [...roomDatabases(main)].filter((f) => !before.has(f)).length;
  const refusedReads = [...statuses].filter(([s]) => s === 0 || s === 429 || s >= 500).reduce((n, [, c]) => n + c, 0);
  const flood = await getFlood(main);
  const answers = [...statuses].map(([s, n]) => `${s}×${n}`).join(" ");
  return {
    ok: created === 0 && refusedReads === 0 && joined === 20 && flood.first429 >= 0,
    figure:
      `${created} new room databases after 200 GETs (${answers}) and ${joined}/20 sockets joined and left; ` +
      `GET flood from one address: first 429 at #${flood.first429 < 0 ? `none of ${flood.sent}` : flood.first429}`,
  };
}

const AMPLIFY_JOINS = 200;
const AMPLIFY_MAX_BYTES = 2 * MiB;
// The defect raised it from 11 ms to 276 ms on an idle machine. Under npm test the check shares two
// cores with other test files, so the bound leaves room for that; the bytes are the sharp check.
const ECHO_P95_MS = 250;

/**
 * One attacker socket asks for the room's whole history `AMPLIFY_JOINS`
 * times, as fast as it can; counts what it gets until it is closed or the
 * bytes stop coming (1 s of silence, 8 s at most).
 * @param {Target} t
 * @param {string} room
 * @param {"direct" | "in-band"} path
 */
async function amplify(t, room, path) {
  const peer = await openPeer(path === "direct" ? direct(t, room, "x") : `${t.wsUrl}/ws`, { json: true, keep: false });
  let replies = 0;
  let limited = 0;
  peer.onFrame = (frame) => {
    const head = frame.subarray(0, 40).toString();
    if (head.startsWith('{"type":"joined"')) replies += 1;
    else if (frame.length < 4096 && head.startsWith('{"type":"error"') && JSON.parse(frame.toString()).code === "rate_limited")
      limited += 1;
  };
  try {
    if (path === "in-band") peer.send({ action: "join", msg: room, nick: "x" });
    if (!(await peer.waitFor(() => replies > 0, 5_000))) throw new Error(`${path} attacker got no greeting`);
    const start = now();
    const frame = JSON.stringify({ action: "join", msg: room, nick: "x", since: 0 });
    for (let i = 0; i < AMPLIFY_JOINS; i++) peer.send(frame);
    let last = -1;
    while (!peer.closed && peer.bytes !== last && now() - start < 8_000) {
      last = peer.bytes;
      await peer.waitFor(() => peer.closed !== null, 1_000);
    }
    const closed = peer.closed ? `closed ${peer.closed.code} after ${secs(peer.closed.at - start)}` : "still open";
    return { bytes: peer.bytes, figure: `${path}: ${mib(peer.bytes)} (${replies} greetings, ${limited} rate_limited, ${closed})` };
  } finally {
    peer.terminate();
  }
}

/**
 * A member's echo latency: it sends, waits for its own message, and again
 * (at most 5 a second, the default refill, so it is never rate limited
 * itself), until `done()` and for at least `minMs`. A lost echo counts as
 * infinitely late.
 * @param {Peer} peer
 * @param {() => boolean} done
 * @param {number} minMs
 */
async function echoLatencies(peer, done, minMs) {
  /** @type {number[]} */
  const samples = [];
  const start = now();
  for (let i = 0; i < 200 && (!done() || now() - start < minMs) && now() - start < 30_000; i++) {
    const id = `probe-${i}`;
    const t0 = now();
    peer.send({ action: "send_to_room", msg: `probe ${i}`, id });
    const answer = await peer.until(answerTo(id), 2_000).catch(() => null);
    samples.push(answer?.type === "message" ? now() - t0 : Number.POSITIVE_INFINITY);
    await sleep(Math.max(0, t0 + 200 - now()));
  }
  return samples;
}

/**
 * 4. A room with 200 stored messages; one socket asks for all of them 200
 * times, on each path. Fixed: each attacker gets at most 2 MiB (history
 * replies are charged to its rate budget by size) and another member's echo
 * p95 stays under ECHO_P95_MS meanwhile.
 * @param {Targets} targets
 * @returns {Promise<Verdict>}
 */
export async function historyAmplification({ main }) {
  const room = freshRoom("amplify");
  const text = "a".repeat(2_500);
  /** @type {number[]} */
  const setup = [];
  await pool(10, 200, async (i) => {
    const res = await http(`${main.url}/api/rooms/${room}/messages`, {
      body: JSON.stringify({ nick: "filler", text: `${i} ${text}`, id: `fill-${i}` }),
    });
    setup.push(res.status);
  });
  const stored = setup.filter((s) => s === 201).length;
  if (stored !== 200) return { ok: false, figure: `setup: only ${stored} of 200 messages stored (${[...new Set(setup)].join(", ")})` };
  const victim = await member(main, room, "victim");
  try {
    let attacking = true;
    const probing = echoLatencies(victim, () => !attacking, 1_500);
    const runs = [];
    try {
      runs.push(await amplify(main, room, "direct"));
      runs.push(await amplify(main, room, "in-band"));
    } finally {
      attacking = false;
    }
    const samples = await probing;
    const p95 = percentile(samples, 95);
    const lost = samples.filter((s) => !Number.isFinite(s)).length;
    const ok = runs.every((r) => r.bytes <= AMPLIFY_MAX_BYTES) && samples.length >= 5 && p95 < ECHO_P95_MS;
    return {
      ok,
      figure:
        `attacker got ${runs.map((r) => r.figure).join("; ")} (at most ${mib(AMPLIFY_MAX_BYTES)} each); ` +
        `member echo p95 ${Number.isFinite(p95) ? p95.toFixed(0) : "∞"} ms (max ${Math.max(...samples).toFixed(0)}, ` +
        `${samples.length} samples${lost ? `, ${lost} lost` : ""}; under ${ECHO_P95_MS})`,
    };
  } finally {
    victim.terminate();
  }
}

/**
 * 5. An attacker sends id `c-17` first; then the victim sends its own
 * message with the same id. Fixed: the victim's message is stored and its
 * echo is its own text; over HTTP from two addresses, both are 201.
 * @param {Targets} targets
 * @returns {Promise<Verdict>}
 */
export async function idHijack({ main }) {
  const room = freshRoom("hijack");
  const mallory = await member(main, room, "mallory");
  let socket = "";
  let socketOk = false;
  try {
    mallory.send({ action: "send_to_room", msg: "evil", id: "c-17" });
    await mallory.until(answerTo("c-17"));
    const alice = await member(main, room, "alice");
    try {
      alice.send({ action: "send_to_room", msg: "hello", id: "c-17" });
      const echo = await alice.until(answerTo("c-17")).catch(() => null);
      const texts = (await history(main, room)).map((m) => m.text);
      const echoed = echo?.type === "message" ? `${echo.from?.nick} ${show(echo.text)}` : echo ? `error ${echo.code}` : "nothing";
      socketOk = echo?.type === "message" && echo.text === "hello" && texts.includes("evil") && texts.includes("hello");
      socket = `socket: victim's echo ${echoed}, history ${JSON.stringify(texts)}`;
    } finally {
      alice.terminate();
    }
  } finally {
    mallory.terminate();
  }
  const url = `${main.url}/api/rooms/${freshRoom("hijack")}/messages`;
  const first = await http(url, { body: JSON.stringify({ nick: "mallory", text: "evil", id: "c-17" }) });
  const second = await http(url, { body: JSON.stringify({ nick: "alice", text: "hello", id: "c-17" }) });
  const httpOk = first.status === 201 && second.status === 201;
  return { ok: socketOk && httpOk, figure: `${socket}; HTTP from two addresses: ${first.status} then ${second.status}` };
}

/**
 * 6. One socket sends ~90 valid messages a second for 5 s. Fixed: closed
 * with 1008 before the 5 s are over, after at most 2 × burst `rate_limited`.
 * @param {Targets} targets
 * @returns {Promise<Verdict>}
 */
export async function steadyFlood({ main }) {
  const RATE = 90;
  const limits = await limitsOf(main);
  const peer = await member(main, freshRoom("steady"), "flood");
  try {
    const start = now();
    let sent = 0;
    while (!peer.closed && now() - start < 5_000 && sent < RATE * 6) {
      peer.send({ action: "send_to_room", msg: `flood ${sent}`, id: `steady-${sent}` });
      sent += 1;
      await sleep(Math.max(0, start + (sent * 1000) / RATE - now()));
    }
    await peer.waitFor(() => peer.closed !== null, 500);
    const limited = peer.frames.filter((f) => f.startsWith('{"type":"error"') && JSON.parse(f).code === "rate_limited").length;
    const closedAt = peer.closed ? peer.closed.at - start : Number.POSITIVE_INFINITY;
    const ok = peer.closed?.code === 1008 && closedAt < 5_000 && limited <= 2 * limits.burst;
    return {
      ok,
      figure:
        `${peer.closed ? `closed ${peer.closed.code} after ${secs(closedAt)}` : "still open after 5 s"}; ` +
        `${limited} rate_limited replies (at most ${2 * limits.burst}); ${sent} frames sent`,
    };
  } finally {
    peer.terminate();
  }
}

/**
 * The first answer a peer gets, as `error <code>` or the event's type; a
 * socket that never opens answers with its HTTP status.
 * @param {Promise<Peer>} opening
 * @param {(peer: Peer) => void} [first] what the peer says first
 */
async function answerOf(opening, first) {
  const peer = await opening.catch((err) => String(err.status ? `HTTP ${err.status}` : err));
  if (typeof peer === "string") return peer;
  try {
    first?.(peer);
    const e = await peer.event();
    return e.type === "error" ? `error ${e.code}` : e.type;
  } catch (err) {
    return String(err);
  } finally {
    peer.terminate();
  }
}

/**
 * The answer to a direct JSON join.
 * @param {Target} t
 * @param {string} room
 * @param {string} nick
 */
const directAnswer = (t, room, nick) => answerOf(openPeer(direct(t, room, nick), { json: true }));

/**
 * The answer to an in-band JSON join.
 * @param {Target} t
 * @param {string} room
 * @param {string} nick
 */
const inBandAnswer = (t, room, nick) =>
  answerOf(openPeer(`${t.wsUrl}/ws`, { json: true }), (peer) => peer.send({ action: "join", msg: room, nick }));

/**
 * 7. Names: a nick with a bidi override, NFC and NFD spellings of one room,
 * an id with an unpaired surrogate, rooms `.` and `..`. Fixed: refused,
 * the same room, refused, refused (every path), and `%2E` never reaches a
 * room named `messages`.
 * @param {Targets} targets
 * @returns {Promise<Verdict>}
 */
export async function names({ main }) {
  /** @type {[string, boolean, string][]} */
  const checks = [];
  const check = (/** @type {string} */ label, /** @type {boolean} */ ok, /** @type {string} */ seen) => void checks.push([label, ok, seen]);

  const rlo = "evil\u202Eecila";
  let seen = await directAnswer(main, freshRoom("names"), rlo);
  check("RLO nick, direct", seen === "error invalid_nick", seen);
  seen = await inBandAnswer(main, freshRoom("names"), rlo);
  check("RLO nick, in-band", seen === "error invalid_nick", seen);
  let res = await http(`${main.url}/api/rooms/${freshRoom("names")}/messages`, { body: JSON.stringify({ nick: rlo, text: "hi" }) });
  check("RLO nick, HTTP", res.status === 400 && errorCode(res.text) === "invalid_nick", said(res));

  const suffix = randomUUID().slice(0, 8);
  const nfc = `café-${suffix}`.normalize("NFC");
  const nfd = nfc.normalize("NFD");
  const marker = `nfc-${suffix}`;
  res = await http(`${main.url}/api/rooms/${encodeURIComponent(nfc)}/messages`, { body: JSON.stringify({ nick: "n", text: marker }) });
  const nfdHistory = await history(main, nfd).catch(() => []);
  check("NFC=NFD, HTTP", res.status === 201 && nfdHistory.some((m) => m.text === marker), `${nfdHistory.length} messages in NFD`);
  const nfdPeer = await member(main, nfd, "n").catch(() => null);
  const nfdJoined = nfdPeer?.frames.map((f) => JSON.parse(f)).find(isType("joined"));
  nfdPeer?.terminate();
  check(
    "NFC=NFD, socket",
    nfdJoined?.history?.some((/** @type {ServerEvent} */ m) => m.text === marker) ?? false,
    "not in NFD's joined.history",
  );

  const lone = `{"action":"send_to_room","msg":"surrogate","id":"s-\\ud800"}`;
  const sender = await member(main, freshRoom("names"), "s");
  try {
    sender.send(lone);
    const e = await sender.until((x) => x.type === "message" || x.type === "error").catch(() => null);
    const got = e?.type === "message" ? `stored id ${JSON.stringify(e.id)}` : e ? `error ${e.code}` : "nothing";
    check("lone surrogate id, socket", got === "error invalid_id", got);
  } finally {
    sender.terminate();
  }
  res = await http(`${main.url}/api/rooms/${freshRoom("names")}/messages`, { body: `{"nick":"s","text":"surrogate","id":"s-\\ud800"}` });
  check("lone surrogate id, HTTP", res.status === 400 && errorCode(res.text) === "invalid_id", said(res));

  for (const dots of [".", ".."]) {
    seen = await directAnswer(main, dots, "dot");
    check(`room "${dots}", direct`, seen === "error invalid_room", seen);
    seen = await inBandAnswer(main, dots, "dot");
    check(`room "${dots}", in-band`, seen === "error invalid_room", seen);
    // A space the server trims: the only way "." or ".." survives a URL path.
    for (const [method, body] of [
      ["GET", undefined],
      ["POST", JSON.stringify({ nick: "dot", text: "dot" })],
    ]) {
      const answer = await rawHttp(main, /** @type {string} */ (method), `/api/rooms/%20${dots.replaceAll(".", "%2E")}/messages`, body);
      check(`room " ${dots}", HTTP ${method}`, answer.status >= 400 && answer.status < 500, said(answer));
    }
  }
  const escaped = await rawHttp(main, "GET", "/api/rooms/%2E/messages");
  const room = (() => {
    try {
      return JSON.parse(escaped.text).room;
    } catch {
      return undefined;
    }
  })();
  // wrangler dev (and Cloudflare's edge) resolve the dot segment before the
  // Worker sees the URL: this is a GET of the room "messages", a room like any
  // other. What must not happen is an answer for a room "." — which, now that
  // no path accepts "." as a room, cannot exist.
  check(
    "GET /api/rooms/%2E/messages",
    (escaped.status >= 400 && escaped.status < 500) || (escaped.status === 200 && room === "messages"),
    `${said(escaped)}${room ? ` for room ${show(room)}` : ""}`,
  );

  const wrong = checks.filter(([, ok]) => !ok);
  return {
    ok: wrong.length === 0,
    figure: wrong.length
      ? `${wrong.length} of ${checks.length} wrong: ${wrong.map(([label, , s]) => `${label} → ${s}`).join("; ")}`
      : `all ${checks.length} refused or merged as required`,
  };
}

/**
 * 8. A JSON member sends a message with CR LF and a forged second line.
 * Fixed: a text client gets exactly one frame for it, without CR or LF; a
 * JSON client gets the text exactly as sent.
 * @param {Targets} targets
 * @returns {Promise<Verdict>}
 */
export async function forgedLines({ main }) {
  const room = freshRoom("forged");
  const forged = "hi\r\nbatman : meet me at the docks";
  const json = await member(main, room, "mallory");
  const text = await openPeer(direct(main, room, "tom"));
  try {
    const greeting = await text.next();
    json.send({ action: "send_to_room", msg: forged, id: "forged-1" });
    const echo = await json.until(answerTo("forged-1")).catch(() => null);
    json.send({ action: "send_to_room", msg: "end-marker", id: "forged-2" });
    /** @type {string[]} */
    const lines = [];
    for (let i = 0; i < 20; i++) {
      const line = await text.next().catch(() => null);
      if (line === null || line.includes("end-marker")) break;
      lines.push(line);
    }
    const clean = lines.length === 1 && !/[\r\n]/.test(lines[0] ?? "");
    const exact = echo?.type === "message" && echo.text === forged;
    return {
      ok: clean && exact,
      figure:
        `text client: ${lines.length} frame(s) ${JSON.stringify(lines)}${clean ? "" : lines.some((l) => /[\r\n]/.test(l)) ? " with CR/LF" : ""} ` +
        `(greeting ${show(greeting)}); JSON echo ${exact ? "exact" : echo?.type === "message" ? show(echo.text) : echo ? `error ${echo.code}` : "missing"}`,
    };
  } finally {
    json.terminate();
    text.terminate();
  }
}

/**
 * The close code a client sees from the server after `ws.close()` with no code.
 * @param {Target} t
 * @param {"direct" | "in-band"} path
 */
async function codelessClose(t, path) {
  const room = freshRoom("close");
  const peer = await openPeer(path === "direct" ? direct(t, room, "c") : `${t.wsUrl}/ws`, { json: true });
  try {
    if (path === "in-band") peer.send({ action: "join", msg: room, nick: "c" });
    await peer.until(isType("joined"));
    peer.ws.close();
    return (await peer.closedWith(5_000)).code;
  } catch (err) {
    return String(err);
  } finally {
    peer.terminate();
  }
}

/**
 * 9. Paths agree: a client that closes without a code sees 1000 on both
 * paths; a full room answers `room_full` and 1013 on the direct path, and an
 * error line on the in-band path, after which that socket can join another
 * room.
 * @param {Targets} targets
 * @returns {Promise<Verdict>}
 */
export async function pathsAgree({ small }) {
  const inBand = await codelessClose(small, "in-band");
  const straight = await codelessClose(small, "direct");

  const room = freshRoom("full");
  const fillers = [await member(small, room, "one"), await member(small, room, "two")];
  let full = "";
  let fullOk = false;
  try {
    const third = await openPeer(direct(small, room, "three"), { json: true });
    let directSeen;
    try {
      const e = await third.event().catch(() => null);
      const closed = await third.closedWith(5_000).catch(() => null);
      directSeen = `${e?.type === "error" ? `error ${e.code}` : (e?.type ?? "nothing")}, close ${closed?.code ?? "none"}`;
    } finally {
      third.terminate();
    }
    const textPeer = await openPeer(`${small.wsUrl}/ws`);
    let inBandSeen;
    let inBandOk = false;
    try {
      textPeer.send({ action: "join", msg: room, nick: "three" });
      const line = await textPeer.next().catch((err) => `(${err.message})`);
      await sleep(300);
      const open = textPeer.closed === null;
      const other = freshRoom("other");
      textPeer.send({ action: "join", msg: other, nick: "three" });
      const next = await textPeer.next().catch((err) => `(${err.message})`);
      inBandOk = line.startsWith("error:") && open && next === `three join room ${other} success .`;
      inBandSeen = `${show(line)}, ${open ? "stays open" : `closed ${textPeer.closed?.code}`}, then ${show(next)}`;
    } finally {
      textPeer.terminate();
    }
    fullOk = directSeen === "error room_full, close 1013" && inBandOk;
    full = `full room: direct → ${directSeen}; in-band text → ${inBandSeen}`;
  } finally {
    for (const f of fillers) f.terminate();
  }
  return {
    ok: inBand === 1000 && straight === 1000 && fullOk,
    figure: `close without a code: in-band sees ${inBand}, direct sees ${straight} (both 1000); ${full}`,
  };
}

/**
 * 10. Docs agree: a JSON array body is `bad_frame`; a numeric `nick` on
 * `send_to_room` is ignored; refusal log lines carry no client address and
 * no Origin.
 * @param {Targets} targets
 * @returns {Promise<Verdict>}
 */
export async function docsAgree({ main }) {
  const room = freshRoom("docs");
  const array = await http(`${main.url}/api/rooms/${room}/messages`, { body: "[1,2]" });
  const arrayOk = array.status === 400 && errorCode(array.text) === "bad_frame";

  const peer = await member(main, room, "seven");
  let nickSeen;
  try {
    peer.send({ action: "send_to_room", msg: "numeric nick", nick: 7, id: "nick-7" });
    const e = await peer.until(answerTo("nick-7")).catch(() => null);
    nickSeen = e?.type === "message" ? "accepted" : e ? `error ${e.code}` : "no answer";
  } finally {
    peer.terminate();
  }

  // Refusals that know an address and an Origin: a foreign-origin post, and
  // more connections from one address than CONNECTS_PER_MINUTE (60) allows.
  const origin = "https://evil-origin.example";
  const foreign = await http(`${main.url}/api/rooms/${room}/messages`, {
    body: JSON.stringify({ nick: "o", text: "o" }),
    headers: { Origin: origin },
  });
  const ip = nextAddress();
  let tooMany = 0;
  await pool(5, 65, async () => {
    const p = await openPeer(`${main.wsUrl}/ws`, { ip }).catch((err) => err.status);
    if (p === 429) tooMany += 1;
    else if (p instanceof Peer) p.terminate();
  });
  await sleep(1_000);
  const refusals = main
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{") && l.includes('"refusal"'));
  const ipv4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/;
  const leaks = refusals.filter((l) => ipv4.test(l) || l.includes("evil-origin") || l.includes("127.0.0.1"));
  /** @type {Map<string, number>} */
  const codes = new Map();
  for (const l of refusals) {
    const code = /"code":"([^"]+)"/.exec(l)?.[1] ?? "?";
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  const logsOk = refusals.length >= 2 && leaks.length === 0;
  return {
    ok: arrayOk && nickSeen === "accepted" && logsOk,
    figure:
      `[1,2] → ${said(array)}; nick 7 → ${nickSeen}; ` +
      `${refusals.length} refusal log lines (${[...codes].map(([c, n]) => `${c}×${n}`).join(" ")}; triggered: ${foreign.status} origin, ${tooMany}×429), ` +
      `${leaks.length} with an address or Origin${leaks[0] ? `, e.g. ${leaks[0].slice(0, 120)}` : ""}`,
  };
}

/**
 * @typedef {object} Attack
 * @property {number} n
 * @property {string} name
 * @property {(targets: Targets) => Promise<Verdict>} run
 * @property {number} timeoutMs
 */

/** @type {Attack[]} */
export const ATTACKS = [
  { n: 1, name: "HTTP write flood", run: httpWriteFlood, timeoutMs: 20_000 },
  { n: 2, name: "Huge body", run: hugeBody, timeoutMs: 45_000 },
  { n: 3, name: "Reads create rooms", run: readsCreateRooms, timeoutMs: 30_000 },
  { n: 4, name: "History amplification", run: historyAmplification, timeoutMs: 40_000 },
  { n: 5, name: "Id hijack", run: idHijack, timeoutMs: 20_000 },
  { n: 6, name: "Steady flood", run: steadyFlood, timeoutMs: 20_000 },
  { n: 7, name: "Names", run: names, timeoutMs: 30_000 },
  { n: 8, name: "Forged lines", run: forgedLines, timeoutMs: 20_000 },
  { n: 9, name: "Paths agree", run: pathsAgree, timeoutMs: 30_000 },
  { n: 10, name: "Docs agree", run: docsAgree, timeoutMs: 30_000 },
];

/**
 * Runs one attack, bounded by its timeout; an error or a timeout is a FAIL
 * with the reason as its figure. Sockets it left open are closed.
 * @param {Attack} attack
 * @param {Targets} targets
 * @returns {Promise<Verdict>}
 */
export async function runAttack(attack, targets) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, figure: `did not finish within ${secs(attack.timeoutMs)}` }), attack.timeoutMs);
  });
  try {
    return /** @type {Verdict} */ (
      await Promise.race([
        attack.run(targets).catch((err) => ({ ok: false, figure: `error: ${err instanceof Error ? err.message : err}` })),
        timeout,
      ])
    );
  } finally {
    clearTimeout(timer);
    for (const peer of [...OPEN]) peer.terminate();
  }
}

/**
 * The attack's line: `PASS|FAIL  <n>. <name>: <figure>`.
 * @param {Attack} attack
 * @param {Verdict} verdict
 */
export function formatVerdict(attack, verdict) {
  return `${verdict.ok ? "PASS" : "FAIL"}  ${attack.n}. ${attack.name}: ${verdict.figure}`;
}
