/** Many rooms: BENCH_ROOMS rooms of BENCH_ROOM_CLIENTS clients, every one sending and receiving. */
import { CFG } from "../lib/config.ts";
import { directRuns } from "../lib/load-run.ts";
import type { Scenario } from "../lib/rows.ts";

export const rooms: Scenario = {
  runs: (server, target) =>
    directRuns(server, target, { name: "rooms", prefix: "many", rooms: CFG.rooms, perRoom: CFG.roomClients, rate: CFG.roomsRate }),
};
