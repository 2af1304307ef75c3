/**
 * 16. A moderator kicks, then bans, a member: on a direct socket the member
 * never sent a frame on, on one that has (a `ping`), and in-band. Fixed: on
 * every path the member hears why and is closed at once (within a second):
 * a direct socket gets its 4001/4003 close frame (and, once it has sent a
 * frame, the whole close), an in-band connection is in no room (a send is
 * answered `not_in_room`) and stays open.
 *
 * The room's close frame has always left at once. What took ~10 s under
 * wrangler dev is the runtime ending the TCP connection under a direct
 * socket its client never sent a frame on: it waits until the room
 * hibernates. A `ws` client reports the close only then; this check reads
 * the close frame's arrival (the socket is CLOSING) for such a socket, and
 * the close itself for one that has sent a frame. See Connections.close.
 */
import WebSocket from "ws";
import { now } from "../lib/clock.ts";
import { isType } from "../lib/events.ts";
import { freshRoom } from "../lib/http.ts";
import { openPeer, type Peer } from "../lib/peer.ts";
import type { Target, Targets } from "../lib/targets.ts";
import { tokenFor } from "../lib/tokens.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

const PROMPT_MS = 1_000;
const SANCTIONS = [
  { action: "kick", code: "kicked", close: 4001 },
  { action: "ban", code: "banned", close: 4003 },
] as const;
type Way = "direct, silent" | "direct, pinged" | "in-band";

/** A moderator and a member (on `way`) of a fresh private room, both greeted. */
async function pair(t: Target, way: Way): Promise<{ mod: Peer; target: Peer }> {
  const room = freshRoom("private-sanction");
  const modToken = await tokenFor({ sub: "mod", name: "Mod", room, role: "moderator" });
  const targetToken = await tokenFor({ sub: "target", name: "Target", room });
  const mod = await openPeer(`${t.wsUrl}/ws?room=${room}&token=${modToken}`, { json: true });
  await mod.until(isType("joined"));
  const inBand = way === "in-band";
  const target = await openPeer(inBand ? `${t.wsUrl}/ws` : `${t.wsUrl}/ws?room=${room}&token=${targetToken}`, { json: true });
  if (inBand) target.send({ action: "join", msg: room, token: targetToken });
  await target.until(isType("joined"));
  if (way === "direct, pinged") {
    target.send("ping");
    await target.next();
  }
  return { mod, target };
}

/** Milliseconds from the sanction until the member was closed (or, in-band, in no room); a reason string if not within PROMPT_MS. */
async function closedAfter(t: Target, way: Way, action: "kick" | "ban", code: string, close: number): Promise<number | string> {
  const { mod, target } = await pair(t, way);
  try {
    const start = now();
    mod.send({ action, member: "target" });
    const told = await target.until((e) => e.type === "error" && e.code === code, PROMPT_MS).catch(() => null);
    if (!told) return `no ${code} error`;
    let done: () => boolean;
    if (way === "direct, pinged") done = () => target.closed?.code === close;
    else if (way === "direct, silent") done = () => target.ws.readyState !== WebSocket.OPEN;
    else {
      done = () => target.frames.some((f) => f.includes('"not_in_room"'));
      target.send({ action: "send_to_room", msg: "still here?" });
      const timer = setInterval(() => target.send({ action: "send_to_room", msg: "still here?" }), 100);
      try {
        await target.waitFor(done, PROMPT_MS);
      } finally {
        clearInterval(timer);
      }
    }
    if (!(await target.waitFor(done, PROMPT_MS))) return `not closed within ${PROMPT_MS} ms`;
    if (way === "in-band" && target.closed) return `closed ${target.closed.code}`;
    // Each wait above is bounded on its own; the whole, from the sanction on, must be prompt too.
    const ms = now() - start;
    return ms < PROMPT_MS ? ms : `${Math.round(ms)} ms, over ${PROMPT_MS} ms`;
  } finally {
    mod.terminate();
    target.terminate();
  }
}

async function run({ main }: Targets): Promise<Verdict> {
  const seen: string[] = [];
  let ok = true;
  for (const way of ["direct, silent", "direct, pinged", "in-band"] as const) {
    for (const { action, code, close } of SANCTIONS) {
      const result = await closedAfter(main, way, action, code, close);
      if (typeof result === "string") ok = false;
      seen.push(`${way} ${action}: ${typeof result === "number" ? `${result.toFixed(0)} ms` : result}`);
    }
  }
  return { ok, figure: seen.join("; ") };
}

export const kickClose: Attack = { n: 16, name: "A sanctioned socket stays open", run, timeoutMs: 30_000 };
