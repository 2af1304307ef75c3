/**
 * 9. Paths agree: a client that closes without a code sees 1000 on both
 * paths; a full room answers `room_full` and 1013 on the direct path, and an
 * error line on the in-band path, after which that socket can join another
 * room.
 */
import { CloseCode } from "../../../src/shared/codes.ts";
import { sleep } from "../lib/clock.ts";
import { isType } from "../lib/events.ts";
import { show } from "../lib/figures.ts";
import { freshRoom } from "../lib/http.ts";
import { direct, member, openPeer } from "../lib/peer.ts";
import type { Target, Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

/** The close code a client sees from the server after `ws.close()` with no code. */
async function codelessClose(t: Target, path: "direct" | "in-band"): Promise<number | string> {
  const room = freshRoom("close");
  const peer = await openPeer(path === "direct" ? direct(t, room, "c") : `${t.wsUrl}/ws`, { json: true });
  try {
    if (path === "in-band") peer.send({ action: "join", msg: room, nick: "c" });
    await peer.until(isType("joined"));
    peer.ws.close();
    return (await peer.closedWith(5_000)).code;
  } catch (err) {
    return String(err);
  } finally {
    peer.terminate();
  }
}

/** A third member joins the full room directly: what it is told, and its close code. */
async function directIntoFull(t: Target, room: string): Promise<string> {
  const third = await openPeer(direct(t, room, "three"), { json: true });
  try {
    const e = await third.event().catch(() => null);
    const closed = await third.closedWith(5_000).catch(() => null);
    return `${e?.type === "error" ? `error ${e.code}` : (e?.type ?? "nothing")}, close ${closed?.code ?? "none"}`;
  } finally {
    third.terminate();
  }
}

/** A text socket joins the full room in-band, then another room: refused with a line, still open, then joined. */
async function inBandIntoFull(t: Target, room: string): Promise<{ ok: boolean; seen: string }> {
  const textPeer = await openPeer(`${t.wsUrl}/ws`);
  try {
    textPeer.send({ action: "join", msg: room, nick: "three" });
    const line = await textPeer.next().catch((err: Error) => `(${err.message})`);
    await sleep(300);
    const open = textPeer.closed === null;
    const other = freshRoom("other");
    textPeer.send({ action: "join", msg: other, nick: "three" });
    const next = await textPeer.next().catch((err: Error) => `(${err.message})`);
    return {
      ok: line.startsWith("error:") && open && next === `three join room ${other} success .`,
      seen: `${show(line)}, ${open ? "stays open" : `closed ${textPeer.closed?.code}`}, then ${show(next)}`,
    };
  } finally {
    textPeer.terminate();
  }
}

/** Fills a room of the two-member server, then tries a third member on each path. */
async function fullRoom(small: Target): Promise<{ ok: boolean; figure: string }> {
  const room = freshRoom("full");
  const fillers = [await member(small, room, "one"), await member(small, room, "two")];
  try {
    const directSeen = await directIntoFull(small, room);
    const inBand = await inBandIntoFull(small, room);
    return {
      ok: directSeen === `error room_full, close ${CloseCode.TRY_AGAIN_LATER}` && inBand.ok,
      figure: `full room: direct → ${directSeen}; in-band text → ${inBand.seen}`,
    };
  } finally {
    for (const f of fillers) f.terminate();
  }
}

async function run({ small }: Targets): Promise<Verdict> {
  const inBand = await codelessClose(small, "in-band");
  const straight = await codelessClose(small, "direct");
  const full = await fullRoom(small);
  return {
    ok: inBand === CloseCode.NORMAL && straight === CloseCode.NORMAL && full.ok,
    figure: `close without a code: in-band sees ${inBand}, direct sees ${straight} (both 1000); ${full.figure}`,
  };
}

export const pathsAgree: Attack = { n: 9, name: "Paths agree", run, timeoutMs: 30_000 };
