/**
 * What the room's behaviour modules (moderation.ts, changes.ts) may use of
 * the room: built once by the Room from its own state, so none of it is a
 * public method of the Durable Object (which RPC could call).
 */
import type { ServerEvent } from "../../shared/events";
import type { Connection, Connections } from "./connections";
import type { History } from "./history";
import type { Sanctions } from "./sanctions";

export interface RoomParts {
  readonly name: string;
  readonly history: History;
  readonly sanctions: Sanctions;
  readonly connections: Connections;
  /** Sends one event to one member (errors are logged as refusals); returns its length. */
  reply(conn: Connection, event: ServerEvent): number;
  /** Removes a member once and tells the others; `markLeft` records it on the socket. */
  depart(ws: WebSocket, markLeft?: boolean): void;
}
