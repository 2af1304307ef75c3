/**
 * A shard's side of its room's batches (batch.ts): each applied once, in
 * order, as one turn of the shard's `Connections` — the same delivery a room
 * does to its own members, in their formats. The shard remembers, in its own
 * storage, the last batch it applied and the newest seq its members have
 * heard (`through`), so a retried batch is not applied twice, and a stored
 * event it never got (a batch lost while the room restarted) is fetched from
 * the room's history by seq and delivered before what follows it.
 */
import type { ServerEvent, StoredEvent } from "../../shared/events";
import { encode } from "../../shared/format";
import { PAGE_MAX } from "../../shared/limits";
import { trySend } from "../platform/socket";
import type { TokenBucket } from "../platform/token-bucket";
import { readAttachment, readWaiting, writeAttachment } from "../room/attachment";
import type { Connections } from "../room/connections";
import type { Room } from "../room/room";
import type { Batch, Item } from "./batch";

interface FeedState {
  epoch: string;
  n: number;
  /** The newest seq broadcast to this shard's members; null while it has none. */
  through: number | null;
}

const STATE_KEY = "feed";

/** The seq of an event on the room's seq stream; undefined for one that is not stored (presence, typing). */
function seqOf(event: ServerEvent): number | undefined {
  return "seq" in event && typeof event.seq === "number" ? event.seq : undefined;
}

export class Feed {
  private state: FeedState | undefined;
  private queue: Promise<void> = Promise.resolve();
  private sockets: Map<string, WebSocket> | undefined;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly connections: Connections,
    private readonly writer: DurableObjectStub<Room>,
    private readonly bucket: (ws: WebSocket) => TokenBucket,
  ) {}

  /** Applies a batch after the ones before it. */
  apply(batch: Batch): Promise<void> {
    const run = this.queue.then(() => this.applyNow(batch));
    this.queue = run.catch(() => {});
    return run;
  }

  /** Remembers a socket accepted and waiting to be admitted, by its key. */
  waiting(key: string, ws: WebSocket): void {
    this.socketsByKey().set(key, ws);
  }

  /** A socket that closed. */
  forget(key: string): void {
    this.sockets?.delete(key);
  }

  private async applyNow(batch: Batch): Promise<void> {
    const state = this.load();
    if (state.epoch === batch.epoch && batch.n <= state.n) return;
    const missed = await this.missed(state, batch);
    this.connections.turn(() => {
      for (const event of missed) this.broadcast(state, event);
      for (const item of batch.items) this.applyItem(state, item);
    });
    state.epoch = batch.epoch;
    state.n = batch.n;
    if (this.connections.size === 0) state.through = null;
    this.ctx.storage.kv.put(STATE_KEY, state);
  }

  /** The stored events between what the members heard and the batch's first, from the room's history. */
  private async missed(state: FeedState, batch: Batch): Promise<StoredEvent[]> {
    if (state.through === null || this.connections.size === 0) return [];
    const stored = batch.items.find((item) => item.kind === "broadcast" && seqOf(item.event) !== undefined);
    const first = stored?.kind === "broadcast" ? seqOf(stored.event) : undefined;
    const upto = (first ?? batch.head + 1) - 1;
    const out: StoredEvent[] = [];
    let since = state.through;
    while (since < upto) {
      const page = await this.writer.messages(since, Math.min(PAGE_MAX, upto - since));
      if (!page.ok || page.value.length === 0) break;
      for (const event of page.value) if (event.seq <= upto) out.push(event);
      since = page.value.at(-1)?.seq ?? upto;
    }
    return out;
  }

  private broadcast(state: FeedState, event: ServerEvent, except?: WebSocket, v1?: Extract<Item, { kind: "broadcast" }>["v1"]): void {
    const seq = seqOf(event);
    // Heard already: a batch's event the history fill delivered first.
    if (seq !== undefined && state.through !== null && seq <= state.through) return;
    this.connections.broadcast(event, except, v1);
    if (seq !== undefined) state.through = seq;
  }

  private applyItem(state: FeedState, item: Item): void {
    if (item.kind === "broadcast") {
      this.broadcast(state, item.event, item.except === undefined ? undefined : this.socketsByKey().get(item.except), item.v1);
      return;
    }
    const ws = this.socketsByKey().get(item.to);
    if (!ws) return;
    switch (item.kind) {
      case "admit": {
        const att = readWaiting(ws);
        if (!att) return;
        // The first member of an empty shard has heard the room up to its greeting.
        if (this.connections.size === 0) state.through = item.lastSeq;
        writeAttachment(ws, att);
        this.connections.add({ ws, att });
        return;
      }
      case "send": {
        const att = this.connections.attachment(ws);
        if (att) this.connections.send({ ws, att }, item.event);
        else this.sendWaiting(ws, item.event);
        return;
      }
      case "close":
        this.connections.remove(ws, true);
        this.connections.close(ws, item.how);
        this.forget(item.to);
        return;
      case "charge":
        this.bucket(ws).charge(Date.now(), item.cost);
        return;
    }
  }

  /** To a socket not admitted (a refusal before its greeting): in its format, at once. */
  private sendWaiting(ws: WebSocket, event: ServerEvent): void {
    const att = readWaiting(ws);
    const frame = att && encode(event, att.format, att.nick);
    if (frame) trySend(ws, frame);
  }

  private load(): FeedState {
    this.state ??= this.ctx.storage.kv.get<FeedState>(STATE_KEY) ?? { epoch: "", n: 0, through: null };
    return this.state;
  }

  private socketsByKey(): Map<string, WebSocket> {
    if (!this.sockets) {
      this.sockets = new Map();
      for (const ws of this.ctx.getWebSockets()) {
        const key = (readAttachment(ws) ?? readWaiting(ws))?.key;
        if (key) this.sockets.set(key, ws);
      }
    }
    return this.sockets;
  }
}
