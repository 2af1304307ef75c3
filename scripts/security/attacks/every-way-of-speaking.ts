/**
 * 13. Every way of speaking: an anonymous member, once muted, edits its old
 * message, reacts, types and posts over HTTP from its address (API_KEY unset,
 * as shipped); banned after it left, it comes back and posts from the same
 * address; a member demoted to reader edits its old message. Fixed: each is
 * refused (`muted`, 403, `banned`, `forbidden`) and the room hears none of it.
 */
import type { ServerEvent } from "../lib/events.ts";
import { freshRoom, http, nextAddress, said } from "../lib/http.ts";
import { direct, openPeer, type Peer } from "../lib/peer.ts";
import type { Target, Targets } from "../lib/targets.ts";
import { withToken } from "../lib/tokens.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

const notPresence = (e: ServerEvent): boolean => e.type !== "presence" && e.type !== "presence_changes";

/** Opens a JSON socket and returns it with its first answer (the greeting, or `error <code>`). */
async function enter(url: string, ip?: string): Promise<{ peer: Peer; greeting: ServerEvent }> {
  const peer = await openPeer(url, { json: true, ip });
  return { peer, greeting: await peer.until(notPresence) };
}

/** The next answer to `frame`: an error's `error <code>`, else the event's type. */
async function answer(peer: Peer, frame: object): Promise<string> {
  peer.send(frame);
  const e = await peer.until(notPresence);
  return e.type === "error" ? `error ${e.code}` : e.type;
}

/** What a watcher heard (presence aside) before the message with `id`. */
async function heardBefore(watcher: Peer, id: string): Promise<string[]> {
  const heard: string[] = [];
  await watcher.until((e) => {
    if (e.type === "message" && e.id === id) return true;
    if (notPresence(e)) heard.push(e.type);
    return false;
  });
  return heard;
}

/** A post of the anonymous kind from `ip`: its status and error code. */
async function post(t: Target, room: string, ip: string, id: string): Promise<string> {
  const body = JSON.stringify({ nick: "anon", text: "over http", id });
  return said(await http(`${t.url}/api/rooms/${encodeURIComponent(room)}/messages`, { ip, body }));
}

async function muted(t: Target, room: string, mod: Peer, watcher: Peer, ip: string): Promise<Record<string, string>> {
  const { peer: anon, greeting } = await enter(direct(t, room, "anon"), ip);
  const id = (greeting as ServerEvent & { self?: { id: string } }).self?.id ?? "";
  anon.send({ action: "send_to_room", msg: "hello", id: "a1" });
  const said1 = await anon.until((e) => e.type === "message" && e.id === "a1");
  await watcher.until((e) => e.type === "message" && e.id === "a1");
  mod.send({ action: "mute", member: id, seconds: 600 });
  await anon.until((e) => e.type === "moderation");
  await watcher.until((e) => e.type === "moderation");
  const seen: Record<string, string> = {
    edit: await answer(anon, { action: "edit", seq: said1.seq, msg: "new words" }),
    react: await answer(anon, { action: "react", seq: said1.seq, emoji: "👍" }),
  };
  anon.send({ action: "typing" });
  await answer(anon, { action: "members" });
  mod.send({ action: "send_to_room", msg: "marker", id: "m1" });
  seen["watcher heard"] = (await heardBefore(watcher, "m1")).join(" ") || "nothing";
  seen["muted post"] = await post(t, room, ip, "p1");
  anon.terminate();
  return seen;
}

/** An anonymous member speaks and leaves; then it is banned: what it gets back from the same address. */
async function bannedAfterLeaving(t: Target, room: string, mod: Peer, ip: string): Promise<Record<string, string>> {
  const { peer: anon, greeting } = await enter(direct(t, room, "gone"), ip);
  const id = (greeting as ServerEvent & { self?: { id: string } }).self?.id ?? "";
  anon.send({ action: "send_to_room", msg: "spam", id: "g1" });
  await anon.until((e) => e.type === "message" && e.id === "g1");
  anon.ws.close();
  await anon.closedWith();
  mod.send({ action: "ban", member: id });
  await mod.until((e) => e.type === "moderation" && (e as ServerEvent & { member?: string }).member === id);
  const back = await enter(direct(t, room, "back"), ip);
  back.peer.terminate();
  return {
    rejoin: back.greeting.type === "error" ? `error ${back.greeting.code}` : back.greeting.type,
    "banned post": await post(t, room, ip, "p2"),
  };
}

async function demoted(t: Target): Promise<string> {
  const room = freshRoom("speak");
  const was = await enter(await withToken(t, room, "was", "member"));
  was.peer.send({ action: "send_to_room", msg: "as a member", id: "w1" });
  const mine = await was.peer.until((e) => e.type === "message" && e.id === "w1");
  was.peer.ws.close();
  await was.peer.closedWith();
  const reader = await enter(await withToken(t, room, "was", "reader"));
  const edited = await answer(reader.peer, { action: "edit", seq: mine.seq, msg: "rewritten" });
  reader.peer.terminate();
  return edited;
}

async function run({ main }: Targets): Promise<Verdict> {
  const room = freshRoom("speak");
  const mod = await enter(await withToken(main, room, "mod", "moderator"));
  const watcher = await enter(direct(main, room, "watcher"));
  const seen = {
    ...(await muted(main, room, mod.peer, watcher.peer, nextAddress())),
    ...(await bannedAfterLeaving(main, room, mod.peer, nextAddress())),
  };
  seen["reader edits"] = await demoted(main);
  const expected: Record<string, string> = {
    edit: "error muted",
    react: "error muted",
    "watcher heard": "nothing",
    "muted post": "403 muted",
    rejoin: "error banned",
    "banned post": "403 banned",
    "reader edits": "error forbidden",
  };
  return {
    ok: Object.entries(expected).every(([what, want]) => seen[what] === want),
    figure: Object.entries(seen)
      .map(([what, got]) => `${what}: ${got}`)
      .join(", "),
  };
}

export const everyWayOfSpeaking: Attack = { n: 13, name: "Every way of speaking", run, timeoutMs: 30_000 };
