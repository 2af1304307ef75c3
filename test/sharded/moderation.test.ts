// Moderation across the objects of a sharded room: the writer decides, the
// member's own object carries it out, and a ban refuses a rejoin wherever it
// would land.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Role } from "../../src/shared/auth";
import { CloseCode } from "../../src/shared/codes";
import { token } from "../auth/tokens";
import { connect } from "../client";
import { isEvent } from "../events";
import { uniqueRoom } from "../frames";
import { expectNothingFor } from "../wait";
import { type Format, info, infoUntil, type Joined, join, messagesOf, pick, placement, SHARD_CAP, storedStream, writer } from "./room";

/** A member signed in as `sub` (its nick the sub in capitals). */
async function signed(room: string, sub: string, role: Role = "member", format: Format = "v1"): Promise<Joined> {
  return join(room, { nick: sub.toUpperCase(), token: await token({ sub, name: sub.toUpperCase(), room, role }) }, format);
}

/**
 * A room of `n` signed members u00…: the writer holds u00–u09, shard 1
 * u10–u19, and so on; `roles` gives some of them a role above member.
 */
async function signedRoom(n: number, roles: Record<number, Role> = {}): Promise<{ room: string; members: Joined[] }> {
  const room = uniqueRoom("private-shard");
  const members: Joined[] = [];
  for (let i = 0; i < n; i++) members.push(await signed(room, `u${String(i).padStart(2, "0")}`, roles[i] ?? "member"));
  return { room, members };
}

/** What a fresh connect of `sub` is answered: its first event and, if refused, the close. */
async function rejoin(room: string, sub: string): Promise<{ first: string; close: number | null }> {
  const c = await connect(`/ws?room=${room}&token=${await token({ sub, name: sub.toUpperCase(), room })}`, { json: true });
  const first = await c.event();
  if (first.type === "joined") {
    c.close();
    return { first: "joined", close: null };
  }
  return { first: first.type === "error" ? first.code : first.type, close: (await c.closedWith()).code };
}

describe("moderation across shards", () => {
  it("a moderator on shard 1 kicks a member on shard 2: told why, closed with KICKED, seen by all, and it may rejoin", async () => {
    const { room, members } = await signedRoom(25, { 11: "moderator" });
    const [mod, target, onWriter, onShard2] = pick(members, 11, 22, 2, 24);
    mod.c.send({ action: "kick", member: "u22", reason: "spam" });
    expect(await target.c.until(isEvent("error"))).toMatchObject({ code: "kicked", message: expect.stringContaining("spam") });
    expect((await target.c.closedWith()).code).toBe(CloseCode.KICKED);
    for (const m of [mod, onWriter, onShard2])
      expect(await m.c.until(isEvent("moderation")), m.nick).toMatchObject({ action: "kick", member: "u22", by: { id: "u11" }, seq: 1 });
    await infoUntil(room, "the room counts 24", (i) => i.members === 24);
    expect(await rejoin(room, "u22")).toEqual({ first: "joined", close: null });
  });

  it("a moderator on shard 1 bans members on the writer and on shard 2: both closed with BANNED", async () => {
    const { room, members } = await signedRoom(25, { 11: "moderator" });
    const [mod, onWriter, onShard2] = pick(members, 11, 5, 21);
    mod.c.send({ action: "ban", member: "u05", reason: "abuse" });
    mod.c.send({ action: "ban", member: "u21", reason: "abuse" });
    for (const t of [onWriter, onShard2]) {
      expect(await t.c.until(isEvent("error")), t.nick).toMatchObject({ code: "banned" });
      expect((await t.c.closedWith()).code, t.nick).toBe(CloseCode.BANNED);
    }
    await infoUntil(room, "the room counts 23", (i) => i.members === 23);
  });

  it("a banned member's rejoin is refused whichever object it would land on, and an unban lets it back", async () => {
    const { room, members } = await signedRoom(2 * SHARD_CAP + 5, { 0: "moderator" });
    const mod = members[0] as Joined;
    mod.c.send({ action: "ban", member: "u21" });
    expect((await (members[21] as Joined).c.closedWith()).code).toBe(CloseCode.BANNED);
    await infoUntil(room, "u21 is gone", (i) => i.members === 2 * SHARD_CAP + 4);
    // Shard 2 has room: the rejoin would land there.
    expect(await rejoin(room, "u21")).toEqual({ first: "banned", close: CloseCode.BANNED });
    // Fill shard 2 (and start shard 3): the rejoin would land on shard 3 now.
    for (let i = 0; i < 7; i++) await signed(room, `late${i}`);
    expect(await info(room)).toMatchObject({ members: 3 * SHARD_CAP + 1, shards: 4 });
    expect(await placement(room, 3)).toEqual([SHARD_CAP, SHARD_CAP, SHARD_CAP, 1]);
    expect(await rejoin(room, "u21")).toEqual({ first: "banned", close: CloseCode.BANNED });
    // The in-band path asks the same writer.
    const relayed = await connect("/ws");
    relayed.send({ action: "join", msg: room, token: await token({ sub: "u21", name: "U21", room }) });
    expect(await relayed.next()).toMatch(/^error: you are banned from room/);
    mod.c.send({ action: "unban", member: "u21" });
    await mod.c.until((e) => e.type === "moderation" && e.action === "unban");
    expect(await rejoin(room, "u21")).toEqual({ first: "joined", close: null });
  });

  it("a moderator on the writer mutes a member on shard 1: its sends are refused and nothing is stored or heard", async () => {
    const { room, members } = await signedRoom(2 * SHARD_CAP + 3, { 0: "moderator" });
    const [mod, loud, listener] = pick(members, 0, 14, 22);
    mod.c.send({ action: "mute", member: "u14", seconds: 60 });
    await loud.c.until(isEvent("moderation"));
    loud.c.send({ action: "send_to_room", msg: "shh?", id: "d1" });
    expect(await loud.c.until(isEvent("error"))).toMatchObject({ code: "muted", ref: "d1" });
    await expectNothingFor("a member heard the muted send", () => messagesOf(listener).length > 0 || messagesOf(mod).length > 0, 300);
    expect((await storedStream(room)).map((e) => e.type)).toEqual(["moderation"]);
  });

  it("an in-band text member on a shard is kicked: it reads why, stays connected in no room, and may join again", async () => {
    const { room, members } = await signedRoom(SHARD_CAP + 2, { 0: "moderator" });
    const mod = members[0] as Joined;
    const troll = await connect("/ws");
    troll.send({ action: "join", msg: room, token: await token({ sub: "troll", name: "TROLL", room }) });
    expect(await troll.next()).toBe(`TROLL join room ${room} success .`);
    expect(await placement(room, 1)).toEqual([SHARD_CAP, 3]);
    mod.c.send({ action: "kick", member: "troll", reason: "spam" });
    expect(await troll.next()).toBe("* TROLL was kicked by U00: spam");
    expect(await troll.next()).toMatch(/^error: a moderator removed you from room .*: spam$/);
    troll.send({ action: "send_to_room", msg: "still here?" });
    expect(await troll.next()).toBe("error: join a room first");
    troll.send({ action: "join", msg: room, token: await token({ sub: "troll", name: "TROLL", room }) });
    expect(await troll.next()).toBe(`TROLL join room ${room} success .`);
  });

  it("after the writer's eviction, a moderator on the writer still bans a member on shard 2 by its id", async () => {
    const { room, members } = await signedRoom(2 * SHARD_CAP + 4, { 1: "moderator" });
    const [mod, target] = pick(members, 1, 23);
    await evictDurableObject(writer(room));
    mod.c.send({ action: "ban", member: "u23" });
    expect(await target.c.until(isEvent("error"))).toMatchObject({ code: "banned" });
    expect((await target.c.closedWith()).code).toBe(CloseCode.BANNED);
    expect(await rejoin(room, "u23")).toEqual({ first: "banned", close: CloseCode.BANNED });
  });
});
