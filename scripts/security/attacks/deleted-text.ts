/**
 * 14. A member sends a message, answers it, edits it and deletes it; another
 * sends one, answers it and edits it to redact it. Fixed: neither the first
 * nor the edited text of the deleted message is in any read path (HTTP
 * history, the message and its reply over HTTP, a newcomer's greeting, a
 * resume from seq 0), and the redacted message's first text is in none either
 * (the reply quotes the redaction).
 */
import { isType, type ServerEvent } from "../lib/events.ts";
import { freshRoom, http } from "../lib/http.ts";
import { direct, member, openPeer, type Peer } from "../lib/peer.ts";
import type { Target, Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

const ORIGINAL = "original-secret-4711";
const EDITED = "edited-secret-0815";
const REDACTED = "redacted-secret-2342";

/** Sends a frame and waits for the event it causes (a message by its id, or the first event of that type). */
async function act(peer: Peer, frame: Record<string, unknown>, answer: (e: ServerEvent) => boolean): Promise<ServerEvent> {
  peer.send(frame);
  return peer.until((e) => answer(e) || e.type === "error");
}

const messageWith = (id: string) => (e: ServerEvent) => e.type === "message" && e.id === id;

/** Sends `text`, answers it, then edits it to `edit`: the seq of both. */
async function sayAnswerEdit(alice: Peer, text: string, edit: string, tag: string): Promise<{ seq: number; reply: number }> {
  const m = await act(alice, { action: "send_to_room", msg: text, id: `${tag}-m` }, messageWith(`${tag}-m`));
  const r = await act(alice, { action: "send_to_room", msg: "an answer", id: `${tag}-r`, replyTo: m.seq }, messageWith(`${tag}-r`));
  await act(alice, { action: "edit", seq: m.seq, msg: edit }, isType("edit"));
  if (typeof m.seq !== "number" || typeof r.seq !== "number") throw new Error(`not stored: ${JSON.stringify([m, r])}`);
  return { seq: m.seq, reply: r.seq };
}

/** What each read path answers for `room`, as raw text. */
async function readPaths(t: Target, room: string, seqs: number[]): Promise<Record<string, string>> {
  const api = `${t.url}/api/rooms/${encodeURIComponent(room)}/messages`;
  const paths: Record<string, string> = { "HTTP history": (await http(`${api}?since=0&limit=200`)).text };
  for (const seq of seqs) paths[`HTTP message ${seq}`] = (await http(`${api}/${seq}`)).text;
  const newcomer = await openPeer(direct(t, room, "carol"), { json: true });
  paths.greeting = JSON.stringify(await newcomer.until(isType("joined")));
  newcomer.terminate();
  const resumed = await openPeer(`${direct(t, room, "dave")}&since=0`, { json: true });
  paths.resume = JSON.stringify(await resumed.until(isType("joined")));
  resumed.terminate();
  return paths;
}

async function run({ main }: Targets): Promise<Verdict> {
  const room = freshRoom("deleted");
  const alice = await member(main, room, "alice");
  let seqs: number[];
  try {
    const doomed = await sayAnswerEdit(alice, ORIGINAL, EDITED, "d");
    await act(alice, { action: "delete", seq: doomed.seq }, isType("delete"));
    const redacted = await sayAnswerEdit(alice, REDACTED, "redacted", "x");
    seqs = [doomed.seq, doomed.reply, redacted.reply];
  } finally {
    alice.terminate();
  }
  const paths = await readPaths(main, room, seqs);
  const leaks = Object.entries(paths).flatMap(([path, text]) =>
    [ORIGINAL, EDITED, REDACTED].filter((secret) => text.includes(secret)).map((secret) => `${path} has ${secret.split("-")[0]} text`),
  );
  return {
    ok: leaks.length === 0 && Object.values(paths).every((text) => text.length > 0),
    figure: leaks.length ? leaks.join(", ") : `no trace in ${Object.keys(paths).join(", ")}`,
  };
}

export const deletedText: Attack = { n: 14, name: "Deleted and edited text survives", run, timeoutMs: 30_000 };
