// Search in a private room needs read access, as its history does.
import { describe, expect, it } from "vitest";
import type { SearchEvent } from "../../src/shared/events";
import { call, connect, uniqueRoom } from "../client";
import { isEvent } from "../events";
import { API_KEY, type Claims, token } from "./tokens";

const claims = (room: string, extra: Partial<Claims> = {}): Claims => ({ sub: "u-alice", name: "Alice", room, ...extra });

const search = (room: string, authorization?: string) =>
  call(`/api/rooms/${room}/search?q=plans`, authorization ? { headers: { Authorization: `Bearer ${authorization}` } } : {});

describe("search in a private room", () => {
  it("is refused without a token (401) and with a token for another room (403)", async () => {
    const room = uniqueRoom("private-");
    const unauthenticated = await search(room);
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toMatchObject({ error: { code: "unauthenticated" } });
    const elsewhere = await search(room, await token(claims(`${room}-other`)));
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.json()).toMatchObject({ error: { code: "forbidden" } });
    expect((await search(room, "not.a-token")).status).toBe(401);
  });

  it("answers a reader's token and the API key; a reader may search over its socket too", async () => {
    const room = uniqueRoom("private-");
    const writer = await connect(`/ws?room=${room}&token=${await token(claims(room))}`, { json: true });
    await writer.event();
    writer.send({ action: "send_to_room", msg: "our secret plans" });
    await writer.until(isEvent("message"));
    const reader = await token(claims(room, { sub: "u-rita", name: "Rita", role: "reader" }));
    for (const credential of [reader, API_KEY]) {
      const res = await search(room, credential);
      expect(res.status).toBe(200);
      expect(((await res.json()) as SearchEvent).results.map((r) => r.message.text)).toEqual(["our secret plans"]);
    }
    const socket = await connect(`/ws?room=${room}&token=${reader}`, { json: true });
    await socket.event();
    socket.send({ action: "search", q: "secret" });
    expect((await socket.until(isEvent("search"))).results.map((r) => r.seq)).toEqual([1]);
  });
});
