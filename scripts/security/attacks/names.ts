/**
 * 7. Names: a nick with a bidi override, NFC and NFD spellings of one room,
 * an id with an unpaired surrogate, rooms `.` and `..`. Fixed: refused,
 * the same room, refused, refused (every path), and `%2E` never reaches a
 * room named `messages`.
 */
import { randomUUID } from "node:crypto";
import { isType, type ServerEvent } from "../lib/events.ts";
import { show } from "../lib/figures.ts";
import { errorCode, freshRoom, history, http, rawHttp, said } from "../lib/http.ts";
import { direct, member, openPeer, type Peer, type RefusedUpgrade } from "../lib/peer.ts";
import type { Target, Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

/** Records one check: what it is, whether the server did right, what it did. */
type Check = (label: string, ok: boolean, seen: string) => void;

/**
 * The first answer a peer gets, as `error <code>` or the event's type; a
 * socket that never opens answers with its HTTP status.
 * @param first what the peer says first
 */
async function answerOf(opening: Promise<Peer>, first?: (peer: Peer) => void): Promise<string> {
  const peer = await opening.catch((err: RefusedUpgrade) => String(err.status ? `HTTP ${err.status}` : err));
  if (typeof peer === "string") return peer;
  try {
    first?.(peer);
    const e = await peer.event();
    return e.type === "error" ? `error ${e.code}` : e.type;
  } catch (err) {
    return String(err);
  } finally {
    peer.terminate();
  }
}

/** The answer to a direct JSON join. */
const directAnswer = (t: Target, room: string, nick: string) => answerOf(openPeer(direct(t, room, nick), { json: true }));

/** The answer to an in-band JSON join. */
const inBandAnswer = (t: Target, room: string, nick: string) =>
  answerOf(openPeer(`${t.wsUrl}/ws`, { json: true }), (peer) => peer.send({ action: "join", msg: room, nick }));

/** A nick with a right-to-left override, on every path. */
async function bidiNick(t: Target, check: Check): Promise<void> {
  const rlo = "evil\u202Eecila";
  let seen = await directAnswer(t, freshRoom("names"), rlo);
  check("RLO nick, direct", seen === "error invalid_nick", seen);
  seen = await inBandAnswer(t, freshRoom("names"), rlo);
  check("RLO nick, in-band", seen === "error invalid_nick", seen);
  const res = await http(`${t.url}/api/rooms/${freshRoom("names")}/messages`, { body: JSON.stringify({ nick: rlo, text: "hi" }) });
  check("RLO nick, HTTP", res.status === 400 && errorCode(res.text) === "invalid_nick", said(res));
}

/** A message posted to the NFC spelling of a room is in the NFD spelling's history. */
async function normalForms(t: Target, check: Check): Promise<void> {
  const suffix = randomUUID().slice(0, 8);
  const nfc = `café-${suffix}`.normalize("NFC");
  const nfd = nfc.normalize("NFD");
  const marker = `nfc-${suffix}`;
  const res = await http(`${t.url}/api/rooms/${encodeURIComponent(nfc)}/messages`, { body: JSON.stringify({ nick: "n", text: marker }) });
  const nfdHistory = await history(t, nfd).catch(() => []);
  check("NFC=NFD, HTTP", res.status === 201 && nfdHistory.some((m) => m.text === marker), `${nfdHistory.length} messages in NFD`);
  const nfdPeer = await member(t, nfd, "n").catch(() => null);
  const nfdJoined = nfdPeer?.frames.map((f) => JSON.parse(f) as ServerEvent).find(isType("joined"));
  nfdPeer?.terminate();
  check("NFC=NFD, socket", nfdJoined?.history?.some((m) => m.text === marker) ?? false, "not in NFD's joined.history");
}

/** An id with an unpaired surrogate (`\ud800`, escaped in the JSON), on a socket and over HTTP. */
async function loneSurrogate(t: Target, check: Check): Promise<void> {
  const sender = await member(t, freshRoom("names"), "s");
  try {
    sender.send(`{"action":"send_to_room","msg":"surrogate","id":"s-\\ud800"}`);
    const e = await sender.until((x) => x.type === "message" || x.type === "error").catch(() => null);
    const got = e?.type === "message" ? `stored id ${JSON.stringify(e.id)}` : e ? `error ${e.code}` : "nothing";
    check("lone surrogate id, socket", got === "error invalid_id", got);
  } finally {
    sender.terminate();
  }
  const res = await http(`${t.url}/api/rooms/${freshRoom("names")}/messages`, { body: `{"nick":"s","text":"surrogate","id":"s-\\ud800"}` });
  check("lone surrogate id, HTTP", res.status === 400 && errorCode(res.text) === "invalid_id", said(res));
}

/** Rooms `.` and `..` on every path. */
async function dotRooms(t: Target, check: Check): Promise<void> {
  for (const dots of [".", ".."]) {
    let seen = await directAnswer(t, dots, "dot");
    check(`room "${dots}", direct`, seen === "error invalid_room", seen);
    seen = await inBandAnswer(t, dots, "dot");
    check(`room "${dots}", in-band`, seen === "error invalid_room", seen);
    // A space the server trims: the only way "." or ".." survives a URL path.
    const requests: [string, string | undefined][] = [
      ["GET", undefined],
      ["POST", JSON.stringify({ nick: "dot", text: "dot" })],
    ];
    for (const [method, body] of requests) {
      const answer = await rawHttp(t, method, `/api/rooms/%20${dots.replaceAll(".", "%2E")}/messages`, body);
      check(`room " ${dots}", HTTP ${method}`, answer.status >= 400 && answer.status < 500, said(answer));
    }
  }
}

/**
 * wrangler dev (and Cloudflare's edge) resolve the dot segment before the
 * Worker sees the URL: this is a GET of the room "messages", a room like any
 * other. What must not happen is an answer for a room "." — which, now that
 * no path accepts "." as a room, cannot exist.
 */
async function escapedDot(t: Target, check: Check): Promise<void> {
  const escaped = await rawHttp(t, "GET", "/api/rooms/%2E/messages");
  const room = (() => {
    try {
      return JSON.parse(escaped.text).room as string | undefined;
    } catch {
      return undefined;
    }
  })();
  check(
    "GET /api/rooms/%2E/messages",
    (escaped.status >= 400 && escaped.status < 500) || (escaped.status === 200 && room === "messages"),
    `${said(escaped)}${room ? ` for room ${show(room)}` : ""}`,
  );
}

async function run({ main }: Targets): Promise<Verdict> {
  const checks: [label: string, ok: boolean, seen: string][] = [];
  const check: Check = (label, ok, seen) => void checks.push([label, ok, seen]);
  for (const group of [bidiNick, normalForms, loneSurrogate, dotRooms, escapedDot]) await group(main, check);
  const wrong = checks.filter(([, ok]) => !ok);
  return {
    ok: wrong.length === 0,
    figure: wrong.length
      ? `${wrong.length} of ${checks.length} wrong: ${wrong.map(([label, , s]) => `${label} → ${s}`).join("; ")}`
      : `all ${checks.length} refused or merged as required`,
  };
}

export const names: Attack = { n: 7, name: "Names", run, timeoutMs: 30_000 };
