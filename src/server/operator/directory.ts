/**
 * The operator's directory of active rooms: one Durable Object for the whole
 * deployment, told by each room when its first member comes and when its
 * last one goes (never per message), read by `GET /api/admin/rooms`. A room
 * is listed while it has members; what it says about itself (members, rate,
 * last activity) is asked of the room when the list is read.
 *
 * One object takes every room's openings and closings: at Cloudflare's
 * ~1,000 requests a second per object, that is rooms going active or idle,
 * not messages, so it holds for as many rooms as come and go that fast.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import { logInternal } from "../platform/log";

/** The rooms one list answers with, the most recently opened first. */
export const DIRECTORY_LIST_MAX = 100;

export interface ActiveRoom {
  room: string;
  /** When its first member came (epoch ms). */
  since: number;
}

export class Directory extends DurableObject<Env> {
  private ready = false;

  /** A room's first member came. */
  opened(room: string, at: number): void {
    this.table();
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO active (room, since) VALUES (?, ?)", room, at);
  }

  /** A room's last member went. */
  closed(room: string): void {
    this.table();
    this.ctx.storage.sql.exec("DELETE FROM active WHERE room = ?", room);
  }

  /** The active rooms, the most recently opened first; at most `limit` (1..DIRECTORY_LIST_MAX). */
  list(limit: number): ActiveRoom[] {
    this.table();
    const n = Math.min(Math.max(1, limit), DIRECTORY_LIST_MAX);
    return this.ctx.storage.sql
      .exec<{ room: string; since: number }>("SELECT room, since FROM active ORDER BY since DESC LIMIT ?", n)
      .toArray();
  }

  private table(): void {
    if (this.ready) return;
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS active (room TEXT PRIMARY KEY, since INTEGER NOT NULL) WITHOUT ROWID");
    this.ready = true;
  }
}

/** The directory's one object. */
export function directory(env: Env) {
  return env.DIRECTORY.getByName("rooms");
}

/** Tells the directory a room became active or idle: a call the room does not wait for (its failure is logged). */
export function tellDirectory(env: Env, room: string, active: boolean): void {
  const stub = directory(env);
  const call = active ? stub.opened(room, Date.now()) : stub.closed(room);
  void call.catch((error: unknown) => logInternal("directory", error, { room }));
}
