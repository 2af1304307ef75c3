/**
 * 5. An attacker sends id `c-17` first; then the victim sends its own
 * message with the same id. Fixed: the victim's message is stored and its
 * echo is its own text; over HTTP from two addresses, both are 201.
 */
import { answerTo } from "../lib/events.ts";
import { show } from "../lib/figures.ts";
import { freshRoom, history, http } from "../lib/http.ts";
import { member } from "../lib/peer.ts";
import type { Target, Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

/** Over sockets: mallory takes the id, then alice sends with it. */
async function onSockets(t: Target): Promise<Verdict> {
  const room = freshRoom("hijack");
  const mallory = await member(t, room, "mallory");
  try {
    mallory.send({ action: "send_to_room", msg: "evil", id: "c-17" });
    await mallory.until(answerTo("c-17"));
    const alice = await member(t, room, "alice");
    try {
      alice.send({ action: "send_to_room", msg: "hello", id: "c-17" });
      const echo = await alice.until(answerTo("c-17")).catch(() => null);
      const texts = (await history(t, room)).map((m) => m.text);
      const echoed = echo?.type === "message" ? `${echo.from?.nick} ${show(echo.text ?? "")}` : echo ? `error ${echo.code}` : "nothing";
      return {
        ok: echo?.type === "message" && echo.text === "hello" && texts.includes("evil") && texts.includes("hello"),
        figure: `socket: victim's echo ${echoed}, history ${JSON.stringify(texts)}`,
      };
    } finally {
      alice.terminate();
    }
  } finally {
    mallory.terminate();
  }
}

async function run({ main }: Targets): Promise<Verdict> {
  const socket = await onSockets(main);
  const url = `${main.url}/api/rooms/${freshRoom("hijack")}/messages`;
  const first = await http(url, { body: JSON.stringify({ nick: "mallory", text: "evil", id: "c-17" }) });
  const second = await http(url, { body: JSON.stringify({ nick: "alice", text: "hello", id: "c-17" }) });
  const httpOk = first.status === 201 && second.status === 201;
  return { ok: socket.ok && httpOk, figure: `${socket.figure}; HTTP from two addresses: ${first.status} then ${second.status}` };
}

export const idHijack: Attack = { n: 5, name: "Id hijack", run, timeoutMs: 20_000 };
