/**
 * The benchmark's settings, from the environment (defaults in parentheses;
 * quick mode with BENCH_QUICK=1):
 *   BENCH_DURATION_S (8; quick 1)     measured seconds per closed / open loop run
 *   BENCH_WARMUP_S (2; quick 0.3)     unmeasured closed loop before each scenario
 *   BENCH_FANOUT_CLIENTS (100)        fan-out: clients in the one room
 *   BENCH_ROOMS (50) BENCH_ROOM_CLIENTS (4)            many rooms
 *   BENCH_IDLE_CONNECTIONS (2000; quick 300) BENCH_IDLE_ROOMS (100; quick 15)
 *   BENCH_IDLE_WAIT_S (5; quick 0.5)  idle seconds before the probes
 *   BENCH_FANOUT_RATE (40) BENCH_ROOMS_RATE (200)      open loop, messages/s in total
 *   BENCH_MSG_BYTES (64)              message text length
 *   BENCH_BIG_MEMBERS (2000; quick 200)  big room: members to fill it with (e.g. 5000)
 *   BENCH_BIG_CONCURRENCY (16)        big room: handshakes in flight while filling
 *   BENCH_BIG_SENDERS (5)             big room: senders of the closed-loop fan-out
 *   BENCH_BIG_DURATION_S (5; quick 1) big room: measured seconds of that fan-out
 *   BENCH_BIG_SETTLE_S (20)           big room: longest wait for every member to know the count
 *   BENCH_BIG_STREAM_RATE (50)        big room: joins per second of the join streams (open loop)
 *   BENCH_BIG_STREAM_S (10; quick 3)  big room: seconds of each join stream (0: none); it adds
 *                                     rate × seconds members at once, at N/10 and at N
 *   BENCH_BIG_PROTOCOLS (parley.v2,parley.v1)  big room: subprotocols offered (the server picks)
 *   BENCH_BIG_ROUNDS (3; quick 2)     big room: fills per target, interleaved across the targets; the
 *                                     CPU-per-join verdict is the median of the rounds' ratios
 *   BENCH_SHARDED_MEMBERS (4000; quick 400)  sharded big room (opt in: big-sharded): members, filled once
 *                                     unsharded and once sharded, each on a wrangler dev of its own
 *   BENCH_SHARD_MEMBERS (500; quick 50)  sharded big room: ROOM_SHARD_MEMBERS of the sharded fill
 *   BENCH_SHARDED_MESSAGES (50; quick 20)  sharded big room: messages of the serial run (one at a time)
 *   BENCH_SHARDED_RATES (5,10,15,20,30,40,60,80,120,160; quick 5,20)  sharded big room: offered
 *                                     messages/s of the open-loop steps, until p99 passes 1 s
 *   BENCH_SHARDED_STEP_S (4; quick 1.5)  sharded big room: seconds of each step
 *   BENCH_TIME_WAIT_MAX (2000)        before each target's idle and big-room connects (and each further
 *                                     round of big-room fills), wait (≤ 65 s)
 *                                     until at most this many sockets are in TIME_WAIT
 *   BENCH_TARGETS (parley,floor-bare,floor-storage; floor-assets on request: information)
 *   BENCH_SCENARIOS (idle,fanout,rooms,inband,inband-fanout,big,big-sharded,webhooks)
 *   BENCH_CONNECT_CONCURRENCY (32)    handshakes in flight
 *   BENCH_PARLEY_VARS, BENCH_FLOOR_VARS  extra wrangler vars, "K:V,K:V"
 *   BENCH_MAX_S (1500)                hard limit for the whole run
 *   BENCH_REF                         measure Parley as of this git ref (default: the work tree)
 *   BENCH_OUT                         also append the JSON line to this file
 *   BENCH_SERVER_LOG=1                copy wrangler's output to stderr
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const QUICK = process.env.BENCH_QUICK === "1";

function num(name: string, full: number, quick = full): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return QUICK ? quick : full;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${raw}`);
  return n;
}
function list(name: string, dflt: string): string[] {
  return (process.env[name] || dflt)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}
/** Positive numbers, ascending (a list of offered rates). */
function rates(name: string, dflt: string): number[] {
  const out = list(name, dflt).map(Number);
  if (out.some((r) => !Number.isFinite(r) || r <= 0)) throw new Error(`${name} must be positive numbers, got ${process.env[name]}`);
  return out.sort((a, b) => a - b);
}
function vars(name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list(name, "")) {
    const i = kv.indexOf(":");
    if (i > 0) out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export const CFG = {
  quick: QUICK,
  durationS: num("BENCH_DURATION_S", 8, 1),
  warmupS: num("BENCH_WARMUP_S", 2, 0.3),
  fanoutClients: num("BENCH_FANOUT_CLIENTS", 100),
  rooms: num("BENCH_ROOMS", 50),
  roomClients: num("BENCH_ROOM_CLIENTS", 4),
  idleConnections: num("BENCH_IDLE_CONNECTIONS", 2000, 300),
  idleRooms: num("BENCH_IDLE_ROOMS", 100, 15),
  idleWaitS: num("BENCH_IDLE_WAIT_S", 5, 0.5),
  fanoutRate: num("BENCH_FANOUT_RATE", 40),
  roomsRate: num("BENCH_ROOMS_RATE", 200),
  msgBytes: num("BENCH_MSG_BYTES", 64),
  connectConcurrency: num("BENCH_CONNECT_CONCURRENCY", 32),
  bigMembers: num("BENCH_BIG_MEMBERS", 2000, 200),
  bigConcurrency: num("BENCH_BIG_CONCURRENCY", 16),
  bigSenders: num("BENCH_BIG_SENDERS", 5),
  bigDurationS: num("BENCH_BIG_DURATION_S", 5, 1),
  bigSettleS: num("BENCH_BIG_SETTLE_S", 20),
  bigStreamRate: num("BENCH_BIG_STREAM_RATE", 50),
  bigStreamS: num("BENCH_BIG_STREAM_S", 10, 3),
  bigProtocols: list("BENCH_BIG_PROTOCOLS", "parley.v2,parley.v1"),
  bigRounds: Math.max(1, Math.floor(num("BENCH_BIG_ROUNDS", 3, 2))),
  shardedMembers: num("BENCH_SHARDED_MEMBERS", 4000, 400),
  shardMembers: num("BENCH_SHARD_MEMBERS", 500, 50),
  shardedMessages: num("BENCH_SHARDED_MESSAGES", 50, 20),
  shardedRates: rates("BENCH_SHARDED_RATES", QUICK ? "5,20" : "5,10,15,20,30,40,60,80,120,160"),
  shardedStepS: num("BENCH_SHARDED_STEP_S", 4, 1.5),
  timeWaitMax: num("BENCH_TIME_WAIT_MAX", 2000),
  maxS: num("BENCH_MAX_S", 1500),
  ref: process.env.BENCH_REF || undefined,
  targets: list("BENCH_TARGETS", "parley,floor-bare,floor-storage"),
  scenarios: list("BENCH_SCENARIOS", "idle,fanout,rooms,inband,inband-fanout,big,big-sharded,webhooks"),
  parleyVars: vars("BENCH_PARLEY_VARS"),
  floorVars: vars("BENCH_FLOOR_VARS"),
};

/**
 * Limits raised so that the benchmark measures the room, not the rate limiter
 * (MAX_ROOM_MEMBERS: the big room is filled to BENCH_BIG_MEMBERS).
 */
export const PARLEY_VARS = {
  RATE_LIMIT_BURST: "1000000",
  RATE_LIMIT_PER_SECOND: "1000000",
  CONNECTS_PER_MINUTE: "0",
  MAX_ROOM_MEMBERS: "100000",
};

export interface Target {
  /** what it is built from, relative to the repository */
  paths: string[];
  /** its wrangler config, relative to the snapshot */
  config: string;
  /** the git ref to build it from (undefined: the work tree) */
  ref: () => string | undefined;
  /** whether it greets a join */
  greets: boolean;
  vars: () => Record<string, string>;
}

/**
 * What each target is built from (copied to a temporary directory before its
 * start; see snapshot()), its config there, and whether it greets a join.
 */
export const TARGETS: Record<string, Target> = {
  parley: {
    paths: ["."],
    config: "wrangler.toml",
    ref: () => CFG.ref,
    greets: true,
    vars: () => ({ ...PARLEY_VARS, ...CFG.parleyVars }),
  },
  "floor-bare": {
    paths: ["bench/floor-bare"],
    config: "bench/floor-bare/wrangler.toml",
    ref: () => undefined,
    greets: false,
    vars: () => CFG.floorVars,
  },
  // Information only (opt in): floor-bare behind static assets, as Parley is.
  "floor-assets": {
    paths: ["bench/floor-bare", "bench/floor-assets"],
    config: "bench/floor-assets/wrangler.toml",
    ref: () => undefined,
    greets: false,
    vars: () => CFG.floorVars,
  },
  "floor-storage": {
    paths: ["bench/floor-storage"],
    config: "bench/floor-storage/wrangler.toml",
    ref: () => undefined,
    greets: false,
    vars: () => CFG.floorVars,
  },
};

/** Whether `target` greets a join (Parley does, the floors don't); false for an unknown target. */
export function greets(target: string): boolean {
  return TARGETS[target]?.greets ?? false;
}

/** Marks this run's room names, so that no two runs share a room. */
export const runId = Date.now().toString(36);

export const log = (...a: unknown[]) => console.error("#", ...a);
