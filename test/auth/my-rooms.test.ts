// Your rooms: GET /api/me/rooms and DELETE /api/me/rooms/:room, the `read` action and mentions, counted at read time.
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { MessageEvent } from "../../src/shared/events";
import type { CountedRoom, MyRoom, MyRooms } from "../../src/shared/my-rooms";
import { type Client, call, connect, member, uniqueRoom } from "../client";
import { isEvent } from "../events";
import { WAIT_MS } from "../frames";
import { expectNothingFor, waitUntil } from "../wait";
import { API_KEY, token } from "./tokens";

/** A unique person, so no test sees another's list. */
const person = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;

/** A token for `sub` that covers `claim` (every room unless said). */
const tokenOf = (sub: string, claim = "*", role = "member") => token({ sub, name: sub.slice(0, 8), room: claim, role });

/** `sub` on a direct socket in `room`, greeted. */
async function enter(room: string, sub: string, claim = "*", role = "member"): Promise<Client> {
  const c = await connect(`/ws?room=${room}&token=${await tokenOf(sub, claim, role)}`, { json: true });
  await c.until(isEvent("joined"));
  return c;
}

/** Sends a message and waits until it is stored; returns it. */
async function say(c: Client, text: string, mentions?: string[]): Promise<MessageEvent> {
  const id = crypto.randomUUID();
  c.send({ action: "send_to_room", msg: text, id, mentions });
  return (await c.until((e) => e.type === "message" && e.id === id)) as MessageEvent;
}

async function get(sub: string, claim = "*"): Promise<MyRoom[]> {
  const res = await call("/api/me/rooms", { headers: { Authorization: `Bearer ${await tokenOf(sub, claim)}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as MyRooms).rooms;
}

/** `sub`'s entry for `room` once `ready` holds of it (a join and a read reach the person's object without being awaited). */
async function entry(sub: string, room: string, ready: (r: MyRoom) => boolean = () => true, claim = "*"): Promise<MyRoom> {
  let last: MyRoom | undefined;
  await waitUntil(
    `${room} is listed as expected`,
    async () => {
      last = (await get(sub, claim)).find((r) => r.room === room);
      return last !== undefined && ready(last);
    },
    WAIT_MS,
    () => JSON.stringify(last),
  );
  return last as MyRoom;
}

const counted = (r: MyRoom): CountedRoom => {
  if (r.access !== "ok") throw new Error(`${r.room} is not counted: ${r.access}`);
  return r;
};

describe("GET /api/me/rooms", () => {
  it("answers 401 without a token, and with the API key (no person)", async () => {
    expect((await call("/api/me/rooms")).status).toBe(401);
    expect((await call("/api/me/rooms", { headers: { Authorization: `Bearer ${API_KEY}` } })).status).toBe(401);
    expect((await call("/api/me/rooms/x", { method: "DELETE" })).status).toBe(401);
  });

  it("counts others' messages after the marker, never one's own", async () => {
    const room = uniqueRoom();
    const [alice, bob] = [person("alice"), person("bob")];
    const a = await enter(room, alice);
    const b = await enter(room, bob);
    await entry(alice, room);
    for (const text of ["one", "two", "three"]) await say(b, text);
    const mine = await say(a, "mine");
    const got = counted(await entry(alice, room));
    expect(got).toMatchObject({ room, lastSeq: mine.seq, lastRead: 0, unread: 3, mentions: 0 });
    expect(got.lastMessage).toMatchObject({ seq: mine.seq, text: "mine" });
    expect(counted(await entry(bob, room))).toMatchObject({ unread: 1 });
  });

  it("starts the marker where the room was when the person first joined", async () => {
    const room = uniqueRoom();
    const b = await enter(room, person("bob"));
    const before = await say(b, "said before alice came");
    const alice = person("alice");
    await enter(room, alice);
    expect(counted(await entry(alice, room))).toMatchObject({ lastRead: before.seq, unread: 0 });
  });

  it("counts neither a deleted message nor an edit", async () => {
    const room = uniqueRoom();
    const alice = person("alice");
    await enter(room, alice);
    const b = await enter(room, person("bob"));
    await entry(alice, room);
    const gone = await say(b, "oops");
    const kept = await say(b, "kept");
    b.send({ action: "delete", seq: gone.seq });
    await b.until(isEvent("delete"));
    b.send({ action: "edit", seq: kept.seq, msg: "kept, edited" });
    await b.until(isEvent("edit"));
    const got = counted(await entry(alice, room));
    expect(got).toMatchObject({ unread: 1, lastMessage: { seq: kept.seq, text: "kept, edited" } });
  });

  it("lists most recently active first", async () => {
    const [quiet, busy] = [uniqueRoom("quiet"), uniqueRoom("busy")];
    const alice = person("alice");
    const b = await enter(quiet, person("bob"));
    await say(b, "early");
    await enter(quiet, alice);
    await enter(busy, alice);
    await entry(alice, busy);
    await say(await enter(busy, person("carol")), "later");
    expect((await get(alice)).map((r) => r.room)).toEqual([busy, quiet]);
  });

  it("never shows a person a room they did not join", async () => {
    const room = uniqueRoom();
    const alice = person("alice");
    await enter(room, alice);
    await entry(alice, room);
    // Bob was in no room; carol joined another, anonymously: neither list holds alice's room.
    expect(await get(person("bob"))).toEqual([]);
    const carol = person("carol");
    await member(uniqueRoom(), carol);
    expect(await get(carol)).toEqual([]);
  });
});

describe("read markers", () => {
  it("a read on one device is the marker of every device, and never goes back", async () => {
    const room = uniqueRoom();
    const alice = person("alice");
    const phone = await enter(room, alice);
    const laptop = await enter(room, alice);
    const b = await enter(room, person("bob"));
    await entry(alice, room);
    const first = await say(b, "one");
    const second = await say(b, "two");
    laptop.send({ action: "read", seq: second.seq });
    expect(counted(await entry(alice, room, (r) => r.lastRead === second.seq))).toMatchObject({ unread: 0 });
    // The phone, behind, says it read less: the marker stays where the laptop put it.
    phone.send({ action: "read", seq: first.seq });
    await expectNothingFor(
      "the marker went back",
      async () => (await get(alice)).some((r) => r.room === room && r.lastRead !== second.seq),
      300,
    );
    await say(b, "three");
    expect(counted(await entry(alice, room, (r) => r.access === "ok" && r.unread === 1))).toMatchObject({ lastRead: second.seq });
  });

  it("a join and a read after an in-band join count as on a direct socket", async () => {
    const room = uniqueRoom();
    const alice = person("alice");
    const a = await connect("/ws", { json: true });
    a.send({ action: "join", msg: room, token: await tokenOf(alice) });
    await a.until(isEvent("joined"));
    const b = await enter(room, person("bob"));
    await entry(alice, room);
    const first = await say(b, "one");
    await say(b, "two");
    a.send({ action: "read", seq: first.seq });
    expect(counted(await entry(alice, room, (r) => r.lastRead === first.seq))).toMatchObject({ unread: 1 });
  });

  it("an anonymous member's read is refused: its client keeps its own", async () => {
    const { c } = await member(uniqueRoom(), "anon");
    c.send({ action: "read", seq: 1 });
    expect(await c.until(isEvent("error"))).toMatchObject({ code: "unauthenticated" });
  });

  it("survive the eviction of the room and of the person's object", async () => {
    const room = uniqueRoom();
    const alice = person("alice");
    const a = await enter(room, alice);
    const b = await enter(room, person("bob"));
    await entry(alice, room);
    const first = await say(b, "one", [alice]);
    await say(b, "two", [alice]);
    a.send({ action: "read", seq: first.seq });
    await entry(alice, room, (r) => r.lastRead === first.seq);
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "close" });
    await evictDurableObject(env.PERSONS.getByName(alice));
    expect(counted(await entry(alice, room))).toMatchObject({ lastRead: first.seq, unread: 1, mentions: 1 });
  });
});

describe("mentions", () => {
  it("of an offline person count when they return, until their marker passes them", async () => {
    const room = uniqueRoom();
    const alice = person("alice");
    const a = await enter(room, alice);
    await entry(alice, room);
    a.close();
    const b = await enter(room, person("bob"));
    const mention = await say(b, "@alice look", [alice, "nobody"]);
    expect(mention.mentions).toEqual([alice, "nobody"]);
    await say(b, "and this");
    expect(counted(await entry(alice, room))).toMatchObject({ unread: 2, mentions: 1 });
    const back = await enter(room, alice);
    back.send({ action: "read", seq: mention.seq });
    expect(counted(await entry(alice, room, (r) => r.lastRead === mention.seq))).toMatchObject({ unread: 1, mentions: 0 });
  });

  it("of oneself count for nobody, and a deleted mention no longer counts", async () => {
    const room = uniqueRoom();
    const alice = person("alice");
    const a = await enter(room, alice);
    const b = await enter(room, person("bob"));
    await entry(alice, room);
    expect((await say(a, "me, me", [alice])).mentions).toBeUndefined();
    const mention = await say(b, "@alice", [alice]);
    b.send({ action: "delete", seq: mention.seq });
    await b.until(isEvent("delete"));
    expect(counted(await entry(alice, room))).toMatchObject({ unread: 0, mentions: 0 });
  });

  it("are carried in the history a returning member is greeted with", async () => {
    const room = uniqueRoom();
    const b = await enter(room, person("bob"));
    await say(b, "hi @carol", ["carol"]);
    const { joined } = await member(room, "late");
    expect(joined.history.at(-1)).toMatchObject({ type: "message", mentions: ["carol"] });
  });
});

describe("lost access and DELETE", () => {
  it("a private room the token no longer reaches, or a ban, says `lost` instead of counting", async () => {
    const [secret, open] = [uniqueRoom("private-x"), uniqueRoom()];
    const alice = person("alice");
    await enter(secret, alice);
    const mod = await enter(open, person("mod"), "*", "moderator");
    await enter(open, alice);
    await entry(alice, open);
    mod.send({ action: "ban", member: alice });
    await mod.until(isEvent("moderation"));
    const rooms = await get(alice, "some-other-room");
    expect(rooms.find((r) => r.room === secret)).toEqual({ room: secret, access: "lost", lastRead: 0 });
    expect(rooms.find((r) => r.room === open)).toEqual({ room: open, access: "lost", lastRead: 0 });
    // The token that covers the private room still counts it.
    expect((await entry(alice, secret)).access).toBe("ok");
  });

  it("DELETE takes a room off the list; a later join lists it again", async () => {
    const room = uniqueRoom();
    const alice = person("alice");
    const a = await enter(room, alice);
    await entry(alice, room);
    const auth = { Authorization: `Bearer ${await tokenOf(alice)}` };
    expect((await call(`/api/me/rooms/${room}`, { method: "DELETE", headers: auth })).status).toBe(204);
    expect((await get(alice)).map((r) => r.room)).toEqual([]);
    a.close();
    await enter(room, alice);
    await entry(alice, room);
  });
});
