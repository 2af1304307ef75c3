#!/usr/bin/env node
/**
 * Where Parley's JavaScript time goes: starts Parley under `wrangler dev`
 * (as `npm run bench` does), drives one scenario in a closed loop, and records
 * a V8 CPU profile of the Worker's isolate through wrangler's inspector port.
 * Prints the functions with the most self time, and writes the profile
 * (open it in Chrome DevTools → Performance, or any .cpuprofile viewer).
 *
 *   node bench/profile.mjs [fanout|rooms|inband] [seconds]
 *   node bench/profile.mjs join [members]
 *
 * `join` profiles filling one room instead (default 2,000 direct JSON
 * sockets offering parley.v2, 16 handshakes in flight, as the big-room
 * scenario does): where a join's CPU goes.
 *
 * The profiler costs CPU itself, so figures from this run are not benchmark
 * figures; only the split between functions is. Time spent outside
 * JavaScript (socket I/O, SQLite, the dev proxy, the kernel) shows as
 * "(program)" / "(idle)" or not at all: `npm run bench` measures it.
 * Environment: BENCH_REF (profile a git ref, default the work tree),
 * BENCH_PROFILE_OUT (default: a temporary file).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { Client, closeAll, closedLoop, connectAll, drain, Phase } from "./lib/load.mjs";
import { snapshot, startWrangler } from "./lib/server.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const shape = process.argv[2] ?? "fanout";
const seconds = Math.min(60, Math.max(1, Number(process.argv[3] ?? 5)));
const members = Math.max(10, Number(process.argv[3] ?? 2000));
const SHAPES = {
  join: { rooms: 1, perRoom: members, path: "direct", format: "json", protocols: ["parley.v2", "parley.v1"] },
  fanout: { rooms: 1, perRoom: 100, path: "direct", format: "json" },
  rooms: { rooms: 50, perRoom: 4, path: "direct", format: "json" },
  inband: { rooms: 50, perRoom: 4, path: "inband", format: "text" },
};
const sc = SHAPES[shape];
if (!sc) throw new Error(`shape must be one of ${Object.keys(SHAPES).join(", ")}`);

/** A minimal Chrome DevTools Protocol client over one WebSocket. */
function cdp(url) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  let id = 0;
  const waiting = new Map();
  ws.on("message", (data) => {
    const msg = JSON.parse(data.toString());
    if (msg.id && waiting.has(msg.id)) {
      const { resolve: ok, reject } = waiting.get(msg.id);
      waiting.delete(msg.id);
      if (msg.error) reject(new Error(msg.error.message));
      else ok(msg.result);
    }
  });
  const opened = new Promise((ok, reject) => {
    ws.once("open", ok);
    ws.once("error", reject);
  });
  return {
    async send(method, params = {}) {
      await opened;
      const n = ++id;
      ws.send(JSON.stringify({ id: n, method, params }));
      return new Promise((ok, reject) => {
        waiting.set(n, { resolve: ok, reject });
        setTimeout(() => {
          if (waiting.delete(n)) reject(new Error(`${method}: no answer in 30 s`));
        }, 30_000).unref();
      });
    },
    close: () => ws.close(),
  };
}

/** Self time per function (name, file:line), from a V8 CPU profile. */
function topFunctions(profile, n = 25) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const dt = profile.timeDeltas;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]);
    const d = dt[i] ?? 0;
    total += d;
    const f = node.callFrame;
    const file = f.url ? f.url.split("/").slice(-2).join("/") : "";
    const key = `${f.functionName || "(anonymous)"}  ${file}${f.url ? `:${f.lineNumber + 1}` : ""}`;
    self.set(key, (self.get(key) ?? 0) + d);
  }
  return { total, rows: [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n) };
}

const dir = snapshot(ROOT, "profile", ["."], process.env.BENCH_REF || undefined);
const server = await startWrangler({
  name: "parley-profile",
  root: ROOT,
  cwd: dir,
  config: join(dir, "wrangler.toml"),
  vars: { RATE_LIMIT_BURST: "1000000", RATE_LIMIT_PER_SECOND: "1000000", CONNECTS_PER_MINUTE: "0", MAX_ROOM_MEMBERS: "100000" },
  cleanup: () => rmSync(dir, { recursive: true, force: true }),
});
const clients = [];
try {
  const args = readFileSync(`/proc/${server.pid}/cmdline`, "utf8").split("\0");
  const inspectorPort = args[args.indexOf("--inspector-port") + 1];
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const debuggerUrl = targets[0]?.webSocketDebuggerUrl;
  if (!debuggerUrl) throw new Error("wrangler's inspector lists no target");

  for (let r = 0; r < sc.rooms; r++) {
    const room = { name: `prof-${Date.now().toString(36)}-${r}`, size: sc.perRoom };
    for (let i = 0; i < sc.perRoom; i++) {
      clients.push(
        new Client({
          wsUrl: server.wsUrl,
          path: sc.path,
          format: sc.format,
          protocols: sc.protocols,
          greets: true,
          room,
          g: clients.length,
          clients,
          msgBytes: 64,
        }),
      );
    }
  }
  const inspector = cdp(debuggerUrl);
  await inspector.send("Profiler.enable");
  await inspector.send("Profiler.setSamplingInterval", { interval: 200 });
  const P = new Phase(2);
  let what;
  if (shape === "join") {
    await inspector.send("Profiler.start");
    const conn = await connectAll(clients, 16);
    if (conn.failures) throw new Error(`connect failed: ${conn.firstError}`);
    await new Promise((r) => setTimeout(r, 3_000)); // the last presence window
    what = `${clients.length} joins, 16 in flight, in ${(conn.wallMs / 1000).toFixed(2)} s`;
  } else {
    const conn = await connectAll(clients, 32);
    if (conn.failures) throw new Error(`connect failed: ${conn.firstError}`);
    const warm = new Phase(1);
    await closedLoop(clients, warm, 1_000);
    await drain(warm, 1_000, 5_000);
    await inspector.send("Profiler.start");
    await closedLoop(clients, P, seconds * 1000);
    await drain(P, 1_000, 5_000);
    what = `closed loop ${seconds} s: ${P.sent} sent, ${P.unique} delivered, lost ${P.expected - P.unique}`;
  }
  const { profile } = await inspector.send("Profiler.stop");
  inspector.close();

  const out = process.env.BENCH_PROFILE_OUT || join(mkdtempSync(join(tmpdir(), "parley-profile-")), `${shape}.cpuprofile`);
  writeFileSync(out, JSON.stringify(profile));
  const { total, rows } = topFunctions(profile);
  console.log(`Parley, ${shape} (${sc.rooms} × ${sc.perRoom}, ${sc.path}/${sc.format}), ${what}`);
  console.log(`V8 profile of the Worker isolate: ${(total / 1000).toFixed(0)} ms sampled; self time by function:`);
  for (const [key, us] of rows)
    console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(1).padStart(8)} ms  ${key}`);
  console.log(`profile written to ${out}`);
} finally {
  await closeAll(clients);
  await server.stop();
}
