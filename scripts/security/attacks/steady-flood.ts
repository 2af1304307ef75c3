/**
 * 6. One socket sends ~90 valid messages a second for 5 s. Fixed: closed
 * with 1008 before the 5 s are over, after at most 2 × burst `rate_limited`.
 */
import { CloseCode } from "../../../src/shared/codes.ts";
import { now, sleep } from "../lib/clock.ts";
import { secs } from "../lib/figures.ts";
import { freshRoom, limitsOf } from "../lib/http.ts";
import { member } from "../lib/peer.ts";
import type { Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

const RATE = 90;

async function run({ main }: Targets): Promise<Verdict> {
  const limits = await limitsOf(main);
  const peer = await member(main, freshRoom("steady"), "flood");
  try {
    const start = now();
    let sent = 0;
    while (!peer.closed && now() - start < 5_000 && sent < RATE * 6) {
      peer.send({ action: "send_to_room", msg: `flood ${sent}`, id: `steady-${sent}` });
      sent += 1;
      await sleep(Math.max(0, start + (sent * 1000) / RATE - now()));
    }
    await peer.waitFor(() => peer.closed !== null, 500);
    const limited = peer.frames.filter((f) => f.startsWith('{"type":"error"') && JSON.parse(f).code === "rate_limited").length;
    const closedAt = peer.closed ? peer.closed.at - start : Number.POSITIVE_INFINITY;
    const ok = peer.closed?.code === CloseCode.POLICY_VIOLATION && closedAt < 5_000 && limited <= 2 * limits.burst;
    return {
      ok,
      figure:
        `${peer.closed ? `closed ${peer.closed.code} after ${secs(closedAt)}` : "still open after 5 s"}; ` +
        `${limited} rate_limited replies (at most ${2 * limits.burst}); ${sent} frames sent`,
    };
  } finally {
    peer.terminate();
  }
}

export const steadyFlood: Attack = { n: 6, name: "Steady flood", run, timeoutMs: 20_000 };
