/**
 * The room's parts: everything a handler (actions.ts and the modules it
 * names) may use of the room, built once per Durable Object by
 * {@link roomParts}. Handlers are functions over these parts, so none of
 * them is a public method of the Durable Object (which RPC could call).
 */
import type { ServerEvent } from "../../shared/events";
import { type Limits, limitsFrom } from "../../shared/limits";
import type { Env } from "../env";
import { log } from "../platform/log";
import { socketBuckets, type TokenBucket } from "../platform/token-bucket";
import { Audience, type Connection } from "./audience";
import { BeforeSend } from "./before-send/check";
import { beforeSendConfig } from "./before-send/config";
import { GroupCommit } from "./commit";
import { Connections } from "./connections";
import { Gate } from "./gate";
import { History } from "./history";
import { Presence } from "./presence";
import { Receipts } from "./receipts";
import { Sanctions } from "./sanctions";
import { Shards } from "./shards";
import { RoomStats } from "./stats";
import { webhookConfig } from "./webhooks/config";
import { Outbox } from "./webhooks/outbox";

export interface RoomParts {
  readonly name: string;
  readonly env: Env;
  readonly limits: Limits;
  readonly history: History;
  readonly sanctions: Sanctions;
  /** Everyone the room speaks to, on this object or its shards. */
  readonly audience: Audience;
  /** The room's shard objects: where a new member goes, and the fan-out to them. */
  readonly shards: Shards;
  readonly presence: Presence;
  /** The operator's counters (stats.ts). */
  readonly stats: RoomStats;
  /** Read receipts in small rooms (receipts.ts). */
  readonly receipts: Receipts;
  /** The before-send hook (before-send/check.ts): on when BEFORE_SEND_URL is set. */
  readonly beforeSend: BeforeSend;
  /** Holds the room's input while the hook is asked (gate.ts). */
  readonly gate: Gate;
  /** The queue of sends stored together (commit.ts). */
  readonly commit: GroupCommit;
  /** The webhook outbox: what a write reports, recorded in the same transaction (webhooks/outbox.ts). */
  readonly webhooks: Outbox;
  /** The rate limit of a socket this object holds; see TokenBucket for why memory is enough. */
  bucket(ws: WebSocket): TokenBucket;
  /** Sends one event to one member (errors are logged as refusals); returns its text as sent, or null. */
  reply(conn: Connection, event: ServerEvent): string | null;
  /**
   * Runs a change that writes more than once (a tombstone and its event, a
   * ban and its event) as one transaction: a throw rolls back all of it, and
   * what the parts remember of storage, before it goes on to the entry
   * point's error boundary. Broadcast what it returns after, never inside.
   */
  atomically<T>(write: () => T): T;
}

export function roomParts(ctx: DurableObjectState, env: Env): RoomParts {
  // The worker reaches every room through getByName(room), so the runtime
  // gives the object its name back here.
  const name = ctx.id.name ?? "";
  const limits = limitsFrom(env);
  const history = new History(ctx.storage.sql, name, limits.MAX_ROOM_HISTORY);
  const bucket = socketBuckets(limits);
  const shards = new Shards(ctx.storage.sql, env, name, limits.ROOM_SHARD_MEMBERS, history);
  const audience = new Audience(new Connections(ctx), shards, bucket);
  const stats = new RoomStats(name, env.METRICS);
  const beforeSend = new BeforeSend(beforeSendConfig(env), limits);
  const gate = new Gate((run) => audience.turn(run), name);
  const sanctions = new Sanctions(ctx.storage.sql);
  const webhooks = new Outbox(ctx.storage, webhookConfig(env), name);
  const atomically = <T>(write: () => T): T => {
    try {
      return ctx.storage.transactionSync(write);
    } catch (error) {
      history.forget();
      sanctions.forget();
      webhooks.forget();
      throw error;
    }
  };
  return {
    name,
    env,
    limits,
    history,
    sanctions,
    audience,
    shards,
    presence: new Presence(name, audience, webhooks),
    receipts: new Receipts(name, audience),
    commit: new GroupCommit({ atomically, history, audience, room: name, webhooks, stats, beforeSend, gate }),
    beforeSend,
    gate,
    stats,
    webhooks,
    bucket,
    reply(conn, event) {
      if (event.type === "error") {
        log("refusal", { room: name, conn: conn.att.alias, code: event.code });
        stats.refused(event.code);
      }
      return audience.send(conn, event);
    },
    atomically,
  };
}
