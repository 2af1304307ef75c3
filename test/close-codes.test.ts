// Close handshakes: the client always sees a clean close with a real code.

import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { connect, inBandMember, uniqueRoom } from "./client";
import { isEvent } from "./events";

describe("close codes", () => {
  it.each([1000, 1001, 4001])("a direct client's close with %i completes with that code", async (code) => {
    const c = await connect(`/ws?room=${uniqueRoom()}&nick=a`, { json: true });
    await c.event();
    c.close(code, "bye");
    expect((await c.closedWith()).code).toBe(code);
  });

  it.each([1000, 4001])("an in-band-join client's close with %i completes with that code", async (code) => {
    const c = await inBandMember(uniqueRoom(), "a");
    c.close(code, "bye");
    expect((await c.closedWith()).code).toBe(code);
  });

  it.each(["direct", "in-band"])(
    "%s path: a client that closes without a code gets a normal close (1000), not an empty one",
    async (path) => {
      const room = uniqueRoom();
      const c = path === "direct" ? await connect(`/ws?room=${room}&nick=a`, { json: true }) : await inBandMember(room, "a");
      if (path === "direct") await c.event();
      c.ws.close();
      expect((await c.closedWith()).code).toBe(1000);
    },
  );

  it("a relay client that goes away leaves its room: the others see a presence leave", async () => {
    const room = uniqueRoom();
    const watcher = await connect(`/ws?room=${room}&nick=w`, { json: true });
    await watcher.event();
    const relayed = await inBandMember(room, "r");
    expect(await watcher.until(isEvent("presence"))).toMatchObject({ event: "join", member: { nick: "r" } });
    relayed.close(1001, "tab closed");
    expect(await watcher.until(isEvent("presence"))).toMatchObject({ event: "leave", member: { nick: "r" }, count: 1 });
  });

  it("a relay client is closed with 1012 when its room goes away, and can reconnect", async () => {
    const room = uniqueRoom();
    const c = await inBandMember(room, "a");
    await evictDurableObject(env.ROOMS.getByName(room), { webSockets: "close" });
    expect((await c.closedWith()).code).toBe(1012);
    const again = await inBandMember(room, "a");
    again.send({ action: "send_to_room", msg: "back", nick: "a" });
    expect(await again.next()).toBe("a : back");
  });
});
