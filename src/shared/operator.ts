/**
 * The operator's API (docs/protocol.md, "The operator's API: /api/admin/…"):
 * what its routes answer, shared by the server and the /admin page.
 */
import type { Role } from "./auth";

/** One active room, as `GET /api/admin/rooms` lists it. */
export interface ActiveRoom {
  room: string;
  members: number;
  lastSeq: number;
  messagesPerMinute: number;
  /** The newest message or join its object saw since it last started (epoch ms), else when it became active. */
  lastActivity: number;
}

/** The room's fan-out since its object started. */
export interface Fanout {
  /** Turns of the room (each sends at most one batch per shard). */
  turns: number;
  /** Delivery calls to shard objects. */
  calls: number;
  /** WebSocket frames to the sockets the room's own object holds. */
  frames: number;
}

/** A room's counters since its object last started (kept in memory). */
export interface Counters {
  /** When its object started counting (epoch ms). */
  since: number;
  messages: number;
  joins: number;
  /** Refusals by error code. */
  refusals: Record<string, number>;
  /** Messages stored in the last minute. */
  messagesPerMinute: number;
  /** The newest message or join (epoch ms); null when none since `since`. */
  lastActivity: number | null;
}

/** A ban or mute in force. */
export interface SanctionInForce {
  identity: string;
  kind: "ban" | "mute";
  member: string;
  /** Epoch ms; null for no end. */
  until: number | null;
  reason: string | null;
  /** The role of whoever placed it. */
  by: Role;
}

/** One room, as `GET /api/admin/rooms/:room` shows it. */
export interface RoomDetail {
  room: string;
  members: number;
  lastSeq: number;
  shards: number;
  fanout: Fanout;
  counters: Counters;
  sanctions: SanctionInForce[];
}
