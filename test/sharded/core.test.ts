// The sharding core's smoke: a room past its cap places newcomers on shards, and they hear and are heard.

import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, member, uniqueRoom } from "../client";
import { isEvent } from "../events";

describe("a room past ROOM_SHARD_MEMBERS", () => {
  it("places newcomers on shards, and every member hears every message once", async () => {
    const room = uniqueRoom();
    const members = [];
    for (let i = 0; i < 25; i++) members.push((await member(room, `m${i}`)).c);
    const info = (await (await call(`/api/rooms/${room}`)).json()) as { members: number; shards: number };
    expect(info).toMatchObject({ members: 25, shards: 3 });
    const last = members[24];
    last?.send({ action: "send_to_room", msg: "from a shard" });
    for (const c of members) {
      const m = await c.until(isEvent("message"));
      expect(m).toMatchObject({ text: "from a shard", seq: 1 });
    }
    members[0]?.send({ action: "send_to_room", msg: "from the writer" });
    for (const c of members) expect(await c.until(isEvent("message"))).toMatchObject({ text: "from the writer", seq: 2 });
    await evictDurableObject(env.ROOMS.getByName(room));
    members[12]?.send({ action: "send_to_room", msg: "after the writer slept" });
    for (const c of members) expect(await c.until(isEvent("message"))).toMatchObject({ text: "after the writer slept", seq: 3 });
  });
});
