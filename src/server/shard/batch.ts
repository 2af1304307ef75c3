/**
 * What a room's writer tells one of its shard objects: one {@link Batch} per
 * shard per turn of the writer, in order, carrying everything that turn said
 * to the shard's members. The shard delivers it with the same `Connections`
 * a room uses (shard.ts, feed.ts). Data only: it crosses objects by RPC.
 */
import type { Disconnect } from "../../shared/codes";
import type { ServerEvent } from "../../shared/events";
import type { V1Shape } from "../room/connections";

/** One thing the writer said, addressed by connection key (Attachment.key). */
export type Item =
  /** To every member of the shard but `except`. */
  | { kind: "broadcast"; event: ServerEvent; except?: string; v1?: V1Shape }
  /** To one member. */
  | { kind: "send"; to: string; event: ServerEvent }
  /** The writer admitted a connection the shard accepted: from here on it is a member, and hears what follows. `lastSeq` is the writer's at that moment. */
  | { kind: "admit"; to: string; lastSeq: number }
  /** Close a member's socket, after what came before it; the departure is recorded on the socket. */
  | { kind: "close"; to: string; how: Disconnect }
  /** Charge a member's rate limit for a reply it chose (bytes on the wire). */
  | { kind: "charge"; to: string; cost: number };

export interface Batch {
  /** The writer object's instance: batch numbers restart with it. */
  epoch: string;
  /** Rises by 1 per batch to this shard within an epoch: a retried batch is applied once. */
  n: number;
  /** The writer's newest seq when it sent this: every stored event up to it was broadcast in this batch or before. */
  head: number;
  items: Item[];
}

/** Where the worker finds a shard object of a room: its name in the SHARDS namespace. */
export function shardName(room: string, index: number): string {
  return `${room}#${index}`;
}

/** The room and index a shard object's name stands for. */
export function parseShardName(name: string): { room: string; index: number } {
  const at = name.lastIndexOf("#");
  return { room: name.slice(0, at), index: Number(name.slice(at + 1)) };
}

/** The header a placement names its shard in, and the one the worker hands the shard its admitted member in. */
export const PLACEMENT_HEADER = "Parley-Shard";
export const ADMITTED_HEADER = "Parley-Admitted";
