/**
 * 1. One address POSTs messages as fast as it can for 3 s. Fixed: after a
 * burst the answers are 429 with `Retry-After`, and no more than burst +
 * perSecond × seconds (+ slack) are stored.
 */
import { now, pool } from "../lib/clock.ts";
import { count, counted } from "../lib/figures.ts";
import { freshRoom, history, http, limitsOf, nextAddress } from "../lib/http.ts";
import type { Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

const SLACK = 5;

async function run({ main }: Targets): Promise<Verdict> {
  const room = freshRoom("flood");
  const limits = await limitsOf(main);
  const ip = nextAddress();
  const url = `${main.url}/api/rooms/${room}/messages`;
  const statuses = new Map<number, number>();
  let first429 = -1;
  let without = 0;
  let sent = 0;
  const start = now();
  await pool(8, 5_000, async (i) => {
    if (now() - start >= 3_000) return;
    sent += 1;
    const res = await http(url, { ip, body: JSON.stringify({ nick: "flooder", text: `flood ${i}`, id: `flood-${i}` }) });
    count(statuses, res.status);
    if (res.status === 429) {
      if (first429 < 0 || i < first429) first429 = i;
      if (!res.headers?.get("retry-after")) without += 1;
    }
  });
  const seconds = (now() - start) / 1000;
  const stored = (await history(main, room)).length;
  const bound = limits.burst + Math.ceil(limits.perSecond * seconds) + SLACK;
  const ok = first429 >= 0 && without === 0 && stored >= 1 && stored <= bound;
  return {
    ok,
    figure:
      `stored ${stored} of ${sent} posts in ${seconds.toFixed(1)} s (at most ${bound}); ` +
      `first 429 at #${first429 < 0 ? "none" : first429}${first429 >= 0 ? `, ${without ? `${without} without` : "all with"} Retry-After` : ""}; ${counted(statuses)}`,
  };
}

export const httpWriteFlood: Attack = { n: 1, name: "HTTP write flood", run, timeoutMs: 20_000 };
