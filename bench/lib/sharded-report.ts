/**
 * The sharded big room's ratios (sharded ÷ unsharded), verdicts (issue 21's
 * targets) and table (bench/scenarios/big-sharded.ts). Every object of a
 * server runs in one workerd process here, so the rate one room sustains on
 * this machine shows no parallelism between objects; `model` says what it
 * would be with one thread per object (see docs/performance.md).
 */
import { SUSTAINED_P99_MS, sustained } from "../scenarios/big-sharded-runs.ts";
import type { Row } from "./rows.ts";
import { type Fig, median, r0, r2, ratio } from "./stats.ts";
import type { Verdict } from "./verdicts.ts";

const SCENARIO = "big-sharded";

/** One configuration's rows: unsharded (ROOM_SHARD_MEMBERS=0) or sharded. */
function config(rows: Row[], sharded: boolean) {
  const mine = rows.filter((r) => r.scenario === SCENARIO && r.shardCap !== undefined && r.shardCap > 0 === sharded);
  const mode = (m: string) => mine.find((r) => r.mode === m && !r.error);
  const steps = mine.filter((r) => r.mode.startsWith("open@"));
  const held = steps.filter(sustained);
  const last = steps[steps.length - 1];
  return {
    rows: mine,
    fill: mode("fill"),
    serial: mode("serial"),
    closed: mode("closed"),
    steps,
    /** the highest offered rate with p99 ≤ 1 s and nothing lost (null: not even the first step) */
    sustainedRate: held.length ? Math.max(...held.map((r) => r.offeredRate ?? 0)) : null,
    /** every step was sustained: the room sustains at least sustainedRate */
    ladderTopped: last !== undefined && sustained(last),
  };
}

type Config = ReturnType<typeof config>;

const workerPerDelivery = (r: Row | undefined) => r?.serverCpuUsPerDeliveryByProcess?.["workerd-worker"];

/**
 * The message rate one room would sustain with one thread per object, on
 * this machine's CPU: the workerd-worker CPU per message in the closed loop
 * (per delivery × members), split evenly over the objects; the busiest object
 * bounds it. The writer, which also commits and calls every shard, takes more
 * than its share: an upper bound. At the closed loop's batching: deeper
 * batching at higher rates lowers both rooms' CPU per message, so the
 * figures are for comparing the two rooms (their `gain`), not rates to expect.
 */
function model(c: Config) {
  const members = c.fill?.members ?? null;
  const objects = c.fill?.objects ?? null;
  const perDelivery = workerPerDelivery(c.closed);
  if (!members || !objects || perDelivery === null || perDelivery === undefined) return null;
  const perMessageUs = perDelivery * members;
  return { workerUsPerMessage: r0(perMessageUs), objects, messagesPerS: r0((1e6 * objects) / perMessageUs) };
}

/**
 * CPU per delivery sharded ÷ unsharded at each offered rate both held, and
 * their median: the same load on both, batching alike (information).
 */
function stepRatios(u: Config, s: Config) {
  const perRate: Record<string, Fig> = {};
  for (const a of s.steps.filter(sustained)) {
    const b = u.steps.find((r) => r.offeredRate === a.offeredRate && sustained(r));
    if (b) perRate[`${a.offeredRate}/s`] = ratio(a.serverCpuUsPerDelivery, b.serverCpuUsPerDelivery);
  }
  const known = Object.values(perRate).filter((x) => x !== null);
  return { cpuPerDeliveryOpen: known.length ? r2(median(known)) : null, cpuPerDeliveryOpenByRate: perRate };
}

/** Sharded ÷ unsharded, into `out` (see verdicts.ts's ratios()). */
export function shardedRatios(rows: Row[], out: Record<string, Record<string, unknown>>): void {
  const u = config(rows, false);
  const s = config(rows, true);
  if (!u.rows.length && !s.rows.length) return;
  out["big-sharded: sharded vs unsharded"] = {
    cpuPerDelivery: ratio(s.closed?.serverCpuUsPerDelivery, u.closed?.serverCpuUsPerDelivery),
    workerCpuPerDelivery: ratio(workerPerDelivery(s.closed), workerPerDelivery(u.closed)),
    cpuPerDeliverySerial: ratio(s.serial?.serverCpuUsPerDelivery, u.serial?.serverCpuUsPerDelivery),
    ...stepRatios(u, s),
    p50Serial: ratio(s.serial?.latencyMs?.p50, u.serial?.latencyMs?.p50),
    p99Serial: ratio(s.serial?.latencyMs?.p99, u.serial?.latencyMs?.p99),
    cpuPerJoin: ratio(s.fill?.serverCpuUsPerJoin, u.fill?.serverCpuUsPerJoin),
    sustainedRate: ratio(s.sustainedRate, u.sustainedRate),
    sustainedRateUs: { unsharded: u.sustainedRate, sharded: s.sustainedRate },
    model: { unsharded: model(u), sharded: model(s), gain: ratio(model(s)?.messagesPerS, model(u)?.messagesPerS) },
  };
}

type Model = ReturnType<typeof model>;

const known = (x: unknown): boolean => x !== null && x !== undefined;

/** The writer's calls and frames per message in the serial run (one message per turn), against its objects. */
function writerVerdicts(s: Config, v: Verdict[]): void {
  const objects = s.fill?.objects ?? null;
  const cap = s.fill?.shardCap ?? null;
  const f = s.serial?.fanout;
  const frames = f?.framesPerMessage ?? null;
  // The writer holds members of its own (the first to join) besides its shards: those cost it frames, not calls.
  const otherObjects = objects === null ? null : objects - (frames !== null && frames > 0 ? 1 : 0);
  const calls = f?.callsPerMessage ?? null;
  const at = `${s.fill?.members ?? "?"} members over ${objects ?? "?"} objects`;
  v.push({
    target: `sharded room (${at}): the writer's calls per message = the shard objects besides itself (serial run)`,
    figure: calls,
    limit: `= ${otherObjects ?? "?"}`,
    met: known(calls) && otherObjects !== null ? calls === otherObjects : null,
  });
  v.push({
    target: `sharded room (${at}): the writer's frames per message = its own members only, ≤ ROOM_SHARD_MEMBERS (serial run)`,
    figure: frames,
    limit: `≤ ${cap ?? "?"}`,
    met: known(frames) && cap !== null ? frames !== null && frames <= cap : null,
  });
  const want = cap && s.fill?.members ? Math.ceil(s.fill.members / cap) : null;
  v.push({
    target: `sharded room: objects holding ${s.fill?.members ?? "?"} members (= ⌈members ÷ ${cap}⌉)`,
    figure: objects,
    limit: `= ${want}`,
    met: "info",
  });
}

/** Issue 21's targets on this scenario's rows, into `v` (see verdicts.ts's verdicts()). */
export function shardedVerdicts(rows: Row[], rat: Record<string, Record<string, unknown>>, v: Verdict[]): void {
  const u = config(rows, false);
  const s = config(rows, true);
  if (!u.rows.length && !s.rows.length) return;
  writerVerdicts(s, v);
  const cpu = rat["big-sharded: sharded vs unsharded"]?.cpuPerDelivery as Fig | undefined;
  v.push({
    target: "sharded room: server CPU per delivery ≤ 1.3× the unsharded room's at the same size (closed loop)",
    figure: cpu,
    limit: "≤ 1.30×",
    met: known(cpu) ? (cpu as number) <= 1.3 : null,
  });
  const all = [...u.rows, ...s.rows];
  const bad = all.filter((r) => r.error || (r.lost ?? 0) || (r.dup ?? 0) || (r.errors ?? 0) || (r.unexpectedCloses ?? 0)).length;
  v.push({
    target: "sharded room: zero lost, doubled or reordered deliveries (every run of both rooms)",
    figure: bad,
    limit: "0 runs",
    met: bad === 0,
  });
  const counts = [u.fill, s.fill].filter(Boolean).reduce((a, r) => a + (r?.countsWrong ?? 0), 0);
  v.push({
    target: "sharded room: after each fill every member has been told the exact count",
    figure: counts,
    limit: "0 members off",
    met: counts === 0,
  });
  const rate = (c: Config) => (c.sustainedRate === null ? null : `${c.ladderTopped ? "≥ " : ""}${c.sustainedRate}/s`);
  v.push({
    target: `sharded room: messages/s one room sustains before p99 passes ${SUSTAINED_P99_MS} ms, unsharded → sharded (one workerd process and 2 cores here: no parallelism between objects)`,
    figure: `${rate(u)} → ${rate(s)}`,
    limit: "information",
    met: "info",
  });
  const m = rat["big-sharded: sharded vs unsharded"]?.model as { unsharded: Model; sharded: Model; gain: Fig };
  v.push({
    target:
      "sharded room, model: messages/s with one thread per object (closed loop's worker CPU per message split evenly over the objects), unsharded → sharded",
    figure: `${m?.unsharded?.messagesPerS ?? "?"} → ${m?.sharded?.messagesPerS ?? "?"} (×${m?.gain ?? "?"})`,
    limit: "information",
    met: "info",
  });
}

const pad = (v: unknown, n: number) => (v === null || v === undefined ? "–" : String(v)).padStart(n);

/** One line per configuration: the fill, the writer per message, latency, CPU, the rate sustained. */
export function shardedTable(rows: Row[]): string[] {
  const cols: [string, number, (c: Config) => unknown][] = [
    ["members", 7, (c) => c.fill?.members],
    ["objects", 7, (c) => c.fill?.objects],
    ["fill s", 6, (c) => c.fill?.fillS],
    ["CPU µs/join", 11, (c) => r0(c.fill?.serverCpuUsPerJoin)],
    ["calls/msg", 9, (c) => c.serial?.fanout?.callsPerMessage],
    ["frames/msg", 10, (c) => c.serial?.fanout?.framesPerMessage],
    ["serial p50", 10, (c) => c.serial?.latencyMs?.p50],
    ["serial p99", 10, (c) => c.serial?.latencyMs?.p99],
    ["closed dl/s", 11, (c) => r0(c.closed?.deliveriesPerS)],
    ["CPU µs/dl", 9, (c) => c.closed?.serverCpuUsPerDelivery],
    ["worker µs", 9, (c) => workerPerDelivery(c.closed)],
    ["msgs/s held", 11, (c) => (c.sustainedRate === null ? null : `${c.ladderTopped ? "≥" : ""}${c.sustainedRate}`)],
    ["model msgs/s", 12, (c) => model(c)?.messagesPerS],
  ];
  const out = [["target".padEnd(13), ...cols.map(([h, n]) => pad(h, n))].join(" ")];
  for (const c of [config(rows, false), config(rows, true)]) {
    const target = c.rows[0]?.target;
    if (target) out.push([target.padEnd(13), ...cols.map(([, n, f]) => pad(f(c), n))].join(" "));
  }
  return out;
}
