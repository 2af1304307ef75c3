/**
 * What the sharded-room tests share (the `workers-sharded` project: a room
 * object holds at most SHARD_CAP members, the rest live on its shards):
 * members of every format, what each has heard, the room as the HTTP API and
 * the objects themselves report it.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { JoinedEvent, MembersEvent, MessageEvent, ServerEvent, StoredEvent } from "../../src/shared/events";
import { SUBPROTOCOL, SUBPROTOCOL_V2 } from "../../src/shared/format";
import { API_KEY } from "../auth/tokens";
import { type Client, call, connect } from "../client";
import { waitUntil } from "../wait";

/** ROOM_SHARD_MEMBERS in vitest.config.ts's `workers-sharded` project. */
export const SHARD_CAP = 10;

/** How long a sharded room may take to deliver a test's whole burst to every member. */
export const DELIVERY_MS = 20_000;

/** How a member hears the room: JSON one event a frame, JSON arrays, or text lines. */
export type Format = "v1" | "v2" | "text";

/** Formats in turn, so that every object of a room holds members of each. */
export const FORMATS: readonly Format[] = ["v1", "v2", "text"];

export interface Joined {
  c: Client;
  /** The nick the room shows (a token's `name`). */
  nick: string;
  format: Format;
  /** The greeting, for a JSON member; a text member's is a line. */
  joined: JoinedEvent | null;
}

const OFFERS: Record<Format, string | null> = { v1: SUBPROTOCOL, v2: SUBPROTOCOL_V2, text: null };

/**
 * A member on the direct path, greeted: `identity` is `{ nick }` for an
 * anonymous member or `{ token, nick }` (the token's name) for a signed one.
 */
export async function join(
  room: string,
  identity: { nick: string; token?: string },
  format: Format,
  extra: Record<string, string> = {},
): Promise<Joined> {
  const query = new URLSearchParams({ room, ...(identity.token ? { token: identity.token } : { nick: identity.nick }), ...extra });
  const offer = OFFERS[format];
  const c = await connect(`/ws?${query}`, offer ? { headers: { "Sec-WebSocket-Protocol": offer } } : {});
  const first = await c.next();
  if (format === "text") {
    if (first !== `${identity.nick} join room ${room} success .`) throw new Error(`${identity.nick} was not let into ${room}: ${first}`);
    return { c, nick: identity.nick, format, joined: null };
  }
  const greeting = [JSON.parse(first) as ServerEvent | ServerEvent[]].flat()[0];
  if (greeting?.type !== "joined") throw new Error(`${identity.nick} was not let into ${room}: ${first}`);
  return { c, nick: identity.nick, format, joined: greeting };
}

/** `n` anonymous members joined one after another (so the first SHARD_CAP are the writer's, the next SHARD_CAP shard 1's, …). */
export async function fill(room: string, n: number, prefix = "m", formatOf = (i: number) => FORMATS[i % FORMATS.length] as Format) {
  const out: Joined[] = [];
  for (let i = 0; i < n; i++) out.push(await join(room, { nick: `${prefix}${String(i).padStart(2, "0")}` }, formatOf(i)));
  return out;
}

/** The members at `indices` (by join order, so by object), as a tuple; a missing one is a broken test. */
export function pick<const I extends number[]>(list: Joined[], ...indices: I): { [K in keyof I]: Joined } {
  return indices.map((i) => {
    const m = list[i];
    if (!m) throw new Error(`no member ${i} of ${list.length}`);
    return m;
  }) as { [K in keyof I]: Joined };
}

/** Every event a JSON client received, a parley.v2 frame's one by one (a text client's: none). */
export function eventsOf(c: Client): ServerEvent[] {
  return c.frames
    .filter((f) => f.startsWith("{") || f.startsWith("["))
    .flatMap((f) => [JSON.parse(f) as ServerEvent | ServerEvent[]].flat());
}

/** The count a JSON member was told last (greeting, presence, member page). */
export function toldCount(m: Joined): number | undefined {
  return eventsOf(m.c)
    .flatMap((e) => ("count" in e && typeof e.count === "number" ? [e.count] : []))
    .at(-1);
}

/** The messages a JSON member received live, in the order they came. */
export function messagesOf(m: Joined): MessageEvent[] {
  return eventsOf(m.c).filter((e): e is MessageEvent => e.type === "message");
}

/** The lines a text member received after its greeting. */
export function linesOf(m: Joined): string[] {
  return m.c.frames.slice(1);
}

/** How many messages (or, for a text member, lines) a member has received since its greeting. */
export function heardCount(m: Joined): number {
  return m.format === "text" ? linesOf(m).length : messagesOf(m).length;
}

/** The line a text member reads for a message. */
export const lineOf = (m: MessageEvent) => `${m.from.nick} : ${m.text}`;

/** Sends a message with a client id. */
export function say(m: Joined, id: string, text = `${m.nick} says ${id}`): void {
  m.c.send({ action: "send_to_room", msg: text, id });
}

/** Waits until every member has heard `n` messages, then checks that for a while none hears more. */
export async function everyoneHears(members: Joined[], n: number): Promise<void> {
  await waitUntil(
    `every member heard ${n} messages`,
    () => members.every((m) => heardCount(m) >= n),
    DELIVERY_MS,
    () =>
      members
        .filter((m) => heardCount(m) !== n)
        .map((m) => `${m.nick} (${m.format}): ${heardCount(m)}`)
        .join(", "),
  );
  const over = () => members.filter((m) => heardCount(m) > n);
  if (over().length) throw new Error(`heard more than ${n}: ${over().map((m) => `${m.nick} ${heardCount(m)}`)}`);
}

/** Asserts (throwing with who and what) that each member heard exactly `stream`: JSON members by seq, text members by line, in order. */
export function assertHeardExactly(members: Joined[], stream: MessageEvent[]): void {
  const seqs = stream.map((m) => m.seq);
  const lines = stream.map(lineOf);
  for (const m of members) {
    const heard = m.format === "text" ? linesOf(m) : messagesOf(m).map((e) => e.seq);
    const want = m.format === "text" ? lines : seqs;
    if (JSON.stringify(heard) !== JSON.stringify(want))
      throw new Error(`${m.nick} (${m.format}) heard ${JSON.stringify(heard)}\nbut the room stored ${JSON.stringify(want)}`);
  }
}

const authorized = { headers: { Authorization: `Bearer ${API_KEY}` } };

/** The room's whole seq stream, paged over HTTP. */
export async function storedStream(room: string): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for (;;) {
    const res = await call(`/api/rooms/${encodeURIComponent(room)}/messages?since=${all.at(-1)?.seq ?? 0}&limit=200`, authorized);
    const page = ((await res.json()) as { messages: StoredEvent[] }).messages;
    if (page.length === 0) return all;
    all.push(...page);
  }
}

/** The stored messages of the room, in seq order. */
export async function storedMessages(room: string): Promise<MessageEvent[]> {
  return (await storedStream(room)).filter((e): e is MessageEvent => e.type === "message");
}

export interface RoomInfo {
  room: string;
  members: number;
  lastSeq: number;
  shards: number;
}

/** GET /api/rooms/:room. */
export async function info(room: string): Promise<RoomInfo> {
  return (await (await call(`/api/rooms/${encodeURIComponent(room)}`, authorized)).json()) as RoomInfo;
}

/** Waits until GET /api/rooms/:room reports what `ready` wants, and returns that report. */
export async function infoUntil(room: string, what: string, ready: (i: RoomInfo) => boolean): Promise<RoomInfo> {
  const read: { last?: RoomInfo } = {};
  const now = async () => {
    read.last = await info(room);
    return ready(read.last);
  };
  await waitUntil(what, now, DELIVERY_MS, () => JSON.stringify(read.last), 50);
  return read.last as RoomInfo;
}

/** The member list paged over HTTP, `limit` at a time: every page's count and the members in page order. */
export async function membersOverHttp(room: string, limit: number): Promise<{ counts: number[]; members: MembersEvent["members"] }> {
  const out: { counts: number[]; members: MembersEvent["members"] } = { counts: [], members: [] };
  let next: string | undefined;
  do {
    const res = await call(`/api/rooms/${encodeURIComponent(room)}/members?limit=${limit}${next ? `&after=${next}` : ""}`, authorized);
    const page = (await res.json()) as Omit<MembersEvent, "type">;
    out.counts.push(page.count);
    out.members.push(...page.members);
    next = page.next;
  } while (next && out.counts.length < 100);
  return out;
}

/** The member pages a JSON member has received. */
const pagesOf = (m: Joined) => eventsOf(m.c).filter((e): e is MembersEvent => e.type === "members");

/** The member list paged with `members` requests over a JSON member's socket. */
export async function membersOverSocket(m: Joined, limit: number): Promise<{ counts: number[]; members: MembersEvent["members"] }> {
  const out: { counts: number[]; members: MembersEvent["members"] } = { counts: [], members: [] };
  let after: string | undefined;
  do {
    const seen = pagesOf(m).length;
    m.c.send({ action: "members", limit, ...(after ? { after } : {}) });
    await waitUntil(`${m.nick} got a member page`, () => pagesOf(m).length > seen, 5_000);
    const got = pagesOf(m)[seen] as MembersEvent;
    out.counts.push(got.count);
    out.members.push(...got.members);
    after = got.next;
  } while (after && out.counts.length < 100);
  return out;
}

/** The room's shard `k` (k ≥ 1). */
export function shard(room: string, k: number): DurableObjectStub {
  return env.SHARDS.getByName(`${room}#${k}`);
}

/** The room's own object, the writer. */
export const writer = (room: string): DurableObjectStub => env.ROOMS.getByName(room);

/** How many sockets an object holds now. */
export function socketsOn(stub: DurableObjectStub): Promise<number> {
  return runInDurableObject(stub, (_instance: DurableObject, state) => state.getWebSockets().length);
}

/** The sockets of the writer and of shards 1…`shards`, in that order. */
export async function placement(room: string, shards: number): Promise<number[]> {
  const counts = [await socketsOn(writer(room))];
  for (let k = 1; k <= shards; k++) counts.push(await socketsOn(shard(room, k)));
  return counts;
}
