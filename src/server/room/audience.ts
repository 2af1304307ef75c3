/**
 * Everyone the room's writer speaks to: the members whose sockets it holds
 * itself (connections.ts) and, in a room past ROOM_SHARD_MEMBERS, those its
 * shard objects hold (shards.ts). Handlers see one audience and one kind of
 * connection: where a member's socket lives is decided here, once.
 */
import type { Disconnect } from "../../shared/codes";
import type { PresentMember, ServerEvent } from "../../shared/events";
import type { TokenBucket } from "../platform/token-bucket";
import { type Attachment, presentMemberOf } from "./attachment";
import type { Connections, V1Shape } from "./connections";
import { RemotePeer, type Shards } from "./shards";

/** A member's socket: one this object holds, or one on a shard. */
export type Peer = WebSocket | RemotePeer;

/** One member's connection and its state, as handlers see it. */
export interface Connection {
  peer: Peer;
  att: Attachment;
}

const isRemote = (peer: Peer | undefined): peer is RemotePeer => peer instanceof RemotePeer;

export class Audience {
  private depth = 0;

  constructor(
    private readonly local: Connections,
    private readonly shards: Shards,
    /** The rate limit of a socket this object holds (a shard keeps its own members'). */
    private readonly bucket: (ws: WebSocket) => TokenBucket,
  ) {}

  /** Turns of the room since this object started (the operator's fan-out counters). */
  turns = 0;

  get size(): number {
    return this.local.size + this.shards.size;
  }

  /** Members whose sockets this object holds itself. */
  get own(): number {
    return this.local.size;
  }

  /** Frames sent to the sockets this object holds, since it started. */
  get frames(): number {
    return this.local.frames;
  }

  /** How many objects hold members now: 1 for a room without shards, empty or not. */
  get objects(): number {
    return Math.max(1, (this.local.size > 0 ? 1 : 0) + this.shards.holding);
  }

  /** The connection of a peer that is still a member, or undefined. */
  get(peer: Peer): Connection | undefined {
    if (isRemote(peer)) return this.shards.get(peer);
    const att = this.local.attachment(peer);
    return att && { peer, att };
  }

  add(conn: Connection): void {
    if (isRemote(conn.peer)) this.shards.add({ peer: conn.peer, att: conn.att });
    else this.local.add({ ws: conn.peer, att: conn.att });
  }

  /** Removes a member once, however it went; returns its attachment the first time (see Connections.remove). */
  remove(peer: Peer, markLeft = false): Attachment | null {
    return isRemote(peer) ? this.shards.remove(peer) : this.local.remove(peer, markLeft);
  }

  /** Closes a member's socket, after whatever the turn still had for it. */
  close(peer: Peer, how: Disconnect): void {
    if (isRemote(peer)) this.shards.close(peer, how);
    else this.local.close(peer, how);
  }

  /** Charges a member's rate limit for a reply whose size it chose. */
  charge(conn: Connection, cost: number): void {
    if (isRemote(conn.peer)) this.shards.charge(conn.peer, cost);
    else this.bucket(conn.peer).charge(Date.now(), cost);
  }

  /** Up to `limit` of the first members (see Connections.first): this object's first, then the shards'. */
  first(limit: number): PresentMember[] {
    const own = this.local.first(limit);
    if (own.length >= limit || this.shards.size === 0) return own;
    return [...own, ...this.shards.first(limit - own.length)];
  }

  /** A page of members in id order after `after` (on demand only: it sorts the room). */
  page(after: string | undefined, limit: number): { members: PresentMember[]; next?: string } {
    const all: PresentMember[] = [];
    for (const att of this.local.attachments()) all.push(presentMemberOf(att));
    for (const att of this.shards.attachments()) all.push(presentMemberOf(att));
    all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const start = after === undefined ? 0 : all.findIndex((m) => m.id > after);
    const members = start < 0 ? [] : all.slice(start, start + limit);
    const last = members.at(-1);
    return last && start + limit < all.length ? { members, next: last.id } : { members };
  }

  /** The connections of one member (a token member may have several). */
  ofMember(id: string): Connection[] {
    return this.matching((att) => att.id === id);
  }

  /** The connections of one identity (a ban's reach). */
  ofIdentity(identity: string): Connection[] {
    return this.matching((att) => att.identity === identity);
  }

  /** Runs one turn: its gathered frames go out at the end, and what it said to each shard as one batch. */
  turn<T>(run: () => T): T {
    if (this.depth++ === 0) this.turns++;
    try {
      return this.local.turn(run);
    } finally {
      if (--this.depth === 0) this.shards.flush();
    }
  }

  /** Sends one event to one member; returns its text as it goes on the wire, or null when nothing was sent. */
  send(conn: Connection, event: ServerEvent): string | null {
    const { peer, att } = conn;
    return isRemote(peer) ? this.shards.send({ peer, att }, event) : this.local.send({ ws: peer, att }, event);
  }

  /** Sends an event to every member but `except` (see Connections.broadcast for `v1`). */
  broadcast(event: ServerEvent, except?: Peer, v1?: V1Shape): void {
    this.local.broadcast(event, isRemote(except) ? undefined : except, v1);
    if (this.shards.size > 0) this.shards.broadcast(event, isRemote(except) ? except : undefined, v1);
  }

  private matching(match: (att: Attachment) => boolean): Connection[] {
    const out: Connection[] = [];
    for (const held of this.local.ofMatching(match)) out.push({ peer: held.ws, att: held.att });
    for (const remote of this.shards.where(match)) out.push(remote);
    return out;
  }
}
