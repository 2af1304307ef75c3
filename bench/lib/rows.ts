/**
 * A row: the figures of one measured run, as the JSON line reports them (see
 * docs/performance.md). Every scenario's rows share the base fields; the rest
 * depends on the run (a closed or open loop, an idle probe, a big-room fill).
 */
import type { BigRowFigures } from "../scenarios/big.ts";
import type { IdleFigures } from "../scenarios/idle.ts";
import type { FanoutFigures } from "./admin.ts";
import type { BenchServer } from "./server.ts";
import type { ConnectFigures, Fig, PhaseFigures } from "./stats.ts";

export interface RowBase {
  target: string;
  scenario: string;
  path: string;
  format: string;
  rooms: number;
  clientsPerRoom: number;
  mode: string;
  /** big room: which fill (1: the scenario's own; 2, 3, …: the refills) */
  round?: number;
  error?: string;
  /** a run measured again because the server restarted during it (kept apart, in discardedRows) */
  discarded?: string;
  connect?: ConnectFigures;
  /** big room: senders of the closed loop */
  senders?: number;
  /** big room probe: ms until every member had it */
  everyMemberMs?: Fig;
  /** big room probe and closed loop: frames received per delivery */
  framesPerDelivery?: Fig;
}

/** The sharded big room's own fields (bench/scenarios/big-sharded.ts). */
export interface ShardedFigures {
  /** the server's ROOM_SHARD_MEMBERS (0: never shards) */
  shardCap: number;
  /** objects holding the room's members after the fill (GET /api/admin/rooms/:room's `shards`) */
  objects: number | null;
  /** the writer's counters over the run, and per message sent */
  fanout: FanoutFigures;
  /** open-loop step: messages per second offered */
  offeredRate: number;
}

/** The webhooks scenario's own field (bench/scenarios/webhooks.ts). */
export interface WebhookFigures {
  /** requests the silent receiver had taken by the end of the run (none answered) */
  webhookRequests: number;
}

export type Row = RowBase &
  Partial<PhaseFigures> &
  Partial<IdleFigures> &
  Partial<BigRowFigures> &
  Partial<ShardedFigures> &
  Partial<WebhookFigures>;

/** One measured run of a scenario on one target: measured again, once, if the server restarts during it. */
export type Run = () => Promise<Row[]>;

export interface Scenario {
  /** The runs of this scenario on one target, in order (none where it does not apply). */
  runs(server: BenchServer, target: string): Run[];
}
