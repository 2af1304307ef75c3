/**
 * 15. Guessing credentials: one address sends 300 wrong `Bearer` keys to
 * `POST /api/tokens`, then wrong tokens on a direct socket and on an HTTP
 * read. Fixed: every credential check spends from one small per-address
 * budget of failures, so the wrong keys get a few 401s and then 429 with
 * `Retry-After`, and so do the tokens once it is spent — on every route.
 */
import { pool } from "../lib/clock.ts";
import { count, counted } from "../lib/figures.ts";
import { freshRoom, http, nextAddress } from "../lib/http.ts";
import { openPeer, type RefusedUpgrade } from "../lib/peer.ts";
import type { Target, Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

const GUESSES = 300;
/** More 401s than this from one address is no limit worth the name (the server allows 10 a minute). */
const MOST_FAILURES = 20;

interface Tally {
  statuses: Map<number, number>;
  /** 429s without Retry-After */
  without: number;
}

async function guessKeys(t: Target, ip: string): Promise<Tally> {
  const tally: Tally = { statuses: new Map(), without: 0 };
  await pool(8, GUESSES, async (i) => {
    const res = await http(`${t.url}/api/tokens`, {
      ip,
      body: JSON.stringify({ sub: "mallory", name: "Mallory", room: "*", role: "owner" }),
      headers: { Authorization: `Bearer guess-${i}-${"k".repeat(i % 40)}` },
    });
    count(tally.statuses, res.status);
    if (res.status === 429 && !res.headers?.get("retry-after")) tally.without += 1;
  });
  return tally;
}

/** Wrong tokens on a direct socket, then on an HTTP read, from one address: the answers' statuses. */
async function guessTokens(t: Target, ip: string): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const room = freshRoom("private-guess");
  await pool(4, 30, async (i) => {
    const url = `${t.wsUrl}/ws?room=${room}&token=forged.${i}.token`;
    const status = await openPeer(url, { ip }).then(
      (peer) => {
        peer.terminate();
        return 101;
      },
      (err: RefusedUpgrade) => err.status ?? 0,
    );
    count(statuses, status);
  });
  const read = await http(`${t.url}/api/rooms/${room}/messages`, { ip, headers: { Authorization: "Bearer forged.read.token" } });
  count(statuses, read.status);
  return statuses;
}

async function run({ main }: Targets): Promise<Verdict> {
  const keys = await guessKeys(main, nextAddress());
  const tokens = await guessTokens(main, nextAddress());
  const keyFailures = keys.statuses.get(401) ?? 0;
  const tokenFailures = tokens.get(401) ?? 0;
  const ok =
    keyFailures <= MOST_FAILURES &&
    (keys.statuses.get(429) ?? 0) > 0 &&
    keys.without === 0 &&
    tokenFailures <= MOST_FAILURES &&
    (tokens.get(429) ?? 0) > 0 &&
    !tokens.has(101);
  return {
    ok,
    figure:
      `${GUESSES} wrong API keys: ${counted(keys.statuses)}${keys.without ? ` (${keys.without} 429s without Retry-After)` : ""}; ` +
      `31 wrong tokens (socket, then HTTP): ${counted(tokens)}`,
  };
}

export const credentialGuessing: Attack = { n: 15, name: "Credential guessing", run, timeoutMs: 30_000 };
