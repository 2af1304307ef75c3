/**
 * 4. A room with 200 stored messages; one socket asks for all of them 200
 * times, on each path. Fixed: each attacker gets at most 2 MiB (history
 * replies are charged to its rate budget by size) and another member's echo
 * p95 stays under ECHO_P95_MS meanwhile.
 */
import { now, pool, sleep } from "../lib/clock.ts";
import { answerTo } from "../lib/events.ts";
import { MiB, mib, percentile, secs } from "../lib/figures.ts";
import { freshRoom, http } from "../lib/http.ts";
import { direct, member, openPeer, type Peer } from "../lib/peer.ts";
import type { Target, Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

const AMPLIFY_JOINS = 200;
const AMPLIFY_MAX_BYTES = 2 * MiB;
// The defect raised it from 11 ms to 276 ms on an idle machine. Under npm test the check shares two
// cores with other test files, so the bound leaves room for that; the bytes are the sharp check.
const ECHO_P95_MS = 250;

/**
 * One attacker socket asks for the room's whole history `AMPLIFY_JOINS`
 * times, as fast as it can; counts what it gets until it is closed or the
 * bytes stop coming (1 s of silence, 8 s at most).
 */
async function amplify(t: Target, room: string, path: "direct" | "in-band"): Promise<{ bytes: number; figure: string }> {
  const peer = await openPeer(path === "direct" ? direct(t, room, "x") : `${t.wsUrl}/ws`, { json: true, keep: false });
  let replies = 0;
  let limited = 0;
  peer.onFrame = (frame) => {
    const head = frame.subarray(0, 40).toString();
    if (head.startsWith('{"type":"joined"')) replies += 1;
    else if (frame.length < 4096 && head.startsWith('{"type":"error"') && JSON.parse(frame.toString()).code === "rate_limited")
      limited += 1;
  };
  try {
    if (path === "in-band") peer.send({ action: "join", msg: room, nick: "x" });
    if (!(await peer.waitFor(() => replies > 0, 5_000))) throw new Error(`${path} attacker got no greeting`);
    const start = now();
    const frame = JSON.stringify({ action: "join", msg: room, nick: "x", since: 0 });
    for (let i = 0; i < AMPLIFY_JOINS; i++) peer.send(frame);
    let last = -1;
    while (!peer.closed && peer.bytes !== last && now() - start < 8_000) {
      last = peer.bytes;
      await peer.waitFor(() => peer.closed !== null, 1_000);
    }
    const closed = peer.closed ? `closed ${peer.closed.code} after ${secs(peer.closed.at - start)}` : "still open";
    return { bytes: peer.bytes, figure: `${path}: ${mib(peer.bytes)} (${replies} greetings, ${limited} rate_limited, ${closed})` };
  } finally {
    peer.terminate();
  }
}

/**
 * A member's echo latency: it sends, waits for its own message, and again
 * (at most 5 a second, the default refill, so it is never rate limited
 * itself), until `done()` and for at least `minMs`. A lost echo counts as
 * infinitely late.
 */
async function echoLatencies(peer: Peer, done: () => boolean, minMs: number): Promise<number[]> {
  const samples: number[] = [];
  const start = now();
  for (let i = 0; i < 200 && (!done() || now() - start < minMs) && now() - start < 30_000; i++) {
    const id = `probe-${i}`;
    const t0 = now();
    peer.send({ action: "send_to_room", msg: `probe ${i}`, id });
    const answer = await peer.until(answerTo(id), 2_000).catch(() => null);
    samples.push(answer?.type === "message" ? now() - t0 : Number.POSITIVE_INFINITY);
    await sleep(Math.max(0, t0 + 200 - now()));
  }
  return samples;
}

/** Stores 200 messages of 2.5 kB in `room`; the HTTP statuses of the posts. */
async function fill(t: Target, room: string): Promise<number[]> {
  const text = "a".repeat(2_500);
  const statuses: number[] = [];
  await pool(10, 200, async (i) => {
    const res = await http(`${t.url}/api/rooms/${room}/messages`, {
      body: JSON.stringify({ nick: "filler", text: `${i} ${text}`, id: `fill-${i}` }),
    });
    statuses.push(res.status);
  });
  return statuses;
}

/** Both attackers, one after the other, while the victim measures its echo. */
async function attackWhileProbing(t: Target, room: string, victim: Peer) {
  let attacking = true;
  const probing = echoLatencies(victim, () => !attacking, 1_500);
  const runs: { bytes: number; figure: string }[] = [];
  try {
    runs.push(await amplify(t, room, "direct"));
    runs.push(await amplify(t, room, "in-band"));
  } finally {
    attacking = false;
  }
  return { runs, samples: await probing };
}

async function run({ main }: Targets): Promise<Verdict> {
  const room = freshRoom("amplify");
  const setup = await fill(main, room);
  const stored = setup.filter((s) => s === 201).length;
  if (stored !== 200) return { ok: false, figure: `setup: only ${stored} of 200 messages stored (${[...new Set(setup)].join(", ")})` };
  const victim = await member(main, room, "victim");
  try {
    const { runs, samples } = await attackWhileProbing(main, room, victim);
    const p95 = percentile(samples, 95);
    const lost = samples.filter((s) => !Number.isFinite(s)).length;
    const ok = runs.every((r) => r.bytes <= AMPLIFY_MAX_BYTES) && samples.length >= 5 && p95 < ECHO_P95_MS;
    return {
      ok,
      figure:
        `attacker got ${runs.map((r) => r.figure).join("; ")} (at most ${mib(AMPLIFY_MAX_BYTES)} each); ` +
        `member echo p95 ${Number.isFinite(p95) ? p95.toFixed(0) : "∞"} ms (max ${Math.max(...samples).toFixed(0)}, ` +
        `${samples.length} samples${lost ? `, ${lost} lost` : ""}; under ${ECHO_P95_MS})`,
    };
  } finally {
    victim.terminate();
  }
}

export const historyAmplification: Attack = { n: 4, name: "History amplification", run, timeoutMs: 40_000 };
