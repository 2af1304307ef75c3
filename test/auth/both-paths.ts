/**
 * Runs one case of both-paths-cases.ts on one socket path and says what came
 * back: what the actor heard, and what a member who watched heard. The room
 * is built the same way for every run (a fresh one each time), so two runs
 * differ only where the paths do.
 */
import type { Role } from "../../src/shared/auth";
import type { ServerEvent } from "../../src/shared/events";
import { SUBPROTOCOL_V2 } from "../../src/shared/format";
import { type Client, connect, uniqueRoom } from "../client";
import type { Case, Frame } from "./both-paths-cases";
import { token } from "./tokens";

export type Path = "direct" | "in-band";

/** An event, or the socket's close. */
export type Heard = ServerEvent | { closed: number };

/** What one run of a case heard: the actor, and PEER (a member watching on a direct socket). */
export interface Run {
  actor: Heard[];
  peer: Heard[];
}

/** Every run's rooms share this prefix, which the tokens' room claim covers. */
const PREFIX = "both";

/**
 * Sent after what is under test: the room refuses it (empty text) naming its
 * id, after everything sent before it; the relay, in no room, refuses it the
 * same way. Its answer ends a transcript.
 */
const MARKER = JSON.stringify({ action: "send_to_room", msg: "", id: "marker" });

/** A socket in a run: reads events whatever the format, up to the marker's answer. */
class Party {
  constructor(
    readonly client: Client,
    /** parley.v2: every frame is an array of events. */
    private readonly v2: boolean,
  ) {}

  send(frame: Frame): void {
    this.client.ws.send(typeof frame === "string" || frame instanceof Uint8Array ? frame : JSON.stringify(frame));
  }

  /** Reads until the greeting. */
  async greeted(): Promise<void> {
    for (;;) for (const event of this.parse(await this.client.next())) if (event.type === "joined") return;
  }

  /** Sends the marker; returns what the socket heard before its answer, or up to its close. */
  async heard(): Promise<Heard[]> {
    const out: Heard[] = [];
    if (!this.client.closed) this.send(MARKER);
    for (;;) {
      let frame: string;
      try {
        frame = await this.client.next();
      } catch (err) {
        if (!this.client.closed) throw err;
        out.push({ closed: this.client.closed.code });
        return out;
      }
      for (const event of this.parse(frame)) {
        if (event.type === "error" && event.ref === "marker") return out;
        out.push(event);
      }
    }
  }

  private parse(frame: string): ServerEvent[] {
    return this.v2 ? (JSON.parse(frame) as ServerEvent[]) : [JSON.parse(frame) as ServerEvent];
  }
}

const tokenFor = (sub: string, role: Role) => token({ sub, name: sub.toUpperCase(), room: `${PREFIX}-*`, role });

async function direct(room: string, token: string, protocol: string): Promise<Party> {
  const c = await connect(`/ws?room=${room}&token=${token}`, { headers: { "Sec-WebSocket-Protocol": protocol } });
  return new Party(c, protocol === SUBPROTOCOL_V2);
}

async function inBand(room: string, token: string, protocol: string): Promise<Party> {
  const c = await connect("/ws", { headers: { "Sec-WebSocket-Protocol": protocol } });
  const party = new Party(c, protocol === SUBPROTOCOL_V2);
  party.send({ action: "join", msg: room, token });
  return party;
}

/**
 * Runs one case: builds the room (see both-paths-cases.ts), brings the actor
 * in on `path` speaking `protocol`, sends the case's frames, and returns
 * what the actor and PEER heard (presence aside), with what must differ
 * between two runs (room names, times, ids the server makes) written the
 * same way.
 */
export async function run(c: Case, path: Path, protocol: string): Promise<Run> {
  const [room, other] = [uniqueRoom(PREFIX), uniqueRoom(PREFIX)];
  const peer = await direct(room, await tokenFor("peer", "member"), protocol);
  const mod = await direct(room, await tokenFor("mod", "moderator"), protocol);
  await Promise.all([peer.greeted(), mod.greeted()]);
  peer.send({ action: "send_to_room", msg: "hello from peer", id: "p1" });
  peer.send({ action: "send_to_room", msg: "doomed", id: "p2" });
  peer.send({ action: "delete", seq: 2 });
  await peer.heard();

  const actorToken = await tokenFor("actor", c.as ?? "member");
  const actor = await (path === "direct" ? direct : inBand)(room, actorToken, protocol);
  await actor.greeted();
  actor.send({ action: "send_to_room", msg: "mine", id: "a1" });
  await actor.heard();
  for (const frame of c.before ?? []) mod.send(frame);
  // MOD's frames done first, then what they made the others hear: everything before the case.
  await mod.heard();
  await Promise.all([actor.heard(), peer.heard()]);

  const names = { "<room>": room, "<other>": other, "<token>": actorToken };
  for (const frame of c.frames) actor.send(fill(frame, names));
  const heard = { actor: await actor.heard(), peer: await peer.heard() };
  // Closed and done before the run ends: the file's end aborts its rooms (test/setup-workers.ts).
  for (const party of [actor, peer, mod]) party.client.close();
  await Promise.all([actor, peer, mod].map((party) => party.client.closedWith()));
  const told = (hs: Heard[]) => hs.filter(notPresence).map((h) => normalise(h, names));
  return { actor: told(heard.actor), peer: told(heard.peer) };
}

/** A case's frame with its placeholders filled in. */
function fill(frame: Frame, names: Record<string, string>): Frame {
  if (frame instanceof Uint8Array) return frame;
  let text = typeof frame === "string" ? frame : JSON.stringify(frame);
  for (const [placeholder, value] of Object.entries(names)) text = text.replaceAll(placeholder, value);
  return text;
}

/** What must differ between two runs, written the same way: room names, times, and ids the server makes. */
function normalise(heard: Heard, names: Record<string, string>): Heard {
  let text = JSON.stringify(heard);
  for (const [placeholder, value] of Object.entries(names)) text = text.replaceAll(value, placeholder);
  text = text
    .replace(/"ts":\d+/g, '"ts":0')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>")
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>");
  return JSON.parse(text) as Heard;
}

/** A transcript in short: each event's type, an error's `error:<code>`, a close's `closed:<code>`. */
export function summary(heard: Heard[]): string[] {
  return heard.map((h) => ("closed" in h ? `closed:${h.closed}` : h.type === "error" ? `error:${h.code}` : h.type));
}

/** Presence is told once per window, not in answer to a frame (room/presence.ts): when it comes is timing, not behaviour. */
function notPresence(heard: Heard): boolean {
  return !("type" in heard) || (heard.type !== "presence" && heard.type !== "presence_changes");
}
