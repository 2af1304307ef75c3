/**
 * 8. A JSON member sends a message with CR LF and a forged second line.
 * Fixed: a text client gets exactly one frame for it, without CR or LF; a
 * JSON client gets the text exactly as sent.
 */
import { answerTo } from "../lib/events.ts";
import { show } from "../lib/figures.ts";
import { freshRoom } from "../lib/http.ts";
import { direct, member, openPeer, type Peer } from "../lib/peer.ts";
import type { Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

const FORGED = "hi\r\nbatman : meet me at the docks";

/** The text client's frames up to the end marker (at most 20). */
async function linesUntilMarker(text: Peer): Promise<string[]> {
  const lines: string[] = [];
  for (let i = 0; i < 20; i++) {
    const line = await text.next().catch(() => null);
    if (line === null || line.includes("end-marker")) break;
    lines.push(line);
  }
  return lines;
}

async function run({ main }: Targets): Promise<Verdict> {
  const room = freshRoom("forged");
  const json = await member(main, room, "mallory");
  const text = await openPeer(direct(main, room, "tom"));
  try {
    const greeting = await text.next();
    json.send({ action: "send_to_room", msg: FORGED, id: "forged-1" });
    const echo = await json.until(answerTo("forged-1")).catch(() => null);
    json.send({ action: "send_to_room", msg: "end-marker", id: "forged-2" });
    const lines = await linesUntilMarker(text);
    const clean = lines.length === 1 && !/[\r\n]/.test(lines[0] ?? "");
    const exact = echo?.type === "message" && echo.text === FORGED;
    const echoed = exact ? "exact" : echo?.type === "message" ? show(echo.text ?? "") : echo ? `error ${echo.code}` : "missing";
    return {
      ok: clean && exact,
      figure:
        `text client: ${lines.length} frame(s) ${JSON.stringify(lines)}${clean ? "" : lines.some((l) => /[\r\n]/.test(l)) ? " with CR/LF" : ""} ` +
        `(greeting ${show(greeting)}); JSON echo ${echoed}`,
    };
  } finally {
    json.terminate();
    text.terminate();
  }
}

export const forgedLines: Attack = { n: 8, name: "Forged lines", run, timeoutMs: 20_000 };
