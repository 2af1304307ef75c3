/**
 * The room's live members: which sockets are in the room, with their
 * attachments, and sending to them. The truth is the sockets themselves
 * (`ctx.getWebSockets()` and each one's attachment); the map here is a cache,
 * rebuilt from them on the first use after every wake.
 *
 * Sending: each wire format is serialised once per event, never per socket.
 * Clients of parley.v2 get one frame per turn of the room: inside
 * {@link Connections.batch}, what the turn says to them is gathered and sent
 * as one JSON array at its end (a frame shared by every member that heard
 * the same events; its own list for a member that got a reply, was left
 * out of a broadcast, or came in during the turn).
 */

import type { Disconnect } from "../../shared/codes";
import type { PresentMember, ServerEvent } from "../../shared/events";
import { toTextLine } from "../../shared/format";
import { closeQuietly, trySend } from "../platform/socket";
import { type Attachment, presentMemberOf, readAttachment, writeAttachment } from "./attachment";

/** One member's socket and its state, as handlers see it. */
export interface Connection {
  ws: WebSocket;
  att: Attachment;
}

/** An event in the shape parley.v1 members get, and which members it is not for. */
export interface V1Event {
  event: ServerEvent;
  hiddenFrom: (memberId: string) => boolean;
}

/** What one turn has said to the parley.v2 members so far. */
interface Batch {
  /** Every event broadcast this turn, serialised, in order. */
  shared: string[];
  /** Members whose frame differs from `shared`: their own list. */
  own: Map<WebSocket, string[]>;
}

export class Connections {
  private cache: Map<WebSocket, Attachment> | undefined;
  /** Sockets whose departure was already handled (close and error can both fire). */
  private readonly departed = new WeakSet<WebSocket>();
  private pending: Batch | null = null;
  private depth = 0;

  constructor(private readonly ctx: DurableObjectState) {}

  get size(): number {
    return this.live().size;
  }

  /** The connection of a socket that is still a member, or undefined. */
  get(ws: WebSocket): Connection | undefined {
    const att = this.live().get(ws);
    return att && { ws, att };
  }

  /** Makes a socket a member, with its state stored on the socket. */
  add(conn: Connection): void {
    writeAttachment(conn.ws, conn.att);
    this.live().set(conn.ws, conn.att);
    // It hears only what is said from now on.
    this.pending?.own.set(conn.ws, []);
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
    if (att?.format === "batch") this.deliverTo(ws);
    live.delete(ws);
    if (!att || att.left) return null;
    if (markLeft) writeAttachment(ws, { ...att, left: true });
    return att;
  }

  /** Closes a member's socket, after whatever the turn still had for it. */
  close(ws: WebSocket, how: Disconnect): void {
    if (this.live().get(ws)?.format === "batch") this.deliverTo(ws);
    closeQuietly(ws, how);
  }

  /** Up to `limit` members, the first ones the room knows: O(limit), whatever the room's size. */
  first(limit: number): PresentMember[] {
    const out: PresentMember[] = [];
    for (const att of this.live().values()) {
      if (out.length >= limit) break;
      out.push(presentMemberOf(att));
    }
    return out;
  }

  /** A page of members in id order after `after` (on demand only: it sorts the room). */
  page(after: string | undefined, limit: number): { members: PresentMember[]; next?: string } {
    const all = [...this.live().values()].map(presentMemberOf).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const start = after === undefined ? 0 : all.findIndex((m) => m.id > after);
    const members = start < 0 ? [] : all.slice(start, start + limit);
    const last = members.at(-1);
    return last && start + limit < all.length ? { members, next: last.id } : { members };
  }

  /** The connections of one member (a token member may have several). */
  ofMember(id: string): Connection[] {
    const out: Connection[] = [];
    for (const [ws, att] of this.live()) if (att.id === id) out.push({ ws, att });
    return out;
  }

  /**
   * Runs one turn of the room: what it sends to parley.v2 members goes out
   * at the end, one frame each. Turns may nest; the outermost one sends.
   */
  batch<T>(turn: () => T): T {
    if (this.depth++ === 0) this.pending = { shared: [], own: new Map() };
    try {
      return turn();
    } finally {
      if (--this.depth === 0) this.deliver();
    }
  }

  /** Sends one event to one member, in its format; returns the bytes it adds (0 when nothing). */
  send(conn: Connection, event: ServerEvent): number {
    const { ws, att } = conn;
    if (att.format === "text") {
      const line = toTextLine(event, att.nick);
      return line !== null && trySend(ws, line) ? line.length : 0;
    }
    const json = JSON.stringify(event);
    if (att.format === "json") return trySend(ws, json) ? json.length : 0;
    if (this.pending) this.ownList(ws).push(json);
    else trySend(ws, `[${json}]`);
    return json.length;
  }

  /**
   * Sends an event to every member but `except`. Where parley.v1 members need
   * it in another shape (presence: one event per change), `v1Shape` gives
   * those events, each with the members it is not for. Each shape is
   * serialised once.
   */
  broadcast(event: ServerEvent, except?: WebSocket, v1Shape?: V1Event[]): void {
    let json: string | undefined;
    let v1: { hiddenFrom?: (memberId: string) => boolean; frame: string }[] | undefined;
    let text: string | null | undefined;
    const pending = this.pending;
    for (const [ws, att] of this.live()) {
      if (att.format === "batch") {
        json ??= JSON.stringify(event);
        if (ws === except) {
          if (pending && !pending.own.has(ws)) pending.own.set(ws, [...pending.shared]);
        } else if (!pending) trySend(ws, `[${json}]`);
        else pending.own.get(ws)?.push(json);
        continue;
      }
      if (ws === except) continue;
      if (att.format === "json") {
        json ??= JSON.stringify(event);
        v1 ??= v1Shape ? v1Shape.map((e) => ({ hiddenFrom: e.hiddenFrom, frame: JSON.stringify(e.event) })) : [{ frame: json }];
        for (const { hiddenFrom, frame } of v1) if (!hiddenFrom?.(att.id)) trySend(ws, frame);
      } else {
        if (text === undefined) text = toTextLine(event, "");
        if (text !== null) trySend(ws, text);
      }
    }
    if (pending) pending.shared.push(json ?? JSON.stringify(event));
  }

  private ownList(ws: WebSocket): string[] {
    const pending = this.pending as Batch;
    let list = pending.own.get(ws);
    if (!list) {
      list = [...pending.shared];
      pending.own.set(ws, list);
    }
    return list;
  }

  /** Sends one member what the turn gathered for it, now (it is leaving). */
  private deliverTo(ws: WebSocket): void {
    const pending = this.pending;
    if (!pending) return;
    const list = pending.own.get(ws) ?? pending.shared;
    if (list.length) trySend(ws, `[${list.join(",")}]`);
    pending.own.set(ws, []);
  }

  /** Ends a turn: one frame to each parley.v2 member, the shared one built once. */
  private deliver(): void {
    const pending = this.pending;
    this.pending = null;
    if (!pending || (pending.shared.length === 0 && pending.own.size === 0)) return;
    let shared: string | undefined;
    for (const [ws, att] of this.live()) {
      if (att.format !== "batch") continue;
      const own = pending.own.get(ws);
      if (own) {
        if (own.length) trySend(ws, `[${own.join(",")}]`);
      } else if (pending.shared.length) {
        shared ??= `[${pending.shared.join(",")}]`;
        trySend(ws, shared);
      }
    }
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
