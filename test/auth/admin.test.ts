// The operator's API: which rooms are active, what one room is doing, lifting a ban or mute; only with the API key.
import { describe, expect, it } from "vitest";
import { type Client, call, connect, member, uniqueRoom } from "../client";
import { isEvent } from "../events";
import { WAIT_MS } from "../frames";
import { waitUntil } from "../wait";
import { API_KEY, token } from "./tokens";

const asOperator = { headers: { Authorization: `Bearer ${API_KEY}` } };

interface Listed {
  room: string;
  members: number;
  lastSeq: number;
  messagesPerMinute: number;
  lastActivity: number;
}

async function listed(room: string): Promise<Listed | undefined> {
  const res = await call("/api/admin/rooms", asOperator);
  expect(res.status).toBe(200);
  return ((await res.json()) as { rooms: Listed[] }).rooms.find((r) => r.room === room);
}

async function as(room: string, sub: string, role: "member" | "owner" = "member"): Promise<Client> {
  const c = await connect(`/ws?room=${room}&token=${await token({ sub, name: sub, room, role })}`, { json: true });
  await c.until(isEvent("joined"));
  return c;
}

describe("the operator's API", () => {
  it("answers 401 without the API key, and with a member's token", async () => {
    const room = uniqueRoom();
    const bearer = { headers: { Authorization: `Bearer ${await token({ sub: "ann", name: "ann", room, role: "owner" })}` } };
    for (const init of [undefined, bearer]) {
      expect((await call("/api/admin/rooms", init)).status).toBe(401);
      expect((await call(`/api/admin/rooms/${room}`, init)).status).toBe(401);
      expect((await call(`/api/admin/rooms/${room}/sanctions/x`, { ...init, method: "DELETE" })).status).toBe(401);
    }
  });

  it("lists a room while it has members, with its size, seq and rate", async () => {
    const room = uniqueRoom();
    expect(await listed(room)).toBeUndefined();
    const { c } = await member(room, "ann");
    c.send({ action: "send_to_room", msg: "hi" });
    await c.until(isEvent("message"));
    let found: Listed | undefined;
    await waitUntil(
      "the room is listed",
      async () => {
        found = await listed(room);
        return found !== undefined;
      },
      WAIT_MS,
    );
    expect(found).toMatchObject({ room, members: 1, lastSeq: 1, messagesPerMinute: 1 });
    c.close();
    await waitUntil("the room is no longer listed", async () => (await listed(room)) === undefined, WAIT_MS);
  });

  it("shows one room's counters, refusals by code, the sanctions in force and its webhooks", async () => {
    const room = uniqueRoom();
    const owner = await as(room, "olga", "owner");
    await as(room, "troll");
    owner.send({ action: "mute", member: "troll", seconds: 600 });
    await owner.until(isEvent("moderation"));
    owner.send({ action: "edit", seq: 99, msg: "x" });
    await owner.until(isEvent("error"));
    const res = await call(`/api/admin/rooms/${room}`, asOperator);
    expect(res.status).toBe(200);
    const view = await res.json();
    expect(view).toMatchObject({
      room,
      members: 2,
      counters: { joins: 2, refusals: { no_such_message: 1 } },
      webhooks: { enabled: false, backlog: 0 },
    });
    expect((view as { sanctions: unknown[] }).sanctions).toMatchObject([{ kind: "mute", member: "troll", identity: "sub:troll" }]);
  });

  it("lifts a ban: the room hears the operator's unban, the member may come back; a second lift is 404", async () => {
    const room = uniqueRoom();
    const owner = await as(room, "olga", "owner");
    const troll = await as(room, "troll");
    owner.send({ action: "ban", member: "troll" });
    await troll.until(isEvent("error"));
    const lift = () => call(`/api/admin/rooms/${room}/sanctions/troll?kind=ban`, { ...asOperator, method: "DELETE" });
    expect((await lift()).status).toBe(204);
    expect(await owner.until((e) => e.type === "moderation" && e.action === "unban")).toMatchObject({
      by: { nick: "operator" },
      member: "troll",
    });
    await as(room, "troll");
    expect((await lift()).status).toBe(404);
  });
});
