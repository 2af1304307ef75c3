/**
 * Presence that scales: arrivals and departures are gathered over a window
 * and told to the room as one event, so a member hears at most one presence
 * event per window however many people come and go. The window grows with
 * the room (presenceWindowMs) and the event lists at most PRESENCE_LIST_MAX
 * of each, so what a join costs in frames and bytes does not grow with the
 * room; the count is always exact, and the full list is a `members` request
 * away.
 *
 * parley.v2 members get one `presence_changes` event; parley.v1 members the
 * one-per-change `presence` events they always had (a member is not told of
 * its own arrival); text members nothing.
 *
 * The changes wait in memory for at most one window: a forced eviction in
 * that window drops them, and the next event's count is right again.
 */
import type { PresenceChangesEvent, PresenceEvent, PresentMember } from "../../shared/events";
import { PRESENCE_LIST_MAX, presenceWindowMs } from "../../shared/limits";
import { log, logInternal } from "../platform/log";
import type { Audience } from "./audience";
import type { V1Event } from "./connections";
import type { Outbox } from "./webhooks/outbox";

export class Presence {
  private readonly joined = new Map<string, PresentMember>();
  private readonly left = new Map<string, PresentMember>();
  /** When, in this window, each change happened (a counter): a member that came in later already knew. */
  private readonly order = new Map<string, number>();
  private changes = 0;
  /** Members who came and went within this window: nobody is told, but the log counts them. */
  private brief = 0;
  /** The window's latest change: with a long window, the one that carries the final count to everyone. */
  private latest: { event: "join" | "leave"; member: PresentMember } | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly room: string,
    private readonly audience: Audience,
    /** Told each window's arrivals and departures, in full, as `member.joined` / `member.left`. */
    private readonly webhooks: Outbox,
  ) {}

  /** What the logs call each member told of in this window (see Attachment.alias). */
  private readonly aliases = new Map<string, string>();

  arrived(member: PresentMember, alias: string): void {
    this.aliases.set(member.id, alias);
    // Back within the window: its departure was never told, so neither is this.
    if (!this.left.delete(member.id)) this.joined.set(member.id, member);
    this.order.set(member.id, ++this.changes);
    this.latest = { event: "join", member };
    this.schedule();
  }

  departed(member: PresentMember, alias: string): void {
    this.aliases.set(member.id, alias);
    // Came and went within the window: nobody needs to hear of either.
    if (this.joined.delete(member.id)) this.brief++;
    else this.left.set(member.id, member);
    this.order.set(member.id, ++this.changes);
    this.latest = { event: "leave", member };
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.tellAlone(), presenceWindowMs(this.audience.size));
  }

  /** The window's end: a turn of its own, and an entry point of the room (its throws stop here). */
  private tellAlone(): void {
    try {
      this.audience.turn(() => this.tell());
    } catch (error) {
      logInternal("presence", error, { room: this.room });
    }
  }

  /** Tells the room what changed since the last window. */
  private tell(): void {
    this.timer = undefined;
    const count = this.audience.size;
    const joined = [...this.joined.values()].slice(0, PRESENCE_LIST_MAX);
    const left = [...this.left.values()].slice(0, PRESENCE_LIST_MAX);
    // The room's one log line for the window (see log.ts), naming whom the
    // event lists by their aliases: a token member's id is its sub.
    const aliasOf = (m: PresentMember) => this.aliases.get(m.id) ?? "unnamed";
    log("presence", {
      room: this.room,
      joined: this.joined.size,
      left: this.left.size,
      brief: this.brief,
      members: count,
      ids: { joined: joined.map(aliasOf), left: left.map(aliasOf) },
    });
    this.aliases.clear();
    this.brief = 0;
    if (this.joined.size === 0 && this.left.size === 0) {
      this.order.clear();
      this.latest = undefined;
      return;
    }
    this.webhooks.reportPresence(this.joined.values(), this.left.values(), count);
    const more = this.joined.size > joined.length || this.left.size > left.length;
    this.joined.clear();
    this.left.clear();
    const changes: PresenceChangesEvent = { type: "presence_changes", room: this.room, joined, left, count };
    if (more) changes.more = true;
    // A parley.v1 member is not told of itself, nor of what happened before
    // it came (its `joined` showed the room as it was then): each event is
    // hidden from members ranked after its subject in the window's order.
    const order = Object.fromEntries(this.order);
    this.order.clear();
    const events: V1Event[] = [
      ...joined.map((member) => ({ event: this.v1("join", member, count), subject: member.id, rank: order[member.id] ?? 0 })),
      ...left.map((member) => ({ event: this.v1("leave", member, count), rank: order[member.id] ?? 0 })),
    ];
    // With changes left out, a member who came after all the listed ones would
    // hear none of them, and keep a stale count: the latest change goes to
    // everyone but its subject, with the count as it now is.
    const latest = this.latest;
    this.latest = undefined;
    if (more && latest && !joined.includes(latest.member) && !left.includes(latest.member)) {
      events.push({ event: this.v1(latest.event, latest.member, count), subject: latest.member.id });
    }
    this.audience.broadcast(changes, undefined, { events, order });
  }

  private v1(event: "join" | "leave", member: PresentMember, count: number): PresenceEvent {
    return { type: "presence", room: this.room, event, member, count };
  }
}
