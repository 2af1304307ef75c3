/**
 * One Durable Object per signed-in person (a token's `sub`): the rooms they
 * joined with a token, on either path, and their read marker in each. Rooms
 * tell it of a join and of a read (room/admission.ts, room/read.ts); the
 * worker asks it for `GET /api/me/rooms` and `DELETE /api/me/rooms/:room`
 * (src/server/http/me.ts). What is unread is no business of this object:
 * it is counted when asked, by each room from its own history, so a message
 * writes nothing here (docs/protocol.md, "Your rooms").
 *
 * Whether the person still reaches a room is not stored either: a ban ends,
 * a new token reaches a room again; it is decided when the list is read.
 */
import { DurableObject } from "cloudflare:workers";
import { refusal } from "../../shared/errors";
import type { Result } from "../../shared/validate";
import type { Env } from "../env";
import { logInternal } from "../platform/log";

/** A room on a person's list, as this object keeps it. */
export interface ListedRoom {
  room: string;
  /** When the person first joined it (since it was last taken off the list), epoch ms. */
  joined: number;
  /** The seq the person read up to; 0 before any read. */
  lastRead: number;
}

/** The most rooms one list answers with (the most recently joined): the fan-out of `GET /api/me/rooms` is bounded by it. */
export const MY_ROOMS_MAX = 200;

const SCHEMA = `CREATE TABLE IF NOT EXISTS rooms (
  room TEXT PRIMARY KEY,
  joined INTEGER NOT NULL,
  last_read INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID`;

export class Person extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // Idempotent: on every wake after the first it reads the catalogue and writes nothing.
    this.sql.exec(SCHEMA);
  }

  /**
   * The person joined `room`, whose newest seq is `lastSeq`: what was said
   * before they first joined is not unread for them, so their marker starts
   * there. A room already listed costs no write (the insert does nothing): a
   * rejoin is one RPC and a primary-key lookup. Answers whether the room is
   * new on the list.
   */
  joined(room: string, lastSeq: number, now: number): Result<boolean> {
    try {
      const written = this.sql.exec(
        "INSERT INTO rooms (room, joined, last_read) VALUES (?, ?, ?) ON CONFLICT (room) DO NOTHING",
        room,
        now,
        lastSeq,
      ).rowsWritten;
      return { ok: true, value: written > 0 };
    } catch (error) {
      return this.failed("joined", error);
    }
  }

  /** Moves the marker in `room` forward to `seq`, never back; a room not on the list stays off it. */
  read(room: string, seq: number): Result<null> {
    try {
      this.sql.exec("UPDATE rooms SET last_read = ? WHERE room = ? AND last_read < ?", seq, room, seq);
      return { ok: true, value: null };
    } catch (error) {
      return this.failed("read", error);
    }
  }

  /** The rooms on the list, the most recently joined first, at most MY_ROOMS_MAX. */
  rooms(): Result<ListedRoom[]> {
    try {
      const rows = this.sql
        .exec<{ room: string; joined: number; last_read: number }>(
          "SELECT room, joined, last_read FROM rooms ORDER BY joined DESC LIMIT ?",
          MY_ROOMS_MAX,
        )
        .toArray();
      return { ok: true, value: rows.map((r) => ({ room: r.room, joined: r.joined, lastRead: r.last_read })) };
    } catch (error) {
      return this.failed("rooms", error);
    }
  }

  /** Takes `room` off the list (its marker with it); answers whether it was there. A later join lists it again. */
  forget(room: string): Result<boolean> {
    try {
      return { ok: true, value: this.sql.exec("DELETE FROM rooms WHERE room = ?", room).rowsWritten > 0 };
    } catch (error) {
      return this.failed("forget", error);
    }
  }

  /** An RPC method's answer to a throw, logged without the person's sub (the object's id names it). */
  private failed<T>(where: string, error: unknown): Result<T> {
    logInternal(`person.${where}`, error, {});
    return { ok: false, error: refusal.internal() };
  }
}
