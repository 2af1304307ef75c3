// A sanction or a role applies to every way of speaking, on every path: a
// muted member may not send, edit, react or be shown typing (it may still
// delete its own messages, list members and leave); a reader may not speak
// at all; a banned or muted anonymous member may not post over HTTP from its
// address; and a ban placed after an anonymous member left reaches its address.
import { createExecutionContext, evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import app from "../../src/server/http/app";
import type { Role } from "../../src/shared/auth";
import type { JoinedEvent, ServerEvent } from "../../src/shared/events";
import { type Client, connect, uniqueRoom } from "../client";
import { isEvent } from "../events";
import { token } from "./tokens";

type Path = "direct" | "in-band";

async function as(room: string, sub: string, role: Role = "member", path: Path = "direct"): Promise<Client> {
  const t = await token({ sub, name: sub.toUpperCase(), room, role });
  if (path === "direct") {
    const c = await connect(`/ws?room=${room}&token=${t}`, { json: true });
    await c.until(isEvent("joined"));
    return c;
  }
  const c = await connect("/ws", { json: true });
  c.send({ action: "join", msg: room, token: t });
  await c.until(isEvent("joined"));
  return c;
}

/** An anonymous JSON member from `address`, and its member id. */
async function anonymous(room: string, address: string): Promise<{ c: Client; id: string }> {
  const c = await connect(`/ws?room=${room}&nick=anon`, { json: true, headers: { "CF-Connecting-IP": address } });
  const greeting = await c.event();
  if (greeting.type !== "joined") throw new Error(`not let in: ${JSON.stringify(greeting)}`);
  return { c, id: (greeting as JoinedEvent).self.id };
}

/** The types of what `c` heard before the message with `id` (presence aside). */
async function heardBefore(c: Client, id: string): Promise<string[]> {
  const seen: string[] = [];
  await c.until((e: ServerEvent) => {
    if (e.type === "message" && e.id === id) return true;
    if (e.type !== "presence" && e.type !== "presence_changes") seen.push(e.type);
    return false;
  });
  return seen;
}

/** A room with MOD, PEER watching, and LOUD who said something (seq 1) and was then muted; LOUD on `path`. */
async function mutedRoom(path: Path): Promise<{ mod: Client; peer: Client; loud: Client }> {
  const room = uniqueRoom("private-sp");
  const mod = await as(room, "mod", "moderator");
  const peer = await as(room, "peer");
  const loud = await as(room, "loud", "member", path);
  loud.send({ action: "send_to_room", msg: "before", id: "l1" });
  await peer.until((e) => e.type === "message" && e.id === "l1");
  mod.send({ action: "mute", member: "loud", seconds: 600 });
  await loud.until(isEvent("moderation"));
  await peer.until(isEvent("moderation"));
  return { mod, peer, loud };
}

/** The error `c` gets for `frame`, or the type of what came back instead. */
async function refusedWith(c: Client, frame: object): Promise<string> {
  c.send(frame);
  const e = await c.until((e: ServerEvent) => e.type !== "presence" && e.type !== "presence_changes");
  return e.type === "error" ? e.code : e.type;
}

describe.each(["direct", "in-band"] as const)("a muted member, %s path", (path) => {
  it("may not edit its old message: refused with muted, and nobody hears the edit", async () => {
    const { mod, peer, loud } = await mutedRoom(path);
    expect(await refusedWith(loud, { action: "edit", seq: 1, msg: "something new" })).toBe("muted");
    mod.send({ action: "send_to_room", msg: "marker", id: "m" });
    expect(await heardBefore(peer, "m")).toEqual([]);
  });

  it("may not react: refused with muted, and nobody hears the reaction", async () => {
    const { mod, peer, loud } = await mutedRoom(path);
    expect(await refusedWith(loud, { action: "react", seq: 1, emoji: "👍" })).toBe("muted");
    mod.send({ action: "send_to_room", msg: "marker", id: "m" });
    expect(await heardBefore(peer, "m")).toEqual([]);
  });

  it("is never shown typing", async () => {
    const { mod, peer, loud } = await mutedRoom(path);
    loud.send({ action: "typing" });
    // Answered after the typing notice was handled: the room handles one member's frames in order.
    expect(await refusedWith(loud, { action: "members" })).toBe("members");
    mod.send({ action: "send_to_room", msg: "marker", id: "m" });
    expect(await heardBefore(peer, "m")).toEqual([]);
  });

  it("may still delete its own message and list the members", async () => {
    const { loud } = await mutedRoom(path);
    expect(await refusedWith(loud, { action: "delete", seq: 1 })).toBe("delete");
    expect(await refusedWith(loud, { action: "members" })).toBe("members");
  });
});

describe("a muted moderator", () => {
  it("may not moderate: a moderation event speaks to the room, its reason included", async () => {
    const room = uniqueRoom("private-sp");
    const owner = await as(room, "boss", "owner");
    const mod = await as(room, "mod", "moderator");
    await as(room, "troll");
    owner.send({ action: "mute", member: "mod" });
    await mod.until(isEvent("moderation"));
    expect(await refusedWith(mod, { action: "kick", member: "troll", reason: "words of my own" })).toBe("muted");
  });
});

describe("a member demoted to reader (the same sub, a reader's token)", () => {
  it("may not edit or react to its old messages, but may delete them", async () => {
    const room = uniqueRoom("private-sp");
    const was = await as(room, "was");
    was.send({ action: "send_to_room", msg: "said as a member", id: "w1" });
    await was.until((e) => e.type === "message" && e.id === "w1");
    was.close();
    await was.closedWith();
    const reader = await as(room, "was", "reader");
    expect(await refusedWith(reader, { action: "edit", seq: 1, msg: "rewritten" })).toBe("forbidden");
    expect(await refusedWith(reader, { action: "react", seq: 1, emoji: "👍" })).toBe("forbidden");
    expect(await refusedWith(reader, { action: "delete", seq: 1 })).toBe("delete");
  });
});

describe("an anonymous member's ban reaches its address", () => {
  it("placed after it left: it is refused when it comes back from the same address, even after the room's eviction", async () => {
    const room = uniqueRoom("sp");
    const address = "2001:db8::5a1";
    const { c: anon, id } = await anonymous(room, address);
    anon.send({ action: "send_to_room", msg: "spam", id: "s1" });
    await anon.until((e) => e.type === "message" && e.id === "s1");
    anon.close();
    await anon.closedWith();
    const mod = await as(room, "mod", "moderator");
    mod.send({ action: "ban", member: id });
    await mod.until(isEvent("moderation"));
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "close" });
    const back = await connect(`/ws?room=${room}&nick=again`, { json: true, headers: { "CF-Connecting-IP": address } });
    expect(await back.event()).toMatchObject({ type: "error", code: "banned" });
  });

  it("closes every connection from that address, not only the member named", async () => {
    const room = uniqueRoom("sp");
    const address = "2001:db8::5a2";
    const one = await anonymous(room, address);
    const other = await anonymous(room, address);
    const mod = await as(room, "mod", "moderator");
    mod.send({ action: "ban", member: one.id });
    expect((await other.c.closedWith()).code).toBe(4003);
  });
});

describe("HTTP posts, with API_KEY unset as shipped", () => {
  /** A post through the Worker as it ships (no API_KEY), from `address`. */
  async function post(room: string, address: string, id: string): Promise<{ status: number; code?: string }> {
    const request = new Request(`http://127.0.0.1/api/rooms/${room}/messages`, {
      method: "POST",
      headers: { "CF-Connecting-IP": address, "Content-Type": "application/json" },
      body: JSON.stringify({ nick: "anon", text: "over http", id }),
    });
    const res = await app.fetch(request, { ...env, API_KEY: undefined }, createExecutionContext());
    const body = (await res.json()) as { error?: { code: string } };
    return { status: res.status, code: body.error?.code };
  }

  it.each(["mute", "ban"] as const)("an anonymous member's %s binds its posts from the same address, not another's", async (action) => {
    const room = uniqueRoom("sp");
    const address = action === "mute" ? "2001:db8::5a3" : "2001:db8::5a4";
    const { id } = await anonymous(room, address);
    const mod = await as(room, "mod", "moderator");
    mod.send({ action, member: id });
    await mod.until(isEvent("moderation"));
    expect(await post(room, address, "h1")).toEqual({ status: 403, code: action === "mute" ? "muted" : "banned" });
    expect(await post(room, "2001:db8::5a5", "h2")).toMatchObject({ status: 201 });
  });
});
