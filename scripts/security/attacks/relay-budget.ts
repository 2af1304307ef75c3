/**
 * 11. One in-band text connection joins a room again (history far ahead, so
 * the greeting is small) before every burst of 19 sends, for up to 10 s.
 * Fixed: the connection has one rate limit whichever rooms it joins, so it is
 * refused, then closed with 1008 within the 10 s, and the room stores no more
 * than a direct socket could have (the burst, and the refill meanwhile).
 */
import { CloseCode } from "../../../src/shared/codes.ts";
import { now, sleep } from "../lib/clock.ts";
import { secs } from "../lib/figures.ts";
import { freshRoom, history, limitsOf } from "../lib/http.ts";
import { openPeer } from "../lib/peer.ts";
import type { Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

const SECONDS = 10;

async function run({ main }: Targets): Promise<Verdict> {
  const limits = await limitsOf(main);
  const room = freshRoom("hop");
  const peer = await openPeer(`${main.wsUrl}/ws`);
  try {
    const start = now();
    let sent = 0;
    let rounds = 0;
    while (!peer.closed && now() - start < SECONDS * 1000 && rounds < 200) {
      peer.send({ action: "join", msg: room, nick: "hopper", since: 1_000_000_000 });
      for (let i = 0; i < 19; i++) peer.send({ action: "send_to_room", msg: `hop ${sent}`, nick: "hopper", id: `hop-${sent++}` });
      rounds += 1;
      await sleep(50);
    }
    await peer.waitFor(() => peer.closed !== null, 1_000);
    const elapsed = (peer.closed ? peer.closed.at : now()) - start;
    // Let what the room accepted be stored before counting it.
    await sleep(500);
    const stored = (await history(main, room)).filter((e) => e.type === "message").length;
    const allowed = limits.burst + Math.ceil((elapsed / 1000) * limits.perSecond);
    const limited = peer.frames.filter((f) => f.startsWith("error: slow down")).length;
    const ok = peer.closed?.code === CloseCode.POLICY_VIOLATION && stored <= allowed;
    return {
      ok,
      figure:
        `${rounds} joins and ${sent} sends; ${stored} stored (a direct socket: at most ${allowed}); ` +
        `${limited} rate_limited; ${peer.closed ? `closed ${peer.closed.code} after ${secs(elapsed)}` : `still open after ${SECONDS} s`}`,
    };
  } finally {
    peer.terminate();
  }
}

export const relayBudget: Attack = { n: 11, name: "A join refills the in-band budget", run, timeoutMs: 30_000 };
