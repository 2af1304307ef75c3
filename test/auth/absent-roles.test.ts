// Role order holds for members who are not connected: a moderator may not
// ban, unban or mute an owner or another moderator who has left (a kick needs
// its target connected: no_such_member), nor
// undo or replace a sanction an owner placed; a sanction binds only members
// below the role of whoever placed it, judged by the role they come with.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Role } from "../../src/shared/auth";
import type { ServerEvent } from "../../src/shared/events";
import { type Client, connect, uniqueRoom } from "../client";
import { isEvent } from "../events";
import { token } from "./tokens";

async function as(room: string, sub: string, role: Role = "member"): Promise<Client> {
  const c = await connect(`/ws?room=${room}&token=${await token({ sub, name: sub.toUpperCase(), room, role })}`, { json: true });
  await c.until(isEvent("joined"));
  return c;
}

/** `sub` enters with `role` and leaves; once this returns the room has seen it go. */
async function cameAndWent(room: string, sub: string, role: Role): Promise<void> {
  const c = await as(room, sub, role);
  c.close();
  await c.closedWith();
}

/** What `sub` entering with `role` is greeted with: `joined`, or the refusal's code. */
async function entering(room: string, sub: string, role: Role): Promise<string> {
  const c = await connect(`/ws?room=${room}&token=${await token({ sub, name: sub.toUpperCase(), room, role })}`, { json: true });
  const greeting = await c.event();
  c.close();
  return greeting.type === "error" ? greeting.code : greeting.type;
}

/** The moderation event that answers `actor`'s frame, or the error's code. */
async function answer(actor: Client, frame: object): Promise<string> {
  actor.send(frame);
  const e = await actor.until((e: ServerEvent) => e.type === "moderation" || e.type === "error");
  return e.type === "error" ? `error:${e.code}` : e.type;
}

describe("a moderator acting on an absent superior or peer", () => {
  const absent: [Role, string, string][] = [
    ["owner", "kick", "error:no_such_member"],
    ["owner", "ban", "error:forbidden"],
    ["owner", "unban", "error:forbidden"],
    ["owner", "mute", "error:forbidden"],
    ["moderator", "kick", "error:no_such_member"],
    ["moderator", "ban", "error:forbidden"],
    ["moderator", "unban", "error:forbidden"],
    ["moderator", "mute", "error:forbidden"],
  ];

  it.each(absent)("an absent %s: %s is refused (%s)", async (role, action, expected) => {
    const room = uniqueRoom("private-ar");
    await cameAndWent(room, "them", role);
    const mod = await as(room, "mod", "moderator");
    expect(await answer(mod, { action, member: "them" })).toBe(expected);
    expect(await entering(room, "them", role)).toBe("joined");
  });

  it("an absent owner is still known after the room's eviction", async () => {
    const room = uniqueRoom("private-ar");
    await cameAndWent(room, "boss", "owner");
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "close" });
    const mod = await as(room, "mod", "moderator");
    expect(await answer(mod, { action: "ban", member: "boss" })).toBe("error:forbidden");
  });

  it("an owner who came back as a member (demoted) may be banned, and the ban binds it only as long as it is below a moderator", async () => {
    const room = uniqueRoom("private-ar");
    await cameAndWent(room, "was", "owner");
    await cameAndWent(room, "was", "member");
    const mod = await as(room, "mod", "moderator");
    expect(await answer(mod, { action: "ban", member: "was" })).toBe("moderation");
    expect(await entering(room, "was", "member")).toBe("banned");
    expect(await entering(room, "was", "owner")).toBe("joined");
  });
});

describe("sanctions an owner placed", () => {
  it("a moderator may not lift an owner's ban, nor shorten it by banning again, and the ban holds", async () => {
    const room = uniqueRoom("private-ar");
    const owner = await as(room, "boss", "owner");
    await cameAndWent(room, "troll", "member");
    expect(await answer(owner, { action: "ban", member: "troll" })).toBe("moderation");
    const mod = await as(room, "mod", "moderator");
    expect(await answer(mod, { action: "unban", member: "troll" })).toBe("error:forbidden");
    expect(await answer(mod, { action: "ban", member: "troll", seconds: 1 })).toBe("error:forbidden");
    expect(await entering(room, "troll", "member")).toBe("banned");
    expect(await answer(owner, { action: "unban", member: "troll" })).toBe("moderation");
    expect(await entering(room, "troll", "member")).toBe("joined");
  });

  it("a moderator may not replace an owner's mute", async () => {
    const room = uniqueRoom("private-ar");
    const owner = await as(room, "boss", "owner");
    await as(room, "loud", "member");
    expect(await answer(owner, { action: "mute", member: "loud", seconds: 3600 })).toBe("moderation");
    const mod = await as(room, "mod", "moderator");
    expect(await answer(mod, { action: "mute", member: "loud", seconds: 1 })).toBe("error:forbidden");
  });
});

describe("a sanction placed before its target ever came", () => {
  it("binds a newcomer below the moderator who placed it, and not an owner", async () => {
    const room = uniqueRoom("private-ar");
    const mod = await as(room, "mod", "moderator");
    expect(await answer(mod, { action: "ban", member: "newboss" })).toBe("moderation");
    expect(await answer(mod, { action: "ban", member: "newbie" })).toBe("moderation");
    expect(await entering(room, "newboss", "owner")).toBe("joined");
    expect(await entering(room, "newbie", "member")).toBe("banned");
  });

  it("a mute placed by a moderator does not silence a moderator", async () => {
    const room = uniqueRoom("private-ar");
    const mod = await as(room, "mod", "moderator");
    expect(await answer(mod, { action: "mute", member: "peer" })).toBe("moderation");
    const peer = await as(room, "peer", "moderator");
    peer.send({ action: "send_to_room", msg: "still here", id: "p1" });
    expect(await peer.until((e) => e.type === "message" || e.type === "error")).toMatchObject({ type: "message", id: "p1" });
  });
});

describe("sanctions stored before they recorded who placed them", () => {
  it("count as a moderator's: they bind a member, not a moderator", async () => {
    const room = uniqueRoom("private-ar");
    await runInDurableObject(env.ROOMS.getByName(room), (_instance, state) => {
      state.storage.sql.exec(
        "CREATE TABLE sanctions (identity TEXT NOT NULL, kind TEXT NOT NULL, member TEXT NOT NULL, until INTEGER, reason TEXT, PRIMARY KEY (identity, kind)) WITHOUT ROWID",
      );
      for (const who of ["troll", "mod2"]) {
        state.storage.sql.exec(
          "INSERT INTO sanctions (identity, kind, member, until, reason) VALUES (?, 'ban', ?, NULL, NULL)",
          `sub:${who}`,
          who,
        );
      }
    });
    expect(await entering(room, "troll", "member")).toBe("banned");
    expect(await entering(room, "mod2", "moderator")).toBe("joined");
    const owner = await as(room, "boss", "owner");
    expect(await answer(owner, { action: "ban", member: "other" })).toBe("moderation");
    expect(await entering(room, "other", "member")).toBe("banned");
  });
});

describe("kick", () => {
  it("of a member sanctioned before but no longer connected: no_such_member, nothing on the seq stream", async () => {
    const room = uniqueRoom("private-ar");
    const mod = await as(room, "mod", "moderator");
    expect(await answer(mod, { action: "mute", member: "gone" })).toBe("moderation");
    expect(await answer(mod, { action: "kick", member: "gone" })).toBe("error:no_such_member");
  });
});
