/**
 * The reactions on a room's messages, tallied from its `reaction` events
 * (docs/protocol.md, "Messages that change"): per message, per emoji, who
 * has it on.
 *
 * Events may arrive in any order — live, in a `joined` history, in a page
 * of older messages fetched after newer ones — so each member's vote is the
 * one of its newest event (by seq), never simply the last one applied.
 *
 * Why events are enough, without asking `GET …/messages/:seq`: a reaction is
 * always stored after the message it is on, so its seq is larger. A page
 * shows a message only from a history window that ends at the room's newest
 * event (the `joined` history, a resume, a gap page), or from an older page
 * that reaches up to where the page's window starts; either way every
 * reaction on that message is in what the page has received.
 *
 * Pure: no sockets, timers or DOM.
 */
import type { ReactionEvent } from "../../shared/events";

/** One emoji on one message, as a view shows it. */
export interface ReactionChip {
  emoji: string;
  /** How many members have it on (at least 1). */
  count: number;
  /** Whether `self` has it on: what a click would take back. */
  mine: boolean;
  /** The nicks of those who have it on, in the order they reacted. */
  nicks: string[];
}

interface Vote {
  seq: number;
  on: boolean;
  nick: string;
}

interface Tally {
  /** The smallest seq seen for this emoji on this message: chips keep the order emoji were first used in. */
  first: number;
  /** Member id → that member's newest vote. */
  votes: Map<string, Vote>;
}

export class Reactions {
  private readonly byTarget = new Map<number, Map<string, Tally>>();
  /** Deleted messages: their reactions were removed for good. */
  private readonly gone = new Set<number>();

  /** Applies a `reaction` event; returns whether it changed what its message shows. */
  apply(event: ReactionEvent): boolean {
    if (this.gone.has(event.target)) return false;
    let emojis = this.byTarget.get(event.target);
    if (!emojis) {
      emojis = new Map();
      this.byTarget.set(event.target, emojis);
    }
    let tally = emojis.get(event.emoji);
    if (!tally) {
      tally = { first: event.seq, votes: new Map() };
      emojis.set(event.emoji, tally);
    }
    tally.first = Math.min(tally.first, event.seq);
    const vote = tally.votes.get(event.from.id);
    if (vote && vote.seq >= event.seq) return false;
    tally.votes.set(event.from.id, { seq: event.seq, on: event.on, nick: event.from.nick });
    return (vote?.on ?? false) !== event.on;
  }

  /** The message was deleted: it shows no reactions, now or when older events about it arrive. */
  clear(target: number): void {
    this.byTarget.delete(target);
    this.gone.add(target);
  }

  /** The chips of a message, in the order their emoji were first used; `self` is the member id whose votes are "mine". */
  of(target: number, self?: string): ReactionChip[] {
    const emojis = this.byTarget.get(target);
    if (!emojis) return [];
    const chips: ReactionChip[] = [];
    for (const [emoji, tally] of [...emojis].sort((a, b) => a[1].first - b[1].first)) {
      const on = [...tally.votes.values()].filter((v) => v.on).sort((a, b) => a.seq - b.seq);
      if (!on.length) continue;
      chips.push({ emoji, count: on.length, mine: self !== undefined && tally.votes.get(self)?.on === true, nicks: on.map((v) => v.nick) });
    }
    return chips;
  }
}
