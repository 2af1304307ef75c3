/**
 * Read receipts ("seen by") in small rooms: how far members have read, as
 * their `read` frames said (read.ts). Told to the room once per presence
 * window, listing only the markers that moved, and only while the room has
 * at most RECEIPTS_MAX_MEMBERS members: in a bigger room every marker moved
 * would be news to every member, so none are told. A newcomer to a small
 * room finds them in its greeting.
 *
 * Kept in memory: after the room sleeps, receipts start again from the next
 * reads (each person's own marker is kept by their object, src/server/person).
 */
import type { ReadReceipt } from "../../shared/events";
import { presenceWindowMs, RECEIPTS_MAX_MEMBERS } from "../../shared/limits";
import { logInternal } from "../platform/log";
import type { Audience } from "./audience";

export class Receipts {
  private readonly seen = new Map<string, number>();
  private readonly moved = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly room: string,
    private readonly audience: Audience,
  ) {}

  /** A member read up to `seq`: it is told at the window's end, if the room is small and the marker moved forward. */
  read(member: string, seq: number): void {
    if (seq <= (this.seen.get(member) ?? 0)) return;
    this.seen.set(member, seq);
    if (this.audience.size > RECEIPTS_MAX_MEMBERS) return;
    this.moved.add(member);
    this.timer ??= setTimeout(() => this.tellAlone(), presenceWindowMs(this.audience.size));
  }

  /** The receipts of the members present, for a greeting; undefined in a room too big for them. */
  current(): ReadReceipt[] | undefined {
    if (this.audience.size > RECEIPTS_MAX_MEMBERS) return undefined;
    return this.present([...this.seen.keys()]);
  }

  private present(members: string[]): ReadReceipt[] {
    return members
      .filter((member) => this.audience.ofMember(member).length > 0)
      .map((member) => ({ member, seq: this.seen.get(member) ?? 0 }));
  }

  /** The window's end: a turn of its own, and an entry point of the room (its throws stop here). */
  private tellAlone(): void {
    this.timer = undefined;
    try {
      const reads = this.present([...this.moved]);
      this.moved.clear();
      if (reads.length > 0 && this.audience.size <= RECEIPTS_MAX_MEMBERS) {
        this.audience.turn(() => this.audience.broadcast({ type: "receipts", room: this.room, reads }));
      }
    } catch (error) {
      logInternal("receipts", error, { room: this.room });
    }
  }
}
