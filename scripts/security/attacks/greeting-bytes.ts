/**
 * 17. A room whose history is emoji (4 bytes in UTF-8, 2 units of a
 * JavaScript string); one socket asks for it again and again for 8 s, on each
 * path, waiting a second after each refusal so that it is never closed.
 * Fixed: a greeting is charged by its bytes on the wire, so what it pulls is
 * within the documented budget: one token per 16 KiB, from the burst and the
 * refill over the 8 s, and the one greeting whose charge ran into debt.
 */
import { now, pool, sleep } from "../lib/clock.ts";
import { mib, secs } from "../lib/figures.ts";
import { freshRoom, http, limitsOf } from "../lib/http.ts";
import { member, openPeer, type Peer } from "../lib/peer.ts";
import type { Target, Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

const SECONDS = 8;
const MESSAGES = 14;
/** 3,000 emoji: 12,000 bytes of text, well within a 16 KiB body and 4,000 characters. */
const TEXT = "🙂".repeat(3_000);
/** REPLY_BYTES_PER_TOKEN, as docs/protocol.md states it. */
const BYTES_PER_TOKEN = 16 * 1024;

/** Fills a room with MESSAGES emoji messages; how many were stored. */
async function fill(t: Target, room: string): Promise<number> {
  let stored = 0;
  await pool(7, MESSAGES, async (i) => {
    const res = await http(`${t.url}/api/rooms/${room}/messages`, { body: JSON.stringify({ nick: "poet", text: TEXT, id: `poem-${i}` }) });
    if (res.status === 201) stored += 1;
  });
  return stored;
}

/** Asks for the whole history again and again; the bytes of greetings received, and how many, in SECONDS. */
async function pull(peer: Peer, room: string): Promise<{ bytes: number; greetings: number; largest: number; refused: number }> {
  let bytes = 0;
  let greetings = 0;
  let largest = 0;
  let refused = 0;
  let answered = false;
  let wasRefused = false;
  peer.onFrame = (frame) => {
    const head = frame.subarray(0, 20).toString();
    if (head.startsWith('{"type":"joined"')) {
      bytes += frame.length;
      greetings += 1;
      largest = Math.max(largest, frame.length);
      answered = true;
    } else if (head.startsWith('{"type":"error"')) {
      refused += 1;
      wasRefused = true;
      answered = true;
    }
  };
  const start = now();
  while (!peer.closed && now() - start < SECONDS * 1000) {
    answered = false;
    wasRefused = false;
    peer.send({ action: "join", msg: room, nick: "greedy", since: 0 });
    await peer.waitFor(() => answered || peer.closed !== null, 5_000);
    if (wasRefused) await sleep(1_000);
  }
  return { bytes, greetings, largest, refused };
}

async function path(t: Target, room: string, which: "direct" | "in-band", burst: number, perSecond: number) {
  const peer = which === "direct" ? await member(t, room, "greedy") : await openPeer(`${t.wsUrl}/ws`, { json: true, keep: false });
  try {
    const r = await pull(peer, room);
    const allowed = (burst + SECONDS * perSecond) * BYTES_PER_TOKEN + r.largest;
    return {
      ok: r.greetings > 0 && r.bytes <= allowed && !peer.closed,
      figure: `${which}: ${mib(r.bytes)} in ${r.greetings} greetings over ${secs(SECONDS * 1000)} (at most ${mib(allowed)}), ${r.refused} refused`,
    };
  } finally {
    peer.terminate();
  }
}

async function run({ main }: Targets): Promise<Verdict> {
  const { burst, perSecond } = await limitsOf(main);
  const room = freshRoom("emoji");
  const stored = await fill(main, room);
  if (stored !== MESSAGES) return { ok: false, figure: `setup: only ${stored} of ${MESSAGES} messages stored` };
  const runs = [await path(main, room, "direct", burst, perSecond), await path(main, room, "in-band", burst, perSecond)];
  return { ok: runs.every((r) => r.ok), figure: runs.map((r) => r.figure).join("; ") };
}

export const greetingBytes: Attack = { n: 17, name: "Greetings charged by characters", run, timeoutMs: 45_000 };
