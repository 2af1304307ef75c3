// Moderation: kick, ban, unban, mute and delete, on both socket paths, as events on the seq stream.
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { JoinedEvent, ModerationEvent, StoredEvent } from "../../src/shared/events";
import { type Client, call, connect, uniqueRoom } from "../client";
import { isEvent } from "../events";
import { WAIT_MS } from "../frames";
import { waitUntil } from "../wait";
import { API_KEY, token } from "./tokens";

type Role = "reader" | "member" | "moderator" | "owner";

async function as(room: string, sub: string, role: Role = "member"): Promise<Client> {
  const c = await connect(`/ws?room=${room}&token=${await token({ sub, name: sub.toUpperCase(), room, role })}`, { json: true });
  await c.until(isEvent("joined"));
  return c;
}

async function inBandAs(room: string, sub: string, role: Role = "member"): Promise<Client> {
  const c = await connect("/ws");
  c.send({ action: "join", msg: room, token: await token({ sub, name: sub.toUpperCase(), room, role }) });
  expect(await c.next()).toBe(`${sub.toUpperCase()} join room ${room} success .`);
  return c;
}

/**
 * Whether `sub` is let into `room` now. A timed ban ends without an event, so
 * its end shows only as a join that is let through.
 */
async function admitted(room: string, sub: string): Promise<boolean> {
  const c = await connect(`/ws?room=${room}&token=${await token({ sub, name: sub.toUpperCase(), room })}`, { json: true });
  const greeting = await c.event();
  c.close();
  if (greeting.type === "error" && greeting.code === "banned") return false;
  if (greeting.type === "joined") return true;
  throw new Error(`${sub} was neither let in nor refused as banned: ${JSON.stringify(greeting)}`);
}

/**
 * Whether a send from `c` with `id` is stored now. A timed mute ends without
 * an event, so its end shows only as a send that is let through.
 */
async function sendsThrough(c: Client, id: string): Promise<boolean> {
  c.send({ action: "send_to_room", msg: "back", id });
  const answer = await c.until((e) => (e.type === "message" && e.id === id) || (e.type === "error" && e.ref === id));
  if (answer.type === "message") return true;
  if (answer.type === "error" && answer.code === "muted") return false;
  throw new Error(`a send was neither stored nor refused as muted: ${JSON.stringify(answer)}`);
}

const history = async (room: string): Promise<StoredEvent[]> =>
  (
    (await (await call(`/api/rooms/${room}/messages`, { headers: { Authorization: `Bearer ${API_KEY}` } })).json()) as {
      messages: StoredEvent[];
    }
  ).messages;

describe("kick", () => {
  it("direct path: the member is told why and closed with 4001, the others see it on the seq stream, and it may rejoin", async () => {
    const room = uniqueRoom("private-k");
    const mod = await as(room, "mod", "moderator");
    const troll = await as(room, "troll");
    mod.send({ action: "kick", member: "troll", reason: "spam" });
    expect(await troll.until(isEvent("error"))).toMatchObject({ code: "kicked", message: expect.stringContaining("spam") });
    expect((await troll.closedWith()).code).toBe(4001);
    expect(await mod.until(isEvent("moderation"))).toMatchObject({
      action: "kick",
      member: "troll",
      nick: "TROLL",
      reason: "spam",
      by: { id: "mod" },
      seq: 1,
    });
    // Back in the room: a member again beside the moderator, greeted with the kick on the seq stream.
    const back = await connect(`/ws?room=${room}&token=${await token({ sub: "troll", name: "TROLL", room })}`, { json: true });
    expect(await back.until(isEvent("joined"))).toMatchObject({
      self: { id: "troll", nick: "TROLL" },
      count: 2,
      history: [{ type: "moderation", action: "kick", member: "troll", seq: 1 }],
    });
  });

  it("in-band path: the member reads why, stays connected in no room, and may join again", async () => {
    const room = uniqueRoom("private-k");
    const mod = await as(room, "mod", "moderator");
    const troll = await inBandAs(room, "troll");
    mod.send({ action: "kick", member: "troll", reason: "spam" });
    expect(await troll.next()).toBe("* TROLL was kicked by MOD: spam");
    expect(await troll.next()).toMatch(/^error: a moderator removed you from room .*: spam$/);
    troll.send({ action: "send_to_room", msg: "still here?" });
    expect(await troll.next()).toBe("error: join a room first");
    troll.send({ action: "join", msg: room, token: await token({ sub: "troll", name: "TROLL", room }) });
    expect(await troll.next()).toBe(`TROLL join room ${room} success .`);
  });

  it("is refused to members, and to moderators against their peers", async () => {
    const room = uniqueRoom("private-k");
    const a = await as(room, "a");
    const m1 = await as(room, "m1", "moderator");
    await as(room, "m2", "moderator");
    a.send({ action: "kick", member: "m1" });
    expect(await a.until(isEvent("error"))).toMatchObject({ code: "forbidden" });
    m1.send({ action: "kick", member: "m2" });
    expect(await m1.until(isEvent("error"))).toMatchObject({ code: "forbidden" });
    m1.send({ action: "kick", member: "nobody" });
    expect(await m1.until(isEvent("error"))).toMatchObject({ code: "no_such_member" });
  });
});

describe("ban and unban", () => {
  it("direct path: banned is closed with 4003 and its rejoin refused the same way; unban lets it back", async () => {
    const room = uniqueRoom("private-b");
    const owner = await as(room, "owner", "owner");
    const troll = await as(room, "troll");
    owner.send({ action: "ban", member: "troll", reason: "abuse" });
    expect(await troll.until(isEvent("error"))).toMatchObject({ code: "banned" });
    expect((await troll.closedWith()).code).toBe(4003);
    const again = await connect(`/ws?room=${room}&token=${await token({ sub: "troll", name: "T", room })}`, { json: true });
    expect(await again.event()).toMatchObject({ type: "error", code: "banned" });
    expect((await again.closedWith()).code).toBe(4003);
    owner.send({ action: "unban", member: "troll" });
    expect(await owner.until((e) => e.type === "moderation" && e.action === "unban")).toMatchObject({ member: "troll" });
    await as(room, "troll");
  });

  it("in-band path: a banned member's rejoin is refused with an error line; the connection stays", async () => {
    const room = uniqueRoom("private-b");
    const mod = await as(room, "mod", "moderator");
    const troll = await inBandAs(room, "troll");
    mod.send({ action: "ban", member: "troll" });
    expect(await troll.next()).toBe("* TROLL was banned by MOD");
    expect(await troll.next()).toMatch(/^error: you are banned from room/);
    troll.send({ action: "join", msg: room, token: await token({ sub: "troll", name: "TROLL", room }) });
    expect(await troll.next()).toMatch(/^error: you are banned from room/);
    troll.send({ action: "join", msg: uniqueRoom(), nick: "troll" });
    expect(await troll.next()).toMatch(/^troll join room /);
  });

  it("bans an anonymous member by its address: the same address is refused, another is not", async () => {
    const room = uniqueRoom();
    const mod = await as(room, "mod", "moderator");
    const anon = await connect(`/ws?room=${room}&nick=anon`, { json: true, headers: { "CF-Connecting-IP": "2001:db8::bad" } });
    const id = ((await anon.event()) as JoinedEvent).self.id;
    mod.send({ action: "ban", member: id });
    expect((await anon.closedWith()).code).toBe(4003);
    const same = await connect(`/ws?room=${room}&nick=other`, { json: true, headers: { "CF-Connecting-IP": "2001:db8::bad" } });
    expect(await same.event()).toMatchObject({ type: "error", code: "banned" });
    const elsewhere = await connect(`/ws?room=${room}&nick=anon`, { json: true, headers: { "CF-Connecting-IP": "2001:db8::900d" } });
    expect(await elsewhere.event()).toMatchObject({ type: "joined" });
  });

  it("survives the room's eviction", async () => {
    const room = uniqueRoom("private-b");
    const mod = await as(room, "mod", "moderator");
    await as(room, "troll");
    mod.send({ action: "ban", member: "troll" });
    await mod.until(isEvent("moderation"));
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "close" });
    const again = await connect(`/ws?room=${room}&token=${await token({ sub: "troll", name: "T", room })}`, { json: true });
    expect(await again.event()).toMatchObject({ type: "error", code: "banned" });
  });

  it("with seconds, ends by itself", async () => {
    const room = uniqueRoom("private-b");
    const mod = await as(room, "mod", "moderator");
    await as(room, "troll");
    mod.send({ action: "ban", member: "troll", seconds: 1 });
    expect(await mod.until(isEvent("moderation"))).toMatchObject({ action: "ban", seconds: 1 });
    await waitUntil("troll's one-second ban has ended and it may join again", () => admitted(room, "troll"), WAIT_MS, undefined, 100);
  });
});

describe("mute", () => {
  it("refuses a muted member's sends on both paths until it ends, storing nothing", async () => {
    const room = uniqueRoom("private-m");
    const mod = await as(room, "mod", "moderator");
    const direct = await as(room, "loud");
    const text = await inBandAs(room, "noisy");
    mod.send({ action: "mute", member: "loud", seconds: 1 });
    mod.send({ action: "mute", member: "noisy", seconds: 1 });
    await mod.until((e) => e.type === "moderation" && e.member === "noisy");
    direct.send({ action: "send_to_room", msg: "shh?", id: "d1" });
    expect(await direct.until(isEvent("error"))).toMatchObject({ code: "muted", ref: "d1" });
    expect(await text.next()).toBe("* LOUD was muted by MOD");
    expect(await text.next()).toBe("* NOISY was muted by MOD");
    text.send({ action: "send_to_room", msg: "shh?" });
    expect(await text.next()).toMatch(/^error: you are muted/);
    expect((await history(room)).filter((e) => e.type === "message")).toEqual([]);
    let tries = 0;
    await waitUntil(
      "loud's one-second mute has ended and its send is let through",
      () => sendsThrough(direct, `back-${++tries}`),
      WAIT_MS,
      undefined,
      100,
    );
  });
});

describe("moderation on the seq stream", () => {
  it("a member who resumes with since sees each action once, and the HTTP history has them", async () => {
    const room = uniqueRoom("private-s");
    const mod = await as(room, "mod", "moderator");
    const watcher = await as(room, "watcher");
    watcher.close();
    await as(room, "t1");
    mod.send({ action: "kick", member: "t1" });
    mod.send({ action: "mute", member: "t2", seconds: 60 });
    mod.send({ action: "ban", member: "t3" });
    mod.send({ action: "unban", member: "t3" });
    await mod.until((e) => e.type === "moderation" && e.action === "unban");
    const back = await connect(`/ws?room=${room}&since=0&token=${await token({ sub: "watcher", name: "W", room })}`, { json: true });
    const joined = (await back.until(isEvent("joined"))) as JoinedEvent;
    const actions = joined.history.filter((e): e is ModerationEvent => e.type === "moderation").map((e) => `${e.action} ${e.member}`);
    expect(actions).toEqual(["kick t1", "mute t2", "ban t3", "unban t3"]);
    expect(joined.history.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect((await history(room)).map((e) => e.type)).toEqual(["moderation", "moderation", "moderation", "moderation"]);
  });
});

describe("delete", () => {
  it("a moderator deletes any message: a tombstone keeps its seq, and a delete event follows", async () => {
    const room = uniqueRoom("private-d");
    const mod = await as(room, "mod", "moderator");
    const a = await as(room, "a");
    a.send({ action: "send_to_room", msg: "regrettable", id: "x" });
    const said = await mod.until(isEvent("message"));
    mod.send({ action: "delete", seq: said.seq });
    expect(await a.until(isEvent("delete"))).toMatchObject({ target: said.seq, seq: said.seq + 1, from: { id: "mod" } });
    const [tomb] = await history(room);
    expect(tomb).toMatchObject({ type: "message", seq: said.seq, text: "", deleted: true });
  });

  it("its author deletes its own message; another member may not, and a deleted one cannot be deleted again", async () => {
    const room = uniqueRoom("private-d");
    const a = await as(room, "a");
    const b = await as(room, "b");
    a.send({ action: "send_to_room", msg: "mine", id: "x" });
    const said = await b.until(isEvent("message"));
    b.send({ action: "delete", seq: said.seq });
    expect(await b.until(isEvent("error"))).toMatchObject({ code: "forbidden" });
    a.send({ action: "delete", seq: said.seq });
    expect(await a.until(isEvent("delete"))).toMatchObject({ target: said.seq });
    a.send({ action: "delete", seq: said.seq });
    expect(await a.until(isEvent("error"))).toMatchObject({ code: "message_deleted" });
  });

  it("text clients read moderation and deletes as lines", async () => {
    const room = uniqueRoom("private-d");
    const mod = await as(room, "mod", "moderator");
    const text = await inBandAs(room, "reader");
    await as(room, "t1");
    mod.send({ action: "kick", member: "t1", reason: "bye" });
    expect(await text.next()).toBe("* T1 was kicked by MOD: bye");
    mod.send({ action: "send_to_room", msg: "oops", id: "o" });
    expect(await text.next()).toBe("MOD : oops");
    mod.send({ action: "delete", seq: 2 });
    expect(await text.next()).toBe("* MOD deleted message 2");
  });
});
