/**
 * Big room: fill one room to BENCH_BIG_MEMBERS direct JSON sockets
 * (BENCH_BIG_CONCURRENCY handshakes in flight) in three parts — the first
 * 10%, the middle 80%, the last 10% — each measured until every member knows
 * the room's size; then one probe message (time until every member has it,
 * each exactly once); then a closed-loop fan-out from a few senders. Figures
 * per join: server CPU, and frames, events and bytes received by all clients
 * (the greeting, presence, anything). Whether a join costs more in a bigger
 * room: a steady join stream (big-stream.ts) into the room after its first
 * tenth and after the whole fill, compared; the fill's last and first tenth
 * compared (bursts) are kept as information. Then more fills of new rooms,
 * the targets taking turns (refillRounds), for the CPU-per-join verdict.
 */
import { type Client, Tally } from "../lib/client.ts";
import { CFG, log } from "../lib/config.ts";
import { closedLoop, drain, newPhase, sleep } from "../lib/load.ts";
import { openFiles, settleTimeWait, window } from "../lib/measure.ts";
import { brief } from "../lib/report.ts";
import type { Row, RowBase, Run, Scenario } from "../lib/rows.ts";
import type { BenchServer } from "../lib/server.ts";
import { phaseRow, r2 } from "../lib/stats.ts";
import { bigRoom, emptyRoom, type FillFigures, fillRoom } from "./big-fill.ts";
import { joinStream, type StreamFigures, streamFigures, streamJoins } from "./big-stream.ts";

const now = () => performance.now();

/** What only the big room's fill rows have, besides FillFigures. */
export type BigRowFigures = FillFigures & {
  openFiles: ReturnType<typeof openFiles>;
  timeWait: { from: number; at: number };
  stream: ReturnType<typeof streamFigures>;
  teardown: Awaited<ReturnType<typeof emptyRoom>>;
};

type Base = Omit<RowBase, "mode">;

/** The first fill, with a join stream after its first tenth and one after the whole fill: the fill row. */
async function fillWithStreams(server: BenchServer, target: string, big: ReturnType<typeof bigRoom>): Promise<Row> {
  const { N, greets, room, clients, base } = big;
  const timeWait = await settleTimeWait();
  await sleep(300);
  let small: StreamFigures | null = null;
  // Joiners numbered after the fill's members: N.., then N + J.. for the stream at N.
  const filled = await fillRoom(server, clients, greets, async (firstTenth) => {
    small = await joinStream(server, target, room, firstTenth, N, "N/10");
  });
  if (filled.error !== undefined) return { ...base, mode: "fill", round: 1, ...filled };
  const fill = filled.fill;
  const files = openFiles(server);
  const stream = streamFigures(small, await joinStream(server, target, room, clients, N + streamJoins(), "N"));
  const row: Row = { ...base, mode: "fill", round: 1, ...fill, openFiles: files, timeWait, stream };
  const sg = stream.growth;
  log(
    `${target} big fill to ${N}: ${fill.fillS} s (${fill.joinsPerS} joins/s), ${fill.serverCpuUsPerJoin} µs CPU/join, ` +
      `${fill.framesPerJoin} frames and ${fill.bytesPerJoin} bytes received per join; per join, join stream at N ÷ at N/10: ` +
      `frames ${sg.frames}, bytes ${sg.bytes}, CPU ${sg.cpu}; fill burst growth (last 10% ÷ first 10%, information): ` +
      `frames ${fill.growth.frames}, bytes ${fill.growth.bytes}, CPU ${fill.growth.cpu}; counts right: ${fill.countsConverged}; ` +
      `open files: ${files.serverMaxPerProcess} in one server process, ${files.bench} here`,
  );
  return row;
}

/** One probe: how long until every member has it, and each exactly once. */
async function probe(server: BenchServer, clients: Client[], base: Base, connect: Row["connect"]): Promise<Row> {
  const T = new Tally();
  for (const c of clients) c.o.tally = T;
  const P = newPhase();
  for (const c of clients) c.enter(P);
  const w = window(server);
  clients[0]?.send(now());
  await drain(P, 2_000, 30_000);
  await sleep(300); // a late duplicate would show here
  const row: Row = {
    ...base,
    mode: "probe",
    ...phaseRow(P, w()),
    sendsPerS: null, // one message
    connect,
    everyMemberMs: P.unique === P.expected ? r2(Math.max(...P.latencies)) : null,
    framesPerDelivery: P.unique ? r2(T.frames / P.unique) : null,
  };
  log(`${brief(row)}, every member after ${row.everyMemberMs} ms`);
  return row;
}

/** Closed-loop fan-out from a few senders (BENCH_BIG_SENDERS, spread over the join order) to the whole room. */
async function fanOut(server: BenchServer, clients: Client[], base: Base, connect: Row["connect"]): Promise<Row> {
  const N = clients.length;
  const senders: Client[] = [];
  const step = Math.max(1, Math.floor(N / Math.max(1, CFG.bigSenders)));
  for (let i = 0; i < N && senders.length < CFG.bigSenders; i += step) {
    const c = clients[i];
    if (c) senders.push(c);
  }
  const T = new Tally();
  for (const c of clients) c.o.tally = T;
  const F = newPhase();
  const w = window(server);
  await closedLoop(clients, F, CFG.bigDurationS * 1000, { senders });
  await drain(F, 2_000, 30_000);
  const row: Row = { ...base, mode: "closed", senders: senders.length, ...phaseRow(F, w()), connect };
  row.framesPerDelivery = F.unique ? r2(T.frames / F.unique) : null;
  log(`${brief(row)}, ${row.framesPerDelivery} frames per delivery`);
  return row;
}

/** The scenario on one target: the fill with its join streams, the probe, the fan-out; the room emptied after. */
async function bigRun(server: BenchServer, target: string): Promise<Row[]> {
  const big = bigRoom(server, target);
  const { N, room, clients, base } = big;
  const rows: Row[] = [];
  try {
    const fill = await fillWithStreams(server, target, big);
    rows.push(fill);
    if (fill.error) return rows;
    room.size = N;
    rows.push(await probe(server, clients, base, fill.connect));
    rows.push(await fanOut(server, clients, base, fill.connect));
  } finally {
    const teardown = await emptyRoom(server, clients);
    const fillRow = rows.find((r) => r.mode === "fill" && !r.error);
    if (fillRow) fillRow.teardown = teardown;
  }
  return rows;
}

/**
 * One more fill of a new room (round 2, 3, …): the fill alone, for the
 * CPU-per-join verdict, which takes the median over the rounds (see
 * bench/lib/verdicts.ts).
 */
async function bigRefill(server: BenchServer, target: string, round: number): Promise<Row[]> {
  const { greets, clients, base } = bigRoom(server, target);
  try {
    const filled = await fillRoom(server, clients, greets);
    if (filled.error !== undefined) return [{ ...base, mode: "refill", round, ...filled }];
    const row: Row = { ...base, mode: "refill", round, ...filled.fill };
    log(`${target} big fill round ${round}: ${row.fillS} s, ${row.serverCpuUsPerJoin} µs CPU/join, counts right: ${row.countsConverged}`);
    return [row];
  } finally {
    await emptyRoom(server, clients);
  }
}

/** The bare floor is the comparison; the storage floor's join is the same as the bare floor's. */
const joinsMeasured = (target: string) => target !== "floor-storage";

export const big: Scenario = {
  runs: (server, target) => (joinsMeasured(target) ? [() => bigRun(server, target)] : []),
};

/**
 * The big room's fill again, BENCH_BIG_ROUNDS − 1 more times per target,
 * the targets taking turns in alternating order (round 1, the scenario's own:
 * in the targets' order; round 2 reversed; …). The floors' and Parley's figures
 * move by up to 2× from run to run, and a single ratio near its limit
 * flips with them; a ratio of two fills done one after the other, and the
 * median of several such ratios, does not (docs/performance.md).
 * `measure` runs each fill (see run.ts).
 */
export async function refillRounds(
  servers: Record<string, BenchServer>,
  targets: string[],
  measure: (target: string, run: Run) => Promise<void>,
): Promise<void> {
  const bigTargets = targets.filter(joinsMeasured);
  for (let round = 2; round <= CFG.bigRounds; round++) {
    await settleTimeWait();
    const order = round % 2 === 0 ? [...bigTargets].reverse() : bigTargets;
    for (const t of order) {
      const server = servers[t];
      if (server) await measure(t, () => bigRefill(server, t, round));
    }
  }
}
