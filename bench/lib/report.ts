/**
 * What the benchmark prints: a line per measured run as it goes (brief), and
 * the tables at the end (table).
 */

import type { StreamFigures } from "../scenarios/big-stream.ts";
import type { Row } from "./rows.ts";
import { shardedTable } from "./sharded-report.ts";
import { r0, r1 } from "./stats.ts";
import { fillsByRound, type Verdict } from "./verdicts.ts";

export function brief(row: Row): string {
  if (row.error) return `${row.target} ${row.scenario}: ERROR ${row.error}`;
  return (
    `${row.target} ${row.scenario} ${row.path}/${row.format} ${row.mode}: ${row.deliveriesPerS} deliveries/s, ` +
    `p50/p99 ${row.latencyMs?.p50}/${row.latencyMs?.p99} ms, ${row.serverCpuUsPerDelivery} µs CPU/delivery, ` +
    `lost ${row.lost} dup ${row.dup} err ${row.errors}`
  );
}

function pad(v: unknown, n: number, right = false): string {
  const s = v === null || v === undefined ? "–" : String(v);
  return right ? s.padEnd(n) : s.padStart(n);
}

/** A table's columns: heading, width, and the cell of a row (the first column left-aligned, the rest right-aligned). */
type Columns<T> = [string, number, (r: T) => unknown][];

function lines<T>(cols: Columns<T>, items: T[]): string[] {
  const out = [cols.map(([h, n], i) => pad(h, n, i === 0)).join(" ")];
  for (const it of items) out.push(cols.map(([, n, f], i) => pad(f(it), n, i === 0)).join(" "));
  return out;
}

/** Every closed, open-loop and probe run: one line each (an error on its own line). */
function deliveryTable(rows: Row[]): string[] {
  const head: [string, number, boolean?][] = [
    ["target", 13, true],
    ["scenario", 13, true],
    ["path/fmt", 11, true],
    ["mode", 11, true],
    ["sends/s", 8],
    ["deliv/s", 8],
    ["p50 ms", 7],
    ["p95 ms", 7],
    ["p99 ms", 7],
    ["lost", 5],
    ["dup", 4],
    ["err", 4],
    ["conn p50", 8],
    ["conn p95", 8],
    ["CPU µs/dl", 9],
    ["sys µs", 7],
    ["worker µs", 9],
    ["proxy µs", 8],
    ["gen µs", 7],
    ["other", 5],
  ];
  const out = [head.map(([h, n, r]) => pad(h, n, r)).join(" ")];
  for (const row of rows) {
    if (row.error) {
      out.push(`${pad(row.target, 13, true)} ${pad(row.scenario, 13, true)} ERROR: ${row.error}`);
      continue;
    }
    if (row.mode === "fill" || row.mode === "refill") continue; // their own table below
    const b = row.serverCpuUsPerDeliveryByProcess ?? {};
    const cells = [
      row.target,
      row.scenario,
      `${row.path}/${row.format}`,
      row.mode,
      r0(row.sendsPerS),
      r0(row.deliveriesPerS),
      row.latencyMs?.p50,
      row.latencyMs?.p95,
      row.latencyMs?.p99,
      row.lost,
      row.dup,
      row.errors,
      row.connect?.p50,
      row.connect?.p95,
      row.serverCpuUsPerDelivery,
      row.serverSysUsPerDelivery,
      b["workerd-worker"],
      b["workerd-proxy"],
      row.genCpuUsPerDelivery,
      row.otherCpuCores,
    ];
    out.push(cells.map((c, i) => pad(c, head[i]?.[1] ?? 0, head[i]?.[2])).join(" "));
  }
  return out;
}

/** The idle runs: connections, memory and idle CPU. */
function idleTable(idle: Row[]): string[] {
  const cols: Columns<Row> = [
    ["target", 13, (r) => r.target],
    ["connections", 11, (r) => r.connect?.n],
    ["connect p50", 11, (r) => r.connect?.p50],
    ["connect p95", 11, (r) => r.connect?.p95],
    ["connect max", 11, (r) => r.connect?.max],
    ["connect wall", 11, (r) => r.connect?.wallMs],
    ["CPU µs/conn", 11, (r) => r.connect?.serverCpuUsPerConnection],
    ["RSS KiB/conn", 11, (r) => r.memory?.rssKiBPerConnection],
    ["worker KiB/conn", 11, (r) => r.memory?.workerRssKiBPerConnection],
    ["idle CPU cores", 11, (r) => r.idleServerCpuCores],
  ];
  return lines(cols, idle);
}

const counted = (converged: boolean | null | undefined, wrong: number | undefined) =>
  converged === null ? "–" : converged ? "right" : `${wrong} off`;

/** The big room's fills (round 1): per join, CPU and what the clients received. */
function fillTable(rows: Row[], big: Row[]): string[] {
  const probeOf = (r: Row) => rows.find((p) => p.target === r.target && p.scenario === "big" && p.mode === "probe");
  const cols: Columns<Row> = [
    ["target", 13, (r) => r.target],
    ["members", 7, (r) => r.members],
    ["fill s", 7, (r) => r.fillS],
    ["joins/s", 7, (r) => r0(r.joinsPerS)],
    ["conn p50", 8, (r) => r.connect?.p50],
    ["conn p95", 8, (r) => r.connect?.p95],
    ["CPU µs/join", 11, (r) => r0(r.serverCpuUsPerJoin)],
    ["worker µs", 9, (r) => r0(r.serverCpuUsPerJoinByProcess?.["workerd-worker"])],
    ["frames/join", 11, (r) => r.framesPerJoin],
    ["events/join", 11, (r) => r.eventsPerJoin],
    ["bytes/join", 10, (r) => r0(r.bytesPerJoin)],
    ["first10 fr/j", 12, (r) => r.first10?.framesPerJoin],
    ["last10 fr/j", 11, (r) => r.last10?.framesPerJoin],
    ["burst gr fr", 11, (r) => r.growth?.frames],
    ["burst gr B", 10, (r) => r.growth?.bytes],
    ["burst gr CPU", 12, (r) => r.growth?.cpu],
    ["greeting KiB", 12, (r) => r1((r.greetingBytesMax ?? Number.NaN) / 1024)],
    ["counts", 6, (r) => counted(r.countsConverged, r.countsWrong)],
    ["probe all ms", 12, (r) => probeOf(r)?.everyMemberMs],
    ["leave µs", 8, (r) => r.teardown?.serverCpuUsPerLeave],
  ];
  return lines(cols, big);
}

/** CPU per join of every fill, by round, per target. */
function roundsTable(rows: Row[], big: Row[]): string[] {
  const out = ["CPU µs per join filling the room, by round (round 1 is the fill above; the targets take turns):"];
  for (const t of new Set(big.map((r) => r.target))) {
    const byRound = [...fillsByRound(rows, t).entries()].sort((a, b) => a[0] - b[0]);
    out.push(`  ${pad(t, 13, true)} ${byRound.map(([k, r]) => `${k}: ${r0(r.serverCpuUsPerJoin)}`).join(", ")}`);
  }
  return out;
}

type StreamLine = { r: Row; st: StreamFigures };

/** The big room's join streams: one line each, the growth (at N ÷ at N/10) on the line of the stream at N. */
function streamTable(streams: StreamLine[]): string[] {
  const grown =
    (f: "frames" | "bytes" | "cpu") =>
    ({ r, st }: StreamLine) =>
      st === r.stream?.big ? r.stream.growth[f] : "";
  const cols: Columns<StreamLine> = [
    ["target", 13, ({ r }) => r.target],
    ["stream at", 9, ({ st }) => st.at],
    ["room", 11, ({ st }) => `${st.roomBefore}→${st.roomAfter}`],
    ["joins", 5, ({ st }) => st.joins],
    ["joined/s", 8, ({ st }) => st.joinedPerS],
    ["conn p50", 8, ({ st }) => st.connect.p50],
    ["conn p95", 8, ({ st }) => st.connect.p95],
    ["fail", 4, ({ st }) => st.connect.failures],
    ["frames/join", 11, ({ st }) => st.framesPerJoin],
    ["events/join", 11, ({ st }) => st.eventsPerJoin],
    ["bytes/join", 10, ({ st }) => r0(st.bytesPerJoin)],
    ["CPU µs/join", 11, ({ st }) => r0(st.serverCpuUsPerJoin)],
    ["worker µs", 9, ({ st }) => r0(st.workerCpuUsPerJoin)],
    ["greeted", 7, ({ st }) => st.greetingsPerJoin],
    ["counts", 6, ({ st }) => counted(st.countsConverged, st.countsWrong)],
    ["right ms", 8, ({ st }) => st.countsRightAfterMs],
    ["growth fr", 9, grown("frames")],
    ["growth B", 8, grown("bytes")],
    ["growth CPU", 10, grown("cpu")],
  ];
  return lines(cols, streams);
}

/** Every table: the runs, the idle runs, the big room's fills, rounds and join streams. */
export function table(rows: Row[]): string {
  const out = deliveryTable(rows);
  const idle = rows.filter((r) => r.scenario === "idle" && !r.error);
  if (idle.length) out.push("", ...idleTable(idle));
  const big = rows.filter((r) => r.scenario === "big" && r.mode === "fill" && !r.error);
  if (big.length) {
    out.push("", ...fillTable(rows, big));
    if (rows.some((r) => r.scenario === "big" && r.mode === "refill")) out.push("", ...roundsTable(rows, big));
    const streams = big.flatMap((r) => [r.stream?.small, r.stream?.big].flatMap((st) => (st ? [{ r, st }] : [])));
    if (streams.length) out.push("", ...streamTable(streams));
  }
  if (rows.some((r) => r.scenario === "big-sharded")) out.push("", ...shardedTable(rows));
  return out.join("\n");
}

/** The report at the end: the tables, their legend, the ratios and the verdicts. */
export function printReport(heading: string, rows: Row[], rat: Record<string, unknown>, ver: Verdict[]): void {
  console.log(`\n${heading}\n`);
  console.log(table(rows));
  console.log(
    "\nCPU µs/dl: server CPU (whole wrangler dev tree) per delivered message; sys: its kernel part; worker/proxy: the two workerd processes' shares;",
  );
  console.log("gen µs: the load generator's CPU per delivery; other: cores busy with anything else (other processes, kernel).");
  if (rows.some((r) => r.scenario === "big" && r.mode === "fill"))
    console.log(
      "Big room: per join, server CPU (whole tree; worker: workerd-worker) and frames/events/bytes received by all clients during the fill;\n" +
        "burst gr: per join in the last 10% of the fill ÷ the first 10% (bursts; information); greeting: largest joined frame;\n" +
        "counts: every member told the exact size; probe all: ms until every member had the probe; leave µs: server CPU per leave\n" +
        "while the room empties (information). Join streams: joins at a fixed rate into the room after its first tenth (N/10) and\n" +
        "after the fill (N), per join everything every member received until all knew the count; growth: at N ÷ at N/10 (the verdicts).",
    );
  if (rows.some((r) => r.scenario === "big-sharded"))
    console.log(
      "Sharded big room: parley:S=N is Parley with ROOM_SHARD_MEMBERS=N (0: never shards), each on a wrangler dev of its own;\n" +
        "calls/frames per msg: the writer's RPCs to shards and frames to its own sockets per message, one message at a time (serial);\n" +
        "CPU/worker µs/dl: closed loop; msgs/s held: the highest open-loop rate with p99 ≤ 1 s and no loss; model: with one thread\n" +
        "per object (not visible here: every object runs in one workerd process, on the generator's 2 cores).",
    );
  console.log("");
  console.log("Ratios (Parley ÷ floor; CPU per delivery, lower is better):");
  for (const [k, v] of Object.entries(rat)) console.log(`  ${k.padEnd(32)} ${JSON.stringify(v)}`);
  console.log("\nTargets:");
  for (const v of ver)
    console.log(
      `  [${v.met === "info" ? "info" : v.met === null ? " ? " : v.met ? "met" : "NOT"}] ${v.target}: ${v.figure ?? "n/a"} (${v.limit})${v.unmet ? " — not met yet" : ""}`,
    );
}
