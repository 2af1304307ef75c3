/**
 * Parley's figures against the floors' (ratios) and a verdict per target of
 * issues 6 and 12 (see docs/performance.md for each target's reading).
 */
import { CFG } from "./config.ts";
import type { Row } from "./rows.ts";
import { shardedRatios, shardedVerdicts } from "./sharded-report.ts";
import { type Fig, median, r2, ratio } from "./stats.ts";

const FLOORS = ["floor-bare", "floor-storage"];

/** The row of a run without error ("open": whatever its rate). */
function find(rows: Row[], target: string, scenario: string, mode: string, path = "direct", format = "json"): Row | undefined {
  return rows.find(
    (r) =>
      r.target === target &&
      r.scenario === scenario &&
      r.path === path &&
      r.format === format &&
      !r.error &&
      (mode === "open" ? r.mode.startsWith("open") : r.mode === mode),
  );
}

/** Parley's row ÷ a floor's: CPU per delivery (the tree's and workerd-worker's), throughput, latency. */
function deliveryRatios(p: Row, f: Row) {
  return {
    cpuPerDelivery: ratio(p.serverCpuUsPerDelivery, f.serverCpuUsPerDelivery),
    workerCpuPerDelivery: ratio(
      p.serverCpuUsPerDeliveryByProcess?.["workerd-worker"],
      f.serverCpuUsPerDeliveryByProcess?.["workerd-worker"],
    ),
    deliveriesPerS: ratio(p.deliveriesPerS, f.deliveriesPerS),
    p50: ratio(p.latencyMs?.p50, f.latencyMs?.p50),
    p99: ratio(p.latencyMs?.p99, f.latencyMs?.p99),
  };
}

/** Every fill of the big room by a target, by round (1: the scenario's own fill; 2, 3, …: the refills). */
export function fillsByRound(rows: Row[], target: string): Map<number, Row> {
  const out = new Map<number, Row>();
  for (const r of rows)
    if (r.target === target && r.scenario === "big" && !r.error && (r.mode === "fill" || r.mode === "refill")) out.set(r.round ?? 1, r);
  return out;
}

/**
 * Parley's CPU per join filling the big room ÷ a floor's: per round (two
 * fills one after the other), and the median of those, which the verdict
 * uses.
 */
function fillRounds(rows: Row[], floor: string) {
  const p = fillsByRound(rows, "parley");
  const f = fillsByRound(rows, floor);
  const rounds = [...p.keys()].filter((k) => f.has(k)).sort((a, b) => a - b);
  const perRound = rounds.map((k) => ratio(p.get(k)?.serverCpuUsPerJoin, f.get(k)?.serverCpuUsPerJoin));
  const known = perRound.filter((x) => x !== null);
  return {
    cpuPerJoin: known.length ? r2(median(known)) : null,
    cpuPerJoinRounds: perRound,
    cpuPerJoinUs: { parley: rounds.map((k) => p.get(k)?.serverCpuUsPerJoin), [floor]: rounds.map((k) => f.get(k)?.serverCpuUsPerJoin) },
  };
}

type Ratios = Record<string, Record<string, unknown>>;

/** Fan-out and many rooms, closed and open loop, against both floors; and parley.v2's closed loop. */
function loadRatios(rows: Row[], out: Ratios): void {
  for (const sc of ["fanout", "rooms"]) {
    for (const mode of ["closed", "open"]) {
      const p = find(rows, "parley", sc, mode);
      for (const floor of FLOORS) {
        const f = find(rows, floor, sc, mode);
        if (!p || !f) continue;
        out[`${sc}/${mode} vs ${floor}`] = deliveryRatios(p, f);
      }
    }
    const p2 = find(rows, "parley", sc, "closed", "direct", "v2");
    for (const floor of FLOORS) {
      const f = find(rows, floor, sc, "closed");
      if (p2 && f) out[`${sc}/closed v2 vs ${floor}`] = { cpuPerDelivery: ratio(p2.serverCpuUsPerDelivery, f.serverCpuUsPerDelivery) };
    }
  }
  const pi = rows.find((r) => r.target === "parley" && r.scenario === "idle" && !r.error);
  for (const floor of FLOORS) {
    const fi = rows.find((r) => r.target === floor && r.scenario === "idle" && !r.error);
    if (!pi || !fi) continue;
    out[`idle vs ${floor}`] = {
      rssPerConnection: ratio(pi.memory?.rssKiBPerConnection, fi.memory?.rssKiBPerConnection),
      connectP50: ratio(pi.connect?.p50, fi.connect?.p50),
      cpuPerConnection: ratio(pi.connect?.serverCpuUsPerConnection, fi.connect?.serverCpuUsPerConnection),
    };
  }
}

/** The big room: the fills (by round), the probe and the fan-out, against the bare floor (and floor-assets, information). */
function bigRatios(rows: Row[], out: Ratios): void {
  const workerPerJoin = (r: Row) => r.serverCpuUsPerJoinByProcess?.["workerd-worker"];
  const bigP = find(rows, "parley", "big", "fill");
  const bigF = find(rows, "floor-bare", "big", "fill");
  if (bigP && bigF)
    out["big/fill vs floor-bare"] = {
      ...fillRounds(rows, "floor-bare"),
      workerCpuPerJoin: ratio(workerPerJoin(bigP), workerPerJoin(bigF)),
      cpuPerJoinLast10: ratio(bigP.last10?.serverCpuUsPerJoin, bigF.last10?.serverCpuUsPerJoin),
      cpuPerJoinStreamAtN: ratio(bigP.stream?.big?.serverCpuUsPerJoin, bigF.stream?.big?.serverCpuUsPerJoin),
      fillTime: ratio(bigP.fillS, bigF.fillS),
      connectP50: ratio(bigP.connect?.p50, bigF.connect?.p50),
    };
  // Against the bare floor behind static assets (information): what remains once wrangler dev's asset router is on both sides.
  const bigA = find(rows, "floor-assets", "big", "fill");
  if (bigP && bigA)
    out["big/fill vs floor-assets"] = {
      ...fillRounds(rows, "floor-assets"),
      workerCpuPerJoin: ratio(workerPerJoin(bigP), workerPerJoin(bigA)),
    };
  for (const mode of ["closed", "probe"]) {
    const p = find(rows, "parley", "big", mode);
    const f = find(rows, "floor-bare", "big", mode);
    if (p && f) out[`big/${mode} vs floor-bare`] = deliveryRatios(p, f);
  }
}

/** The in-band-join path against the direct one (text vs text, and text vs JSON), in many rooms and in fan-out. */
function inbandRatios(rows: Row[], out: Ratios): void {
  const vs = (a: Row, b: Row) => ({
    cpuPerDelivery: ratio(a.serverCpuUsPerDelivery, b.serverCpuUsPerDelivery),
    deliveriesPerS: ratio(a.deliveriesPerS, b.deliveriesPerS),
  });
  const inband = find(rows, "parley", "inband", "closed", "inband", "text");
  const directText = find(rows, "parley", "inband", "closed", "direct", "text");
  const directJson = find(rows, "parley", "rooms", "closed");
  if (inband && directText) out["inband/text vs direct/text"] = vs(inband, directText);
  if (inband && directJson) out["inband/text vs direct/json"] = vs(inband, directJson);
  const inbandFan = find(rows, "parley", "inband-fanout", "closed", "inband", "text");
  const directFan = find(rows, "parley", "inband-fanout", "closed", "direct", "text");
  if (inbandFan && directFan) out["inband-fanout/text vs direct/text"] = vs(inbandFan, directFan);
}

export function ratios(rows: Row[]): Ratios {
  const out: Ratios = {};
  loadRatios(rows, out);
  bigRatios(rows, out);
  inbandRatios(rows, out);
  shardedRatios(rows, out);
  return out;
}

/** A target's verdict: met (true/false), unknown (null), or "info" (information, or a big-room target not met yet: `unmet`). */
export interface Verdict {
  target: string;
  figure: unknown;
  limit: string;
  met: boolean | null | "info";
  unmet?: boolean;
}

/** A ratio from `ratios()`, or undefined. */
const fig = (rat: Ratios, key: string, field = "cpuPerDelivery") => rat[key]?.[field] as Fig | undefined;
/** Whether a known figure is at most `limit` (an unknown one's verdict is null whatever this says). */
const atMost = (x: Fig | undefined, limit: number) => x !== null && x !== undefined && x <= limit;

/** The delivery targets: CPU per delivery against the floors, and no loss. */
function deliveryVerdicts(rows: Row[], rat: Ratios, v: Verdict[]): void {
  const add = (target: string, figure: unknown, limit: string, met: boolean) =>
    v.push({ target, figure, limit, met: figure === null || figure === undefined ? null : met });
  const fo = fig(rat, "fanout/closed vs floor-storage");
  add("fan-out CPU/delivery ≤ storage floor (closed loop)", fo, "≤ 1.00×", atMost(fo, 1));
  // The CPU targets are capacity figures: the closed loop. The open loop is
  // for latency (issue 6); its CPU ratios are printed beside them as
  // information, not verdicts: at a fixed low rate no two messages arrive
  // together, so there is nothing to amortise, and the ratio sits within the
  // run-to-run noise of the floors.
  const info = (target: string, figure: unknown, limit: string) => v.push({ target, figure, limit, met: "info" });
  info("fan-out CPU/delivery vs storage floor (open loop)", fig(rat, "fanout/open vs floor-storage"), "information");
  const mr = fig(rat, "rooms/closed vs floor-bare");
  add("many rooms CPU/delivery ≤ 1.5× bare floor (closed loop)", mr, "≤ 1.50×", atMost(mr, 1.5));
  const fo2 = fig(rat, "fanout/closed v2 vs floor-storage");
  add("fan-out with batched frames (parley.v2) CPU/delivery ≤ 0.5× storage floor (closed loop)", fo2, "≤ 0.50×", atMost(fo2, 0.5));
  const mr2 = fig(rat, "rooms/closed v2 vs floor-bare");
  add("many rooms with batched frames (parley.v2) CPU/delivery ≤ 1.5× bare floor (closed loop)", mr2, "≤ 1.50×", atMost(mr2, 1.5));
  info("many rooms CPU/delivery vs bare floor (open loop)", fig(rat, "rooms/open vs floor-bare"), "information");
  const bad = rows.filter(
    (r) => r.error || (r.lost ?? 0) !== 0 || (r.dup ?? 0) !== 0 || (r.errors ?? 0) !== 0 || (r.unexpectedCloses ?? 0) !== 0,
  );
  add("zero lost or duplicated deliveries, every run", bad.length, "0 runs with loss, dup, errors or closes", bad.length === 0);
  const restarted = rows.filter((r) => r.restarted);
  if (restarted.length)
    v.push({ target: "no server restarted during a measured window", figure: restarted.length, limit: "0", met: false });
}

/**
 * The big room's targets. One not met is reported as information, marked
 * `unmet` ("not met yet"), not as a failure.
 */
function bigVerdicts(rows: Row[], rat: Ratios, v: Verdict[]): void {
  const pending = (target: string, figure: unknown, limit: string, met: boolean) => {
    const known = figure !== null && figure !== undefined;
    v.push({ target, figure, limit, met: !known ? null : met ? true : "info", ...(known && !met ? { unmet: true } : {}) });
  };
  const bigP = find(rows, "parley", "big", "fill");
  if (!bigP && !rows.some((r) => r.scenario === "big")) return;
  const n = bigP?.members ?? CFG.bigMembers;
  const cj = fig(rat, "big/fill vs floor-bare", "cpuPerJoin");
  const rounds = (rat["big/fill vs floor-bare"]?.cpuPerJoinRounds as Fig[] | undefined)?.length ?? 0;
  const of = rounds > 1 ? ` (median of ${rounds} rounds)` : "";
  pending(`big room: server CPU per join, filling to ${n} members ≤ 1.5× bare floor${of}`, cj, "≤ 1.50×", atMost(cj, 1.5));
  // Joins in a steady stream (see bench/scenarios/big-stream.ts), not the fill's bursts.
  const small = bigP?.stream?.small?.roomBefore ?? Math.max(1, Math.round(n / 10));
  const stream = `join stream at ${CFG.bigStreamRate}/s into the room at ${n} ÷ at ${small}`;
  const gf = bigP?.stream?.growth.frames;
  pending(`big room: frames per join independent of the room's size (${stream})`, gf, "≤ 1.50×", atMost(gf, 1.5));
  const gb = bigP?.stream?.growth.bytes;
  pending(`big room: bytes per join independent of the room's size (${stream})`, gb, "≤ 1.50×", atMost(gb, 1.5));
  const big = rows.filter((r) => r.scenario === "big" && (r.mode === "probe" || r.mode === "closed"));
  const bigBad = big.reduce((a, r) => a + (r.error ? 1 : (r.lost ?? 0) + (r.dup ?? 0)), 0);
  pending("big room: zero lost or duplicated deliveries (probe and fan-out)", big.length ? bigBad : null, "0", bigBad === 0);
  // A join stream that failed a handshake, or saw an error or an unexpected close, is no clean measurement.
  const streams = rows.flatMap((r) => (r.scenario === "big" && r.mode === "fill" && r.stream ? [r.stream.small, r.stream.big] : []));
  const streamBad = streams.filter((st) => st && (st.error || st.errors || st.unexpectedCloses || st.restarted)).length;
  if (streams.some(Boolean)) pending("big room: join streams without failed joins, errors or closes", streamBad, "0", streamBad === 0);
  const fills = [...fillsByRound(rows, "parley").values()];
  const counts = fills.length ? fills.reduce((a, r) => a + (r.countsWrong ?? 0), 0) : null;
  pending("big room: after every fill every member has been told the exact count", counts, "0 members off", counts === 0);
}

/** The in-band-join path's targets. */
function inbandVerdicts(rat: Ratios, v: Verdict[]): void {
  const add = (target: string, figure: Fig | undefined, limit: string) =>
    v.push({ target, figure, limit, met: figure === null || figure === undefined ? null : figure <= 2 });
  add("in-band-join path ≤ 2× direct path per delivery in many rooms (text vs text)", fig(rat, "inband/text vs direct/text"), "≤ 2.00×");
  add(
    `in-band-join path ≤ 2× direct path per delivery in fan-out (1 room × ${CFG.fanoutClients}, text vs text)`,
    fig(rat, "inband-fanout/text vs direct/text"),
    "≤ 2.00×",
  );
  add("in-band-join path ≤ 2× direct path per delivery (text vs JSON)", fig(rat, "inband/text vs direct/json"), "≤ 2.00×");
}

export function verdicts(rows: Row[], rat: Ratios): Verdict[] {
  const v: Verdict[] = [];
  deliveryVerdicts(rows, rat, v);
  bigVerdicts(rows, rat, v);
  inbandVerdicts(rat, v);
  shardedVerdicts(rows, rat, v);
  return v;
}
