/**
 * Turning samples and counters into the figures of a row: rounding,
 * quantiles, latency and connect statistics, per-delivery CPU, and ratios.
 */
import type { Phase } from "./client.ts";
import type { Connects } from "./load.ts";
import type { WindowFigures } from "./measure.ts";

/** A figure, or null where it could not be computed (rounded NaN, a ratio without a divisor). */
export type Fig = number | null;

/** Whether `x` is a finite number (what Number.isFinite tells, as a type guard). */
const finite = (x: number | null | undefined): x is number => typeof x === "number" && Number.isFinite(x);

export const r1 = (x: number | null | undefined): Fig => (finite(x) ? Math.round(x * 10) / 10 : null);
export const r2 = (x: number | null | undefined): Fig => (finite(x) ? Math.round(x * 100) / 100 : null);
export const r0 = (x: number | null | undefined): Fig => (finite(x) ? Math.round(x) : null);

/** The q-quantile (0..1) of an ascending array. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? Number.NaN;
}

/** The last (largest) element of an ascending array, NaN when it is empty. */
const last = (s: Float64Array): number => s[s.length - 1] ?? Number.NaN;

export function median(xs: number[]): number | null {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  if (s.length === 0) return null;
  return s.length % 2 ? (s[m] ?? null) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

export function ratio(a: Fig | undefined, b: Fig | undefined): Fig {
  return a !== undefined && b !== undefined && a !== null && b !== null && b > 0 ? r2(a / b) : null;
}

export interface Latency {
  p50: Fig;
  p95: Fig;
  p99: Fig;
  max: Fig;
}

export function latencyStats(values: number[]): Latency {
  const s = Float64Array.from(values).sort();
  return { p50: r2(quantile(s, 0.5)), p95: r2(quantile(s, 0.95)), p99: r2(quantile(s, 0.99)), max: r2(last(s)) };
}

/** Connect times: the quantiles of `times` (ms). */
export function connectQuantiles(times: number[]): { p50: Fig; p95: Fig; max: Fig } {
  const s = Float64Array.from(times).sort();
  return { p50: r2(quantile(s, 0.5)), p95: r2(quantile(s, 0.95)), max: r2(last(s)) };
}

/** A row's `connect`: how its clients connected, and (most rows) the server CPU that cost. */
export interface ConnectFigures {
  n: number;
  failures: number;
  p50: Fig;
  p95: Fig;
  max: Fig;
  wallMs?: Fig;
  firstError?: string;
  serverCpuUsPerConnection?: Fig;
  serverCpuUsPerConnectionByProcess?: Record<string, Fig>;
  restarted?: boolean;
}

function connectStats(conn: Connects): ConnectFigures {
  const q = connectQuantiles(conn.times);
  return {
    n: conn.times.length,
    failures: conn.failures,
    p50: q.p50,
    p95: q.p95,
    max: q.max,
    wallMs: r0(conn.wallMs),
    firstError: conn.firstError || undefined,
  };
}

/** Connect times, and the server CPU the connects cost (per process too). */
export function connectFigures(conn: Connects, w: WindowFigures): ConnectFigures {
  const n = Math.max(1, conn.times.length);
  const byProcess: Record<string, Fig> = {};
  for (const [k, v] of Object.entries(w.byLabel)) byProcess[k] = r0((v.cpuS * 1e6) / n);
  return {
    ...connectStats(conn),
    serverCpuUsPerConnection: r0((w.serverCpuS * 1e6) / n),
    serverCpuUsPerConnectionByProcess: byProcess,
    ...(w.restarted ? { restarted: true } : {}),
  };
}

export type PhaseFigures = ReturnType<typeof phaseRow>;

/** A measured phase's figures: deliveries, latency, and CPU per delivery (the server's, by process, the generator's). */
export function phaseRow(P: Phase, w: WindowFigures) {
  const delivered = P.unique;
  const span = Math.max(1e-3, ((P.lastRecv || P.lastSend) - P.firstSend) / 1000);
  const sendSpan = Math.max(1e-3, (P.lastSend - P.firstSend) / 1000);
  const per = (s: number) => (delivered > 0 ? r2((s * 1e6) / delivered) : null);
  const byLabel: Record<string, Fig> = {};
  for (const [k, v] of Object.entries(w.byLabel)) byLabel[k] = per(v.cpuS);
  return {
    sent: P.sent,
    expected: P.expected,
    delivered,
    lost: P.expected - P.unique,
    dup: P.dup,
    errors: P.errors,
    unexpectedCloses: P.closes,
    sendsPerS: r1(P.sent / sendSpan),
    deliveriesPerS: r1(delivered / span),
    latencyMs: latencyStats(P.latencies),
    serverCpuUsPerDelivery: per(w.serverCpuS),
    serverCpuUsPerDeliveryByProcess: byLabel,
    // The kernel's part of the server's CPU (socket writes, fsync and the like).
    serverSysUsPerDelivery: per(w.serverSysS),
    genCpuUsPerDelivery: per(w.genCpuS),
    serverCpuCores: r2(w.serverCpuS / w.wallS),
    genCpuCores: r2(w.genCpuS / w.wallS),
    otherCpuCores: r2(w.otherCpuS / w.wallS),
    wallS: r2(w.wallS),
    ...(w.restarted ? { restarted: true } : {}),
  };
}
