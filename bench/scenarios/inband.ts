/**
 * The in-band-join path against the direct one, text clients both (Parley
 * only), in many rooms: a closed and an open loop. Its rows are also set
 * against the many-rooms scenario's direct JSON rows (text vs JSON).
 */
import { CFG } from "../lib/config.ts";
import { inbandRuns } from "../lib/load-run.ts";
import type { Scenario } from "../lib/rows.ts";

export const inband: Scenario = {
  runs: (server, target) =>
    inbandRuns(
      server,
      target,
      { name: "inband", rooms: CFG.rooms, perRoom: CFG.roomClients, rate: CFG.roomsRate, modes: ["closed", "open"] },
      ["dtext", "inband"],
    ),
};
