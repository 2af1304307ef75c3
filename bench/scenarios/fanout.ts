/** Fan-out: BENCH_FANOUT_CLIENTS clients in one room, every one sending and receiving. */
import { CFG } from "../lib/config.ts";
import { directRuns } from "../lib/load-run.ts";
import type { Scenario } from "../lib/rows.ts";

export const fanout: Scenario = {
  runs: (server, target) =>
    directRuns(server, target, { name: "fanout", prefix: "fan", rooms: 1, perRoom: CFG.fanoutClients, rate: CFG.fanoutRate }),
};
