/**
 * The writer's side of a sharded room: the members its shard objects hold
 * (a roster, a cache of theirs), where a new member goes, and what each turn
 * says to them — gathered per shard and sent as one batch per shard per turn
 * (src/server/shard/batch.ts), in order. A room below ROOM_SHARD_MEMBERS has
 * no shards, and none of this costs it anything but an empty map.
 *
 * The truth about who is on a shard is the shard's own sockets: after the
 * writer wakes, {@link Shards.restore} asks each shard it ever placed
 * members on for its roster, and has each fill what it missed by seq.
 */
import type { Disconnect } from "../../shared/codes";
import type { PresentMember, ServerEvent } from "../../shared/events";
import type { Env } from "../env";
import { log, logInternal } from "../platform/log";
import { type Batch, type Item, shardName } from "../shard/batch";
import { type Attachment, presentMemberOf } from "./attachment";
import { itemOf, type V1Shape } from "./connections";
import type { History } from "./history";
import { tableExists } from "./storage";

/** A member on a shard object, as the writer addresses it. */
export class RemotePeer {
  constructor(
    readonly shard: number,
    readonly key: string,
  ) {}
}

export interface Remote {
  peer: RemotePeer;
  att: Attachment;
}

/** Waits before retrying a batch a shard did not take; then it is dropped, and the shard fills the stored events it missed from history at the next one. */
const RETRIES_MS = [50, 250, 1000];
/** How long a placement keeps a place on a shard for a connection that has not been admitted yet. */
const PLACEMENT_HOLD_MS = 10_000;

export class Shards {
  private readonly roster = new Map<string, Remote>();
  /** Admitted members per shard index. */
  private readonly counts = new Map<number, number>();
  /** Per shard, when each placement not yet admitted stops holding its place. */
  private readonly holds = new Map<number, number[]>();
  private readonly outbox = new Map<number, Item[]>();
  private readonly inFlight = new Set<number>();
  private readonly numbers = new Map<number, number>();
  private readonly epoch = crypto.randomUUID();
  /** The highest shard index ever used (stored: the shards to ask after a wake). */
  private highest: number | undefined;
  /** The operator's fan-out counters since this object started: delivery calls to shards. */
  calls = 0;

  constructor(
    private readonly sql: SqlStorage,
    private readonly env: Env,
    private readonly room: string,
    private readonly cap: number,
    private readonly history: History,
  ) {}

  get size(): number {
    return this.roster.size;
  }

  /** Whether new members go to shards: some shard holds or expects members. */
  get active(): boolean {
    for (const n of this.counts.values()) if (n > 0) return true;
    for (const list of this.holds.values()) if (list.some((until) => until > Date.now())) return true;
    return false;
  }

  /** Whether this room ever placed members on shards (they are asked who they hold after a wake). */
  get used(): boolean {
    return this.highestIndex() > 0;
  }

  /** How many shard objects hold members now. */
  get holding(): number {
    let n = 0;
    for (const count of this.counts.values()) if (count > 0) n++;
    return n;
  }

  /** Chooses the shard a new member goes to (the lowest with room) and holds its place until it is admitted. */
  place(): number {
    const now = Date.now();
    let index = 1;
    for (; ; index++) {
      const held = (this.holds.get(index) ?? []).filter((until) => until > now);
      this.holds.set(index, held);
      if ((this.counts.get(index) ?? 0) + held.length < this.cap) break;
    }
    this.holds.get(index)?.push(now + PLACEMENT_HOLD_MS);
    if (index > this.highestIndex()) this.storeHighest(index);
    return index;
  }

  get(peer: RemotePeer): Remote | undefined {
    return this.roster.get(peer.key);
  }

  /** Admits a member its shard accepted: from here on it hears the room. */
  add(conn: Remote): void {
    const { shard, key } = conn.peer;
    this.roster.set(key, conn);
    this.holds.get(shard)?.shift();
    const count = (this.counts.get(shard) ?? 0) + 1;
    this.counts.set(shard, count);
    if (count === 1) log("shard", { room: this.room, shard, change: "added", members: this.roster.size });
    this.push(shard, { kind: "admit", to: key, lastSeq: this.history.lastSeq });
  }

  /** Removes a member once; returns its attachment the first time. */
  remove(peer: RemotePeer): Attachment | null {
    const found = this.roster.get(peer.key);
    if (!found) return null;
    this.roster.delete(peer.key);
    const count = (this.counts.get(peer.shard) ?? 1) - 1;
    this.counts.set(peer.shard, count);
    if (count === 0) log("shard", { room: this.room, shard: peer.shard, change: "dropped", members: this.roster.size });
    return found.att;
  }

  *attachments(): IterableIterator<Attachment> {
    for (const { att } of this.roster.values()) yield att;
  }

  /** The first members the shards hold, in the order they came. */
  first(limit: number): PresentMember[] {
    const out: PresentMember[] = [];
    for (const { att } of this.roster.values()) {
      if (out.length >= limit) break;
      out.push(presentMemberOf(att));
    }
    return out;
  }

  /** The remote connections whose attachment matches. */
  where(match: (att: Attachment) => boolean): Remote[] {
    return [...this.roster.values()].filter((r) => match(r.att));
  }

  /** Sends one event to one member; returns its text as its format shows it, or null. */
  send(conn: Remote, event: ServerEvent): string | null {
    const item = itemOf(event, conn.att);
    if (item !== null) this.push(conn.peer.shard, { kind: "send", to: conn.peer.key, event });
    return item;
  }

  /** Sends an event to every member of every shard but `except`. */
  broadcast(event: ServerEvent, except?: RemotePeer, v1?: V1Shape): void {
    for (const [shard, count] of this.counts) {
      if (count === 0) continue;
      const item: Item = { kind: "broadcast", event };
      if (except?.shard === shard) item.except = except.key;
      if (v1) item.v1 = v1;
      this.push(shard, item);
    }
  }

  close(peer: RemotePeer, how: Disconnect): void {
    this.push(peer.shard, { kind: "close", to: peer.key, how });
  }

  charge(peer: RemotePeer, cost: number): void {
    if (cost > 0) this.push(peer.shard, { kind: "charge", to: peer.key, cost });
  }

  /** Ends a turn: what it said to each shard leaves as one batch, after the shard took the one before. */
  flush(): void {
    for (const shard of this.outbox.keys()) if (!this.inFlight.has(shard)) void this.sendBatch(shard);
  }

  /**
   * After a wake: the roster, asked of every shard ever used, and a batch to
   * each (empty if nothing was said) so that each fills what it missed.
   */
  async restore(): Promise<void> {
    const highest = this.highestIndex();
    const rosters = await Promise.all(
      Array.from({ length: highest }, (_, i) =>
        this.stub(i + 1)
          .roster()
          .catch(() => [] as Attachment[]),
      ),
    );
    for (const [i, atts] of rosters.entries()) {
      const shard = i + 1;
      for (const att of atts) if (att.key) this.roster.set(att.key, { peer: new RemotePeer(shard, att.key), att });
      this.counts.set(shard, atts.length);
      if (atts.length > 0) this.outbox.set(shard, this.outbox.get(shard) ?? []);
    }
    this.flush();
  }

  private push(shard: number, item: Item): void {
    const items = this.outbox.get(shard);
    if (items) items.push(item);
    else this.outbox.set(shard, [item]);
  }

  private async sendBatch(shard: number): Promise<void> {
    const items = this.outbox.get(shard);
    if (!items) return;
    this.outbox.delete(shard);
    this.inFlight.add(shard);
    const n = (this.numbers.get(shard) ?? 0) + 1;
    this.numbers.set(shard, n);
    const batch: Batch = { epoch: this.epoch, n, head: this.history.lastSeq, items };
    try {
      await this.deliver(shard, batch);
    } finally {
      this.inFlight.delete(shard);
    }
    // What later turns said while this one was on its way goes as one batch.
    if (this.outbox.has(shard)) void this.sendBatch(shard);
  }

  private async deliver(shard: number, batch: Batch): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.calls++;
        await this.stub(shard).deliver(batch);
        return;
      } catch (error) {
        const wait = RETRIES_MS[attempt];
        if (wait === undefined) {
          logInternal("shard", error, { room: this.room, shard, n: batch.n });
          return;
        }
        await scheduler.wait(wait);
      }
    }
  }

  private stub(shard: number) {
    return this.env.SHARDS.getByName(shardName(this.room, shard));
  }

  private highestIndex(): number {
    if (this.highest === undefined) {
      this.highest = tableExists(this.sql, "shards")
        ? (this.sql.exec<{ highest: number }>("SELECT highest FROM shards").toArray()[0]?.highest ?? 0)
        : 0;
    }
    return this.highest;
  }

  private storeHighest(index: number): void {
    this.sql.exec("CREATE TABLE IF NOT EXISTS shards (highest INTEGER NOT NULL)");
    this.sql.exec("DELETE FROM shards");
    this.sql.exec("INSERT INTO shards (highest) VALUES (?)", index);
    this.highest = index;
  }
}
