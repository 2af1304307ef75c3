/**
 * 18. A token over 4,096 characters on a direct socket, and on the in-band
 * join. Fixed: the direct socket is refused with HTTP 401 before any upgrade,
 * as every bad token is (docs/protocol.md); the in-band join answers
 * `unauthenticated` and the connection stays open.
 */
import { isType } from "../lib/events.ts";
import { freshRoom } from "../lib/http.ts";
import { openPeer, type RefusedUpgrade } from "../lib/peer.ts";
import type { Target, Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

const LONG = `${"a".repeat(2100)}.${"b".repeat(2100)}.c`;

/** The direct socket: `HTTP <status>`, or how the upgraded socket ended. */
async function direct(t: Target): Promise<string> {
  const url = `${t.wsUrl}/ws?room=${freshRoom()}&token=${LONG}`;
  try {
    const peer = await openPeer(url, { json: true });
    const closed = await peer.closedWith().catch(() => null);
    peer.terminate();
    return `upgraded, then ${closed ? `closed ${closed.code} ${closed.reason}` : "left open"}`;
  } catch (err) {
    return `HTTP ${(err as RefusedUpgrade).status ?? "failed"}`;
  }
}

/** The in-band join: the answer's code, and whether the connection then joins another room. */
async function inBand(t: Target): Promise<string> {
  const peer = await openPeer(`${t.wsUrl}/ws`, { json: true });
  try {
    peer.send({ action: "join", msg: freshRoom(), token: LONG });
    const answer = await peer.event().catch(() => null);
    peer.send({ action: "join", msg: freshRoom(), nick: "after" });
    const next = await peer.until(isType("joined")).catch(() => null);
    return `${answer?.type === "error" ? answer.code : (answer?.type ?? "no answer")}, then ${next?.type === "joined" ? "joined" : "no join"}`;
  } finally {
    peer.terminate();
  }
}

async function run({ main }: Targets): Promise<Verdict> {
  const [onSocket, onJoin] = [await direct(main), await inBand(main)];
  return {
    ok: onSocket === "HTTP 401" && onJoin === "unauthenticated, then joined",
    figure: `direct socket: ${onSocket}; in-band join: ${onJoin}`,
  };
}

export const longToken: Attack = { n: 18, name: "Token over 4,096 characters", run, timeoutMs: 20_000 };
