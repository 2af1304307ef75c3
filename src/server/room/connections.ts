/**
 * The room's live members: which sockets are in the room, with their
 * attachments, and sending to them. The truth is the sockets themselves
 * (`ctx.getWebSockets()` and each one's attachment); the map here is a cache,
 * rebuilt from them on the first use after every wake.
 *
 * Sending: each wire format is serialised once per event, never per socket.
 * Members of a gathered format (parley.v2's JSON arrays, and the relay's
 * upstream, which takes text lines) get one frame per turn of the room:
 * inside {@link Connections.turn}, what the turn says to them is gathered
 * and sent at its end (a frame shared by every member that heard the same
 * events; its own list for a member that got a reply, was left out of a
 * broadcast, or came in during the turn).
 */

import type { Disconnect } from "../../shared/codes";
import type { PresentMember, ServerEvent } from "../../shared/events";
import { type Format, toTextLine } from "../../shared/format";
import { closeQuietly, trySend } from "../platform/socket";
import { type Attachment, presentMemberOf, readAttachment, writeAttachment } from "./attachment";

/** A member whose socket this object holds, and its state. */
export interface Held {
  ws: WebSocket;
  att: Attachment;
}

/**
 * An event in the shape parley.v1 members get (presence: one event per
 * change), and whom it is hidden from: its `subject`, and every member whose
 * rank in the window's `order` is above `rank` (it came in later, and its
 * greeting already showed the change). Data only, so that a shard object can
 * be handed it too.
 */
export interface V1Event {
  event: ServerEvent;
  subject?: string;
  rank?: number;
}

/** The parley.v1 shape of a broadcast: its events, and the order members changed in, by member id. */
export interface V1Shape {
  events: V1Event[];
  order: Record<string, number>;
}

/** Whether a parley.v1 event is hidden from a member. */
function hidden(e: V1Event, order: Record<string, number>, memberId: string): boolean {
  return memberId === e.subject || (e.rank !== undefined && (order[memberId] ?? 0) > e.rank);
}

/** A member's text for one event in its format (text lines, or JSON), or null when its format shows nothing of it. */
export function itemOf(event: ServerEvent, att: Attachment): string | null {
  return att.format === "text" || att.format === "lines" ? toTextLine(event, att.nick) : JSON.stringify(event);
}

/** The gathered formats, whose members get one frame per turn, and how a frame is made of its items. */
const GATHERED = {
  /** parley.v2: a JSON array of events. */
  v2: (items: string[]) => `[${items.join(",")}]`,
  /** The relay's upstream (parley.lines): text lines, one per line of the frame. */
  lines: (items: string[]) => items.join("\n"),
} as const;
type Gathered = keyof typeof GATHERED;
const GATHERED_FORMATS = Object.keys(GATHERED) as Gathered[];
const isGathered = (format: Format): format is Gathered => format in GATHERED;

/** What one turn has said, so far, to the members of one gathered format. */
interface Channel {
  /** Every broadcast item of this turn, in order (an event serialised, or a text line). */
  shared: string[];
  /** Members whose frame differs from `shared`: their own list. */
  own: Map<WebSocket, string[]>;
}

export class Connections {
  private cache: Map<WebSocket, Attachment> | undefined;
  /** Sockets whose departure was already handled (close and error can both fire). */
  private readonly departed = new WeakSet<WebSocket>();
  private pending: Record<Gathered, Channel> | null = null;
  private depth = 0;
  /** The first members, as {@link first} last listed them, and their sockets: the same for every joiner until one of them leaves. */
  private firstPage: { limit: number; members: PresentMember[]; sockets: Set<WebSocket> } | undefined;

  /** Frames sent to this object's sockets since it started (the operator's fan-out counters). */
  frames = 0;

  constructor(private readonly ctx: DurableObjectState) {}

  get size(): number {
    return this.live().size;
  }

  /** The attachment of a socket that is still a member, or undefined (a lookup, nothing made: it runs per frame). */
  attachment(ws: WebSocket): Attachment | undefined {
    return this.live().get(ws);
  }

  /** Makes a socket a member, with its state stored on the socket. */
  add(conn: Held): void {
    writeAttachment(conn.ws, conn.att);
    const live = this.live().set(conn.ws, conn.att);
    // A newcomer is among the first members only while the room is smaller than the page.
    if (this.firstPage && live.size <= this.firstPage.limit) this.firstPage = undefined;
    // It hears only what is said from now on.
    if (isGathered(conn.att.format)) this.pending?.[conn.att.format].own.set(conn.ws, []);
  }

  /**
   * Removes a socket once, however it went; returns its attachment the first
   * time, so the caller announces the departure exactly once. What the turn
   * still had for it is sent first. `markLeft` also records the departure
   * on the socket, so a wake before the close completes cannot bring the
   * member back.
   */
  remove(ws: WebSocket, markLeft = false): Attachment | null {
    if (this.departed.has(ws)) return null;
    this.departed.add(ws);
    const live = this.live();
    const att = live.get(ws) ?? readAttachment(ws);
    if (att && isGathered(att.format)) this.deliverTo(ws, att.format);
    live.delete(ws);
    if (this.firstPage?.sockets.has(ws)) this.firstPage = undefined;
    if (!att || att.left) return null;
    if (markLeft) writeAttachment(ws, { ...att, left: true });
    return att;
  }

  /**
   * Closes a member's socket, after whatever the turn still had for it.
   *
   * The close frame leaves at once, whoever's event this is (a moderator's
   * kick closes another member's socket). Under wrangler dev the TCP
   * connection under a socket its client has never sent a frame on (not even
   * `ping`) is kept by the runtime after the close handshake until the room
   * hibernates, about 10 s after its last event; a socket that has carried
   * one frame from its client is let go within milliseconds. Nothing a room
   * can call on the socket after its close changes that (a second close is
   * ignored, a send throws), so a client that waits for the TCP connection
   * to end (`ws`) hears the close late, while one that acts on the close
   * frame (or on the error before it) does not. test/node/kick-close.test.ts
   * measures both.
   */
  close(ws: WebSocket, how: Disconnect): void {
    const format = this.live().get(ws)?.format;
    if (format && isGathered(format)) this.deliverTo(ws, format);
    closeQuietly(ws, how);
  }

  /**
   * Up to `limit` members, the first ones the room knows (in the order they
   * came): O(limit), whatever the room's size, and built once for every
   * greeting until one of them leaves (members come after them, so a join
   * changes the list only while the room is smaller than a page). The list is
   * shared: callers must not change it.
   */
  first(limit: number): PresentMember[] {
    if (this.firstPage?.limit === limit) return this.firstPage.members;
    const members: PresentMember[] = [];
    const sockets = new Set<WebSocket>();
    for (const [ws, att] of this.live()) {
      if (members.length >= limit) break;
      members.push(presentMemberOf(att));
      sockets.add(ws);
    }
    this.firstPage = { limit, members, sockets };
    return members;
  }

  /** Every member this object holds. */
  attachments(): IterableIterator<Attachment> {
    return this.live().values();
  }

  /** The members this object holds whose attachment matches. */
  ofMatching(match: (att: Attachment) => boolean): Held[] {
    const out: Held[] = [];
    for (const [ws, att] of this.live()) if (match(att)) out.push({ ws, att });
    return out;
  }

  /**
   * Runs one turn of the room: what it sends to members of a gathered format
   * goes out at the end, one frame each. Turns may nest; the outermost one
   * sends.
   */
  turn<T>(run: () => T): T {
    if (this.depth++ === 0) {
      this.pending = { v2: { shared: [], own: new Map() }, lines: { shared: [], own: new Map() } };
    }
    try {
      return run();
    } finally {
      if (--this.depth === 0) this.deliver();
    }
  }

  /**
   * Sends one event to one member, in its format; returns the event's text
   * as it goes on the wire (serialised once: a caller that charges for its
   * size measures this), or null when nothing was sent.
   */
  send(conn: Held, event: ServerEvent): string | null {
    const { ws, att } = conn;
    const item = itemOf(event, att);
    if (item === null) return null;
    if (!isGathered(att.format)) return this.frame(ws, item) ? item : null;
    if (this.pending) this.ownList(att.format, ws).push(item);
    else this.frame(ws, GATHERED[att.format]([item]));
    return item;
  }

  /**
   * Sends an event to every member but `except`. Where parley.v1 members need
   * it in another shape (presence: one event per change), `v1Shape` gives
   * those events, each with the members it is not for. Each shape is
   * serialised once.
   */
  broadcast(event: ServerEvent, except?: WebSocket, v1Shape?: V1Shape): void {
    let json: string | undefined;
    let v1: { e?: V1Event; frame: string }[] | undefined;
    let text: string | null | undefined;
    const pending = this.pending;
    // Which gathered formats this room has members of: only theirs gather the event.
    const seen = { v2: false, lines: false };
    for (const [ws, att] of this.live()) {
      const format = att.format;
      if (format === "v1") {
        if (ws === except) continue;
        json ??= JSON.stringify(event);
        v1 ??= v1Shape ? v1Shape.events.map((e) => ({ e, frame: JSON.stringify(e.event) })) : [{ frame: json }];
        for (const { e, frame } of v1) if (!e || !v1Shape || !hidden(e, v1Shape.order, att.id)) this.frame(ws, frame);
        continue;
      }
      let item: string | null;
      if (format === "v2") item = json ??= JSON.stringify(event);
      else {
        if (text === undefined) text = toTextLine(event, "");
        item = text;
      }
      if (format === "text") {
        if (ws !== except && item !== null) this.frame(ws, item);
        continue;
      }
      seen[format] = true;
      const channel = pending?.[format];
      if (!channel) {
        if (ws !== except && item !== null) this.frame(ws, GATHERED[format]([item]));
      } else if (ws === except) {
        // Left out of this one: from here on it needs its own list.
        if (!channel.own.has(ws)) channel.own.set(ws, [...channel.shared]);
      } else if (item !== null) channel.own.get(ws)?.push(item);
    }
    if (pending && seen.v2 && json !== undefined) pending.v2.shared.push(json);
    if (pending && seen.lines && typeof text === "string") pending.lines.shared.push(text);
  }

  private ownList(format: Gathered, ws: WebSocket): string[] {
    const channel = (this.pending as Record<Gathered, Channel>)[format];
    let list = channel.own.get(ws);
    if (!list) {
      list = [...channel.shared];
      channel.own.set(ws, list);
    }
    return list;
  }

  /** Sends one member what the turn gathered for it, now (it is leaving). */
  private deliverTo(ws: WebSocket, format: Gathered): void {
    const channel = this.pending?.[format];
    if (!channel) return;
    const list = channel.own.get(ws) ?? channel.shared;
    if (list.length) this.frame(ws, GATHERED[format](list));
    channel.own.set(ws, []);
  }

  /**
   * Ends a turn: one frame to each member of a gathered format, the shared one
   * built once per format. A turn that broadcast nothing (a join, a reply)
   * visits only the members it said something to, not the whole room.
   */
  private deliver(): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending) return;
    const shared: Partial<Record<Gathered, string>> = {};
    for (const format of GATHERED_FORMATS) {
      const channel = pending[format];
      if (channel.shared.length) shared[format] = GATHERED[format](channel.shared);
      for (const [ws, own] of channel.own) if (own.length) this.frame(ws, GATHERED[format](own));
    }
    if (shared.v2 === undefined && shared.lines === undefined) return;
    for (const [ws, att] of this.live()) {
      if (!isGathered(att.format)) continue;
      const frame = shared[att.format];
      if (frame !== undefined && !pending[att.format].own.has(ws)) this.frame(ws, frame);
    }
  }

  /** Sends one frame, counted. */
  private frame(ws: WebSocket, data: string): boolean {
    this.frames++;
    return trySend(ws, data);
  }

  private live(): Map<WebSocket, Attachment> {
    if (!this.cache) {
      this.cache = new Map();
      for (const ws of this.ctx.getWebSockets()) {
        const att = readAttachment(ws);
        if (att && !att.left && !this.departed.has(ws)) this.cache.set(ws, att);
      }
    }
    return this.cache;
  }
}
