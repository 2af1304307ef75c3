/**
 * The big room's members and fills: a new room's members-to-be, filling it
 * in three measured parts, waiting until every member has been told the
 * room's size, and emptying it again.
 */
import { Client, type Room, Tally } from "../lib/client.ts";
import { CFG, greets as greetsOf, runId } from "../lib/config.ts";
import { closeAll, connectAll, sleep } from "../lib/load.ts";
import { serverQuiet, type WindowFigures, window } from "../lib/measure.ts";
import type { BenchServer, TreeStats } from "../lib/server.ts";
import { type ConnectFigures, connectFigures, connectQuantiles, type Fig, r0, r1, r2, ratio } from "../lib/stats.ts";

const now = () => performance.now();

let bigRuns = 0;

/**
 * One big-room member (the fill's and the join streams' alike): a direct JSON
 * socket offering BENCH_BIG_PROTOCOLS, keeping the count the room told it.
 * `g` numbers it (its nick is u<g>, so no two members share one); `clients`
 * is where its phase looks senders up by `g`.
 */
export function bigClient(server: BenchServer, greets: boolean, room: Room, g: number, clients: Client[], inspectGreeting = false): Client {
  return new Client({
    wsUrl: server.wsUrl,
    path: "direct",
    format: "json",
    greets,
    room,
    g,
    clients,
    msgBytes: CFG.msgBytes,
    protocols: CFG.bigProtocols,
    trackCount: greets,
    inspectGreeting,
  });
}

/** A new big room for one target: its members-to-be (the last one keeps its greeting) and the rows' common fields. */
export function bigRoom(server: BenchServer, target: string) {
  const N = Math.max(10, Math.floor(CFG.bigMembers));
  const greets = greetsOf(target);
  const room: Room = { name: `big${bigRuns++}-${runId}`, size: 0 };
  const clients: Client[] = [];
  for (let i = 0; i < N; i++) clients.push(bigClient(server, greets, room, i, clients, i === N - 1));
  const base = { target, scenario: "big", path: "direct", format: "json", rooms: 1, clientsPerRoom: N };
  return { N, greets, room, clients, base };
}

export interface Settled {
  /** every member told the exact count (null: the server tells no count) */
  converged: boolean | null;
  wrong: number;
  /** a few of the members never told the right count (join order, and what they were told) */
  off: { member: number; told: number | null }[] | undefined;
  convergedMs: Fig;
  ms: Fig;
  serverAfter: TreeStats;
}

/**
 * Waits (bounded by BENCH_BIG_SETTLE_S) until every connected member has been
 * told the room's exact size (`count` of its last `joined` / `presence` /
 * batch), then until no frame arrived for 250 ms. Presence may be coalesced
 * and sent late (a room may gather joins for a while before telling its
 * members); this waits for it instead of guessing how long it takes.
 * Servers that tell nothing (the floors) only get the quiet wait.
 * `serverAfter` is the server's stats read just after the last frame came
 * (so that waiting in vain for a count does not add idle time to the CPU
 * figures); `convergedMs` how long it took until the counts were right.
 */
export async function settleCounts(server: BenchServer, members: Client[], tally: Tally, tellsCount: boolean): Promise<Settled> {
  const t0 = now();
  const deadline = t0 + CFG.bigSettleS * 1000;
  const n = members.length;
  let wrong = 0;
  let convergedMs: Fig = null;
  let seen = -1;
  let serverAfter: TreeStats | null = null;
  for (;;) {
    if (tally.frames !== seen) {
      seen = tally.frames;
      serverAfter = null;
    } else serverAfter ??= server.stats();
    if (tellsCount && convergedMs === null) {
      wrong = 0;
      for (const c of members) if (c.count !== n) wrong++;
      if (wrong === 0) convergedMs = r0(now() - t0);
    }
    const countsDone = !tellsCount || convergedMs !== null || now() >= deadline;
    if (countsDone && now() - Math.max(tally.lastFrameAt, t0) >= 250 && serverAfter) break;
    if (now() >= deadline + 5_000) break;
    await sleep(25);
  }
  const off = wrong
    ? members
        .filter((c) => c.count !== n)
        .slice(0, 5)
        .map((c) => ({ member: c.o.g, told: c.count ?? null }))
    : undefined;
  return {
    converged: tellsCount ? wrong === 0 : null,
    wrong,
    off,
    convergedMs,
    ms: r0(now() - t0),
    serverAfter: serverAfter ?? server.stats(),
  };
}

/** One measured part of a fill. */
interface FillPart {
  joins: number;
  roomAfter: number;
  fillMs: number;
  settle: Settled;
  tally: Tally;
  w: WindowFigures;
}

export type FillResult = { error: string; connect: ConnectFigures; fill?: undefined } | { fill: FillFigures; error?: undefined };

/**
 * Fills the room with `clients` in three parts (the first 10%, the middle
 * 80%, the last 10%), each measured until every member has been told the
 * room's size; `afterFirstTenth` runs between the first two parts, on the
 * members so far, unmeasured. Returns the fill's figures, or the error of a
 * failed join.
 */
export async function fillRoom(
  server: BenchServer,
  clients: Client[],
  greets: boolean,
  afterFirstTenth: (members: Client[]) => Promise<void> = async () => {},
): Promise<FillResult> {
  const N = clients.length;
  const tenth = Math.max(1, Math.round(N / 10));
  const bounds = [0, tenth, N - tenth, N];
  const parts: FillPart[] = [];
  const times: number[] = [];
  for (let k = 0; k < 3; k++) {
    const from = bounds[k] ?? 0;
    const to = bounds[k + 1] ?? N;
    const part = clients.slice(from, to);
    const T = new Tally();
    for (const c of clients) c.o.tally = T;
    const w = window(server);
    const conn = await connectAll(part, CFG.bigConcurrency);
    times.push(...conn.times);
    if (conn.failures > 0) {
      const error = `${conn.failures} of joins ${from + 1}–${to} failed: ${conn.firstError}`;
      return { error, connect: connectFigures(conn, w()) };
    }
    const settle = await settleCounts(server, clients.slice(0, to), T, greets);
    parts.push({ joins: part.length, roomAfter: to, fillMs: conn.wallMs, settle, tally: T, w: w(settle.serverAfter) });
    if (k === 0) await afterFirstTenth(clients.slice(0, tenth));
  }
  return { fill: bigFill(parts, times, clients) };
}

/**
 * Every member leaves; the room tells the others (the same quadratic cost as
 * the fill, for a server that tells everyone of every leave). Measured, as
 * information, until the server is quiet again, so that what comes next does
 * not pay for it.
 */
export async function emptyRoom(server: BenchServer, clients: Client[]) {
  for (const c of clients) c.o.tally = null;
  const w = window(server);
  const t0 = now();
  await closeAll(clients, 30_000);
  const quiet = await serverQuiet(server, { maxMs: 120_000 });
  const tw = w();
  await sleep(300);
  const n = clients.length;
  return { leaves: n, wallMs: r0(now() - t0), serverCpuUsPerLeave: r0((tw.serverCpuS * 1e6) / n), quiet };
}

const per = (x: number, n: number): Fig => (n > 0 ? r1(x / n) : null);

/** One part's figures, per join. */
function partFigures(p: FillPart) {
  return {
    joins: p.joins,
    roomAfter: p.roomAfter,
    fillMs: r0(p.fillMs),
    settleMs: p.settle.ms,
    countsRightAfterMs: p.settle.convergedMs,
    serverCpuUsPerJoin: per(p.w.serverCpuS * 1e6, p.joins),
    workerCpuUsPerJoin: per((p.w.byLabel["workerd-worker"]?.cpuS ?? 0) * 1e6, p.joins),
    framesPerJoin: per(p.tally.frames, p.joins),
    eventsPerJoin: per(p.tally.events, p.joins),
    bytesPerJoin: per(p.tally.bytes, p.joins),
  };
}

/** Server CPU per join, by process, over all parts. */
function cpuByProcess(parts: FillPart[], joins: number): Record<string, Fig> {
  const sums: Record<string, number> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.w.byLabel)) sums[k] = (sums[k] ?? 0) + (v.cpuS * 1e6) / Math.max(1, joins);
  const out: Record<string, Fig> = {};
  for (const [k, v] of Object.entries(sums)) out[k] = r1(v);
  return out;
}

export type FillFigures = ReturnType<typeof bigFill>;

/** The fill's figures from its three parts (first 10%, middle, last 10%). */
function bigFill(parts: FillPart[], times: number[], clients: Client[]) {
  const sum = (f: (p: FillPart) => number) => parts.reduce((a, p) => a + f(p), 0);
  const joins = sum((p) => p.joins);
  const fillMs = sum((p) => p.fillMs);
  const perJoin = (f: (p: FillPart) => number, scale = 1) => per(sum(f) * scale, joins);
  const [p0, , p2] = parts as [FillPart, FillPart, FillPart];
  const first = partFigures(p0);
  const last = partFigures(p2);
  return {
    members: joins,
    subprotocol: clients[0]?.ws?.protocol || null,
    fillS: r2(fillMs / 1000),
    joinsPerS: r1(joins / Math.max(1e-3, fillMs / 1000)),
    connect: { n: times.length, failures: 0, ...connectQuantiles(times) },
    serverCpuUsPerJoin: perJoin((p) => p.w.serverCpuS, 1e6),
    serverCpuUsPerJoinByProcess: cpuByProcess(parts, joins),
    serverSysUsPerJoin: perJoin((p) => p.w.serverSysS, 1e6),
    genCpuUsPerJoin: perJoin((p) => p.w.genCpuS, 1e6),
    otherCpuCores: r2(
      sum((p) => p.w.otherCpuS) /
        Math.max(
          1e-3,
          sum((p) => p.w.wallS),
        ),
    ),
    framesPerJoin: perJoin((p) => p.tally.frames),
    eventsPerJoin: perJoin((p) => p.tally.events),
    bytesPerJoin: perJoin((p) => p.tally.bytes),
    greetingBytesMax: Math.max(...parts.map((p) => p.tally.maxGreetingBytes)),
    errors: sum((p) => p.tally.errors),
    unexpectedCloses: sum((p) => p.tally.closes),
    countsConverged: p2.settle.converged,
    countsWrong: p2.settle.wrong,
    ...(p2.settle.off ? { countsOff: p2.settle.off } : {}),
    countsRightAfterMs: p2.settle.convergedMs,
    lastJoiner: clients[clients.length - 1]?.greeting ?? null,
    first10: first,
    last10: last,
    // Per join, the last 10% of the fill ÷ the first 10% ("fill burst
    // growth"): about the ratio of the room's sizes (≈ 19 at 2,000) when a
    // join costs O(room size). Information only: a room that coalesces
    // presence per window costs about room ÷ burst + 1 frames per join in a
    // burst (≈ 11 for the last tenth) however it scales; the verdicts use the
    // join streams' growth (stream.growth) instead.
    growth: {
      frames: ratio(last.framesPerJoin, first.framesPerJoin),
      events: ratio(last.eventsPerJoin, first.eventsPerJoin),
      bytes: ratio(last.bytesPerJoin, first.bytesPerJoin),
      cpu: ratio(last.serverCpuUsPerJoin, first.serverCpuUsPerJoin),
    },
    parts: parts.map(partFigures),
  };
}
