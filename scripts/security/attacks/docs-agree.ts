/**
 * 10. Docs agree: a JSON array body is `bad_frame`; a numeric `nick` on
 * `send_to_room` is ignored; refusal log lines carry no client address and
 * no Origin.
 */
import { pool, sleep } from "../lib/clock.ts";
import { answerTo } from "../lib/events.ts";
import { count, counted } from "../lib/figures.ts";
import { errorCode, freshRoom, http, nextAddress, said } from "../lib/http.ts";
import { member, openPeer, Peer, type RefusedUpgrade } from "../lib/peer.ts";
import type { Target, Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

/** A member sends `nick: 7` with its message: what becomes of it. */
async function numericNick(t: Target, room: string): Promise<string> {
  const peer = await member(t, room, "seven");
  try {
    peer.send({ action: "send_to_room", msg: "numeric nick", nick: 7, id: "nick-7" });
    const e = await peer.until(answerTo("nick-7")).catch(() => null);
    return e?.type === "message" ? "accepted" : e ? `error ${e.code}` : "no answer";
  } finally {
    peer.terminate();
  }
}

/**
 * Refusals that know an address and an Origin: a foreign-origin post, and
 * more connections from one address than CONNECTS_PER_MINUTE (60) allows.
 */
async function refuseWithAddressAndOrigin(t: Target, room: string): Promise<string> {
  const foreign = await http(`${t.url}/api/rooms/${room}/messages`, {
    body: JSON.stringify({ nick: "o", text: "o" }),
    headers: { Origin: "https://evil-origin.example" },
  });
  const ip = nextAddress();
  let tooMany = 0;
  await pool(5, 65, async () => {
    const p = await openPeer(`${t.wsUrl}/ws`, { ip }).catch((err: RefusedUpgrade) => err.status);
    if (p === 429) tooMany += 1;
    else if (p instanceof Peer) p.terminate();
  });
  return `${foreign.status} origin, ${tooMany}×429`;
}

/**
 * The Worker's refusal log lines, and those that carry an address or the Origin.
 * @param triggered the refusals made to be logged, for the figure
 */
function refusalLogs(t: Target, triggered: string): { figure: string; ok: boolean } {
  const refusals = t
    .output()
    .split("\n")
    .filter((l) => l.startsWith("{") && l.includes('"refusal"'));
  const ipv4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/;
  const leaks = refusals.filter((l) => ipv4.test(l) || l.includes("evil-origin") || l.includes("127.0.0.1"));
  const codes = new Map<string, number>();
  for (const l of refusals) count(codes, /"code":"([^"]+)"/.exec(l)?.[1] ?? "?");
  return {
    ok: refusals.length >= 2 && leaks.length === 0,
    figure:
      `${refusals.length} refusal log lines (${counted(codes)}; triggered: ${triggered}), ` +
      `${leaks.length} with an address or Origin${leaks[0] ? `, e.g. ${leaks[0].slice(0, 120)}` : ""}`,
  };
}

async function run({ main }: Targets): Promise<Verdict> {
  const room = freshRoom("docs");
  const array = await http(`${main.url}/api/rooms/${room}/messages`, { body: "[1,2]" });
  const arrayOk = array.status === 400 && errorCode(array.text) === "bad_frame";
  const nickSeen = await numericNick(main, room);
  const triggered = await refuseWithAddressAndOrigin(main, room);
  await sleep(1_000);
  const logs = refusalLogs(main, triggered);
  return {
    ok: arrayOk && nickSeen === "accepted" && logs.ok,
    figure: `[1,2] → ${said(array)}; nick 7 → ${nickSeen}; ${logs.figure}`,
  };
}

export const docsAgree: Attack = { n: 10, name: "Docs agree", run, timeoutMs: 30_000 };
