// The cost of GET /api/me/rooms for a person in 50 rooms, against one GET /api/rooms/:room (issue 22's target: within 2×).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { MyRooms } from "../../src/shared/my-rooms";
import { call, connect, uniqueRoom } from "../client";
import { isEvent } from "../events";
import { WAIT_MS } from "../frames";
import { waitUntil } from "../wait";
import { API_KEY, token } from "./tokens";

const ROOMS = 50;
const MESSAGES_EACH = 10;
const RUNS = 10;

/** The median time of `RUNS` runs of `run`, in ms (after one warm-up run). */
async function median(run: () => Promise<void>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)] ?? 0;
}

describe("GET /api/me/rooms", () => {
  // Fills 50 rooms, then times three things ten times each: minutes of work on a machine busy with three other test files.
  it(`for a person in ${ROOMS} rooms, against one room's GET`, { timeout: 120_000 }, async () => {
    const sub = `busy-${crypto.randomUUID().slice(0, 8)}`;
    const bearer = `Bearer ${await token({ sub, name: "busy", room: "*" })}`;
    const rooms = Array.from({ length: ROOMS }, () => uniqueRoom("many"));
    for (const room of rooms) {
      const c = await connect(`/ws?room=${room}&token=${await token({ sub, name: "busy", room: "*" })}`, { json: true });
      await c.until(isEvent("joined"));
      c.close();
      for (let i = 0; i < MESSAGES_EACH; i++) {
        const posted = await call(`/api/rooms/${room}/messages`, {
          method: "POST",
          headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" },
          body: JSON.stringify({ nick: "app", text: `m${i}` }),
        });
        expect(posted.status).toBe(201);
      }
    }
    const mine = async () => ((await (await call("/api/me/rooms", { headers: { Authorization: bearer } })).json()) as MyRooms).rooms;
    await waitUntil(`${ROOMS} rooms are listed`, async () => (await mine()).length === ROOMS, WAIT_MS);
    expect((await mine()).every((r) => r.access === "ok" && r.unread === MESSAGES_EACH)).toBe(true);
    const list = await median(async () => void (await mine()));
    const one = await median(
      async () => void (await (await call(`/api/rooms/${rooms[0]}`, { headers: { Authorization: bearer } })).json()),
    );
    // The floor of any fan-out to 50 rooms here: 50 of the cheapest RPC a room has, in parallel. workerd runs
    // every object of this test on one thread, so the 50 calls take turns; on Cloudflare each room's object runs
    // on its own, and the list waits for the slowest of them instead (docs/protocol.md, "Your rooms").
    const floor = await median(async () => void (await Promise.all(rooms.map((r) => env.ROOMS.getByName(r).info()))));
    console.info(
      `GET /api/me/rooms, ${ROOMS} rooms: median ${list} ms; GET /api/rooms/:room: median ${one} ms; ${ROOMS} parallel info() RPCs: median ${floor} ms`,
    );
  });
});
