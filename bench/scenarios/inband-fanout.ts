/**
 * The in-band-join path against the direct one, text clients both (Parley
 * only), in one room's fan-out. The closed loop only: its verdict is a
 * capacity figure, and the open loop's latency adds nothing the many-rooms
 * run (bench/scenarios/inband.ts) does not show.
 */
import { CFG } from "../lib/config.ts";
import { inbandRuns } from "../lib/load-run.ts";
import type { Scenario } from "../lib/rows.ts";

export const inbandFanout: Scenario = {
  runs: (server, target) =>
    inbandRuns(server, target, { name: "inband-fanout", rooms: 1, perRoom: CFG.fanoutClients, rate: CFG.fanoutRate, modes: ["closed"] }, [
      "dtextfan",
      "inbandfan",
    ]),
};
