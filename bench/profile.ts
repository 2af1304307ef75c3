/**
 * Where Parley's JavaScript time goes: starts Parley under `wrangler dev`
 * (as `npm run bench` does), drives one scenario in a closed loop, and records
 * a V8 CPU profile of the Worker's isolate through wrangler's inspector port.
 * Prints the functions with the most self time, and writes the profile
 * (open it in Chrome DevTools → Performance, or any .cpuprofile viewer).
 *
 *   npx node bench/profile.ts [fanout|rooms|inband] [seconds]
 *   npx node bench/profile.ts join [members]
 *
 * (`npx node`: the Node 24 of the `node` devDependency, which runs .ts files.)
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
import { join } from "node:path";
import WebSocket from "ws";
import { Client, Phase } from "./lib/client.ts";
import { PARLEY_VARS, ROOT } from "./lib/config.ts";
import { closeAll, closedLoop, connectAll, drain } from "./lib/load.ts";
import { type BenchServer, snapshot, startWrangler } from "./lib/server.ts";

interface Shape {
  rooms: number;
  perRoom: number;
  path: "direct" | "inband";
  format: "json" | "text";
  protocols?: string[];
}

const shape = process.argv[2] ?? "fanout";
const seconds = Math.min(60, Math.max(1, Number(process.argv[3] ?? 5)));
const members = Math.max(10, Number(process.argv[3] ?? 2000));
const SHAPES: Record<string, Shape> = {
  join: { rooms: 1, perRoom: members, path: "direct", format: "json", protocols: ["parley.v2", "parley.v1"] },
  fanout: { rooms: 1, perRoom: 100, path: "direct", format: "json" },
  rooms: { rooms: 50, perRoom: 4, path: "direct", format: "json" },
  inband: { rooms: 50, perRoom: 4, path: "inband", format: "text" },
};

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** A minimal Chrome DevTools Protocol client over one WebSocket. */
function cdp(url: string) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  let id = 0;
  const waiting = new Map<number, { resolve: (result: unknown) => void; reject: (err: Error) => void }>();
  ws.on("message", (data: Buffer) => {
    const msg = JSON.parse(data.toString());
    const w = msg.id ? waiting.get(msg.id) : undefined;
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.error) w.reject(new Error(msg.error.message));
    else w.resolve(msg.result);
  });
  const opened = new Promise((ok, reject) => {
    ws.once("open", ok);
    ws.once("error", reject);
  });
  return {
    async send(method: string, params = {}): Promise<unknown> {
      await opened;
      const n = ++id;
      ws.send(JSON.stringify({ id: n, method, params }));
      return new Promise((resolve, reject) => {
        waiting.set(n, { resolve, reject });
        setTimeout(() => {
          if (waiting.delete(n)) reject(new Error(`${method}: no answer in 30 s`));
        }, 30_000).unref();
      });
    },
    close: () => ws.close(),
  };
}

/** Self time per function (name, file:line), from a V8 CPU profile. */
function topFunctions(profile: CpuProfile, n = 25) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  const dt = profile.timeDeltas;
  let total = 0;
  for (const [i, sample] of profile.samples.entries()) {
    const f = byId.get(sample)?.callFrame;
    if (!f) continue;
    const d = dt[i] ?? 0;
    total += d;
    const file = f.url ? f.url.split("/").slice(-2).join("/") : "";
    const key = `${f.functionName || "(anonymous)"}  ${file}${f.url ? `:${f.lineNumber + 1}` : ""}`;
    self.set(key, (self.get(key) ?? 0) + d);
  }
  return { total, rows: [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, n) };
}

/** The clients of the shape, in new rooms. */
function clientsFor(server: BenchServer, sc: Shape): Client[] {
  const clients: Client[] = [];
  for (let r = 0; r < sc.rooms; r++) {
    const room = { name: `prof-${Date.now().toString(36)}-${r}`, size: sc.perRoom };
    for (let i = 0; i < sc.perRoom; i++) {
      clients.push(new Client({ ...sc, wsUrl: server.wsUrl, greets: true, room, g: clients.length, clients, msgBytes: 64 }));
    }
  }
  return clients;
}

/** The Worker isolate's debugger, through the inspector port wrangler was started with. */
async function inspectorOf(server: BenchServer) {
  const args = readFileSync(`/proc/${server.pid}/cmdline`, "utf8").split("\0");
  const inspectorPort = args[args.indexOf("--inspector-port") + 1];
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as { webSocketDebuggerUrl?: string }[];
  const debuggerUrl = targets[0]?.webSocketDebuggerUrl;
  if (!debuggerUrl) throw new Error("wrangler's inspector lists no target");
  return cdp(debuggerUrl);
}

/** Drives the shape with the profiler running; returns what was profiled. */
async function drive(inspector: ReturnType<typeof cdp>, clients: Client[]): Promise<string> {
  if (shape === "join") {
    await inspector.send("Profiler.start");
    const conn = await connectAll(clients, 16);
    if (conn.failures) throw new Error(`connect failed: ${conn.firstError}`);
    await new Promise((r) => setTimeout(r, 3_000)); // the last presence window
    return `${clients.length} joins, 16 in flight, in ${(conn.wallMs / 1000).toFixed(2)} s`;
  }
  const conn = await connectAll(clients, 32);
  if (conn.failures) throw new Error(`connect failed: ${conn.firstError}`);
  const warm = new Phase(1);
  await closedLoop(clients, warm, 1_000);
  await drain(warm, 1_000, 5_000);
  await inspector.send("Profiler.start");
  const P = new Phase(2);
  await closedLoop(clients, P, seconds * 1000);
  await drain(P, 1_000, 5_000);
  return `closed loop ${seconds} s: ${P.sent} sent, ${P.unique} delivered, lost ${P.expected - P.unique}`;
}

async function main(): Promise<void> {
  const sc = SHAPES[shape];
  if (!sc) throw new Error(`shape must be one of ${Object.keys(SHAPES).join(", ")}`);
  const dir = snapshot(ROOT, "profile", ["."], process.env.BENCH_REF || undefined);
  const server = await startWrangler({
    name: "parley-profile",
    root: ROOT,
    cwd: dir,
    config: join(dir, "wrangler.toml"),
    vars: PARLEY_VARS,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  });
  const clients = clientsFor(server, sc);
  try {
    const inspector = await inspectorOf(server);
    await inspector.send("Profiler.enable");
    await inspector.send("Profiler.setSamplingInterval", { interval: 200 });
    const what = await drive(inspector, clients);
    const { profile } = (await inspector.send("Profiler.stop")) as { profile: CpuProfile };
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
}

await main();
