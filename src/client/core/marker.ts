/**
 * A room's read marker as its client keeps it (docs/client.md, "Your
 * rooms"): forward only. A token member's marker is the server's, moved by
 * a `read` frame (sent again on the next `joined` if the room was not open);
 * an anonymous member's is kept in the client's {@link MarkerStore}.
 */

import type { JoinedEvent } from "../../shared/events";
import { joinLocal, type MarkerStore, readLocal } from "./my-rooms";

export interface MarkerOwner {
  readonly room: string;
  readonly markers: MarkerStore;
  /** Whether the room has a token: the server keeps the marker. */
  signedIn(): boolean;
  /** Sends a `read` frame; whether it went out. */
  sendRead(seq: number): boolean;
}

export class ReadMarker {
  /** The highest seq marked (0: none yet). */
  seq = 0;
  /** Whether the server has had `seq` (a token member's). */
  private sent = true;

  constructor(private readonly owner: MarkerOwner) {}

  mark(seq: number): void {
    if (!Number.isSafeInteger(seq) || seq <= this.seq) return;
    this.seq = seq;
    if (this.owner.signedIn()) this.sent = this.owner.sendRead(seq);
    else readLocal(this.owner.markers, this.owner.room, seq);
  }

  /** The room was (re)joined: a marker not yet sent goes now; an anonymous member's room is listed in the store. */
  joined(event: JoinedEvent): void {
    if (this.owner.signedIn()) {
      if (!this.sent) this.sent = this.owner.sendRead(this.seq);
      return;
    }
    joinLocal(this.owner.markers, this.owner.room, event.self.id, event.lastSeq, Date.now());
    // A mark before this first join was not kept: the room was not listed yet.
    if (this.seq > 0) readLocal(this.owner.markers, this.owner.room, this.seq);
  }
}
