/**
 * The big room's join streams: new members joining at a fixed rate into the
 * room as it is, the reading of "frames and bytes per join independent of
 * the room's size".
 */
import { type Client, type Room, Tally } from "../lib/client.ts";
import { CFG, greets as greetsOf, log } from "../lib/config.ts";
import { type Connects, closeAll, sleep } from "../lib/load.ts";
import { type WindowFigures, window } from "../lib/measure.ts";
import type { BenchServer } from "../lib/server.ts";
import { connectQuantiles, r0, r1, r2, ratio } from "../lib/stats.ts";
import { bigClient, type Settled, settleCounts } from "./big-fill.ts";

const now = () => performance.now();

/** Members each big-room join stream adds (rate × seconds; 0: no streams). */
export function streamJoins(): number {
  return Math.floor(CFG.bigStreamRate * CFG.bigStreamS);
}

/**
 * Starts `joiners[k].connect()` at k × 1000/rate ms (open loop: whether or
 * not the earlier handshakes are done, so a server that falls behind shows
 * it as connect time, not as a slower stream), then waits for all of them.
 * `startedMs`: when the last one was started; `wallMs`: when the last one was in.
 */
async function joinAtRate(joiners: Client[], rate: number): Promise<Connects & { startedMs: number }> {
  const interval = 1000 / rate;
  const times: number[] = [];
  let failures = 0;
  let firstError = "";
  const pending: Promise<unknown>[] = [];
  const t0 = now();
  for (const [k, joiner] of joiners.entries()) {
    const due = t0 + k * interval;
    if (due > now()) await sleep(due - now());
    pending.push(
      joiner.connect().then(
        (ms) => times.push(ms),
        (err) => {
          failures++;
          firstError ||= String(err);
        },
      ),
    );
  }
  const startedMs = now() - t0;
  await Promise.all(pending);
  return { times, failures, firstError, startedMs, wallMs: now() - t0 };
}

export type StreamFigures = ReturnType<typeof streamRow>;

/** One stream's figures: per join, everything every member received and the server CPU it took. */
function streamRow(
  label: string,
  members: Client[],
  joiners: Client[],
  conn: Connects & { startedMs: number },
  T: Tally,
  settle: Settled,
  win: WindowFigures,
  wallMs: number,
) {
  const J = joiners.length;
  const joined = joiners.filter((c) => Number.isFinite(c.connectMs));
  const n = Math.max(1, joined.length);
  const per = (x: number) => r1(x / n);
  return {
    at: label,
    joins: J,
    rate: CFG.bigStreamRate,
    roomBefore: members.length,
    roomAfter: members.length + joined.length,
    // Joins done per second, from the first start to the last greeting.
    joinedPerS: r1(joined.length / Math.max(1e-3, conn.wallMs / 1000)),
    connect: { n: conn.times.length, failures: conn.failures, ...connectQuantiles(conn.times), firstError: conn.firstError || undefined },
    framesPerJoin: per(T.frames),
    eventsPerJoin: per(T.events),
    bytesPerJoin: per(T.bytes),
    serverCpuUsPerJoin: per(win.serverCpuS * 1e6),
    workerCpuUsPerJoin: per((win.byLabel["workerd-worker"]?.cpuS ?? 0) * 1e6),
    genCpuUsPerJoin: per(win.genCpuS * 1e6),
    otherCpuCores: r2(win.otherCpuS / Math.max(1e-3, win.wallS)),
    // Whether each joiner was greeted (`joined`; 1 for Parley, 0 for the floors), and the largest greeting.
    greetingsPerJoin: r2(T.greetings / n),
    greetingBytesMax: T.maxGreetingBytes,
    lastJoiner: joiners[J - 1]?.greeting ?? null,
    errors: T.errors,
    unexpectedCloses: T.closes,
    joinsMs: r0(conn.startedMs),
    allJoinedMs: r0(conn.wallMs),
    // From the first join: until every member knew the exact count, and until the settle's quiet end.
    countsRightAfterMs: settle.convergedMs === null ? null : r0(conn.wallMs + settle.convergedMs),
    wallMs: r0(wallMs),
    countsConverged: settle.converged,
    countsWrong: settle.wrong,
    ...(settle.off ? { countsOff: settle.off } : {}),
    ...(conn.failures ? { error: `${conn.failures} of ${J} joins failed: ${conn.firstError}` } : {}),
    ...(win.restarted ? { restarted: true } : {}),
  };
}

/**
 * Big room: a steady stream of joins into the room as it is (`members`), the
 * reading of "frames and bytes per join independent of the room's size". The
 * fill's parts are bursts (a tenth of the room as fast as it goes, then a
 * wait for the counts); a room that tells each member at most once per
 * presence window (1 ms per member, 200 ms to 10 s) costs about
 * room ÷ burst + 1 frames per join there, whatever else it does. Here
 * BENCH_BIG_STREAM_RATE × BENCH_BIG_STREAM_S new members join at that rate
 * (see joinAtRate), and everything every member, old and new, receives is
 * counted from the first join until all of them have been told the room's
 * exact size and nothing arrived for 250 ms: about 1000/rate + 1 frames per
 * join at any size for such a room. Then the joiners leave and the room
 * settles again (not measured: it is not a join), so that the fill, or the
 * probe, goes on in the room as it was. `firstG` numbers the joiners (after
 * every other member). Returns the stream's figures, or null with no stream.
 */
export async function joinStream(
  server: BenchServer,
  target: string,
  room: Room,
  members: Client[],
  firstG: number,
  label: string,
): Promise<StreamFigures | null> {
  const J = streamJoins();
  if (J < 1 || CFG.bigStreamRate <= 0) return null;
  const greets = greetsOf(target);
  // Their own array: they never send, so no phase looks a sender up in it.
  const joiners: Client[] = [];
  for (let i = 0; i < J; i++) joiners.push(bigClient(server, greets, room, firstG + i, joiners, i === J - 1));
  const T = new Tally();
  for (const c of [...members, ...joiners]) c.o.tally = T;
  try {
    const w = window(server);
    const t0 = now();
    const conn = await joinAtRate(joiners, CFG.bigStreamRate);
    const joined = joiners.filter((c) => Number.isFinite(c.connectMs));
    const settle = await settleCounts(server, [...members, ...joined], T, greets);
    const st = streamRow(label, members, joiners, conn, T, settle, w(settle.serverAfter), now() - t0);
    log(
      `${target} big join stream at ${label} (${st.roomBefore} → ${st.roomAfter} members, ${J} joins at ${st.rate}/s, ` +
        `${st.joinedPerS} joined/s, connect p95 ${st.connect.p95} ms): per join ${st.framesPerJoin} frames, ${st.eventsPerJoin} events, ` +
        `${st.bytesPerJoin} bytes received, ${st.serverCpuUsPerJoin} µs server CPU; greetings/join ${st.greetingsPerJoin}; ` +
        `counts right: ${st.countsConverged} after ${st.countsRightAfterMs} ms${st.error ? `; ERROR ${st.error}` : ""}`,
    );
    return st;
  } finally {
    for (const c of joiners) c.o.tally = null;
    await closeAll(joiners, 10_000);
    // The room tells the rest that they left: wait for it, unmeasured.
    const L = new Tally();
    for (const c of members) c.o.tally = L;
    const back = await settleCounts(server, members, L, greets);
    for (const c of members) c.o.tally = null;
    if (back.converged === false)
      log(`${target} big join stream at ${label}: after the joiners left, ${back.wrong} members not told the count`);
  }
}

/** The two join streams' figures side by side, and how a join's cost grew from the room at N/10 to the room at N. */
export function streamFigures(small: StreamFigures | null, big: StreamFigures | null) {
  const g = (f: "framesPerJoin" | "eventsPerJoin" | "bytesPerJoin" | "serverCpuUsPerJoin") => ratio(big?.[f], small?.[f]);
  return {
    small,
    big,
    // Per join, the stream into the room at N ÷ into the room at N/10: about 1
    // when a join costs the same whatever the room's size.
    growth: { frames: g("framesPerJoin"), events: g("eventsPerJoin"), bytes: g("bytesPerJoin"), cpu: g("serverCpuUsPerJoin") },
  };
}
