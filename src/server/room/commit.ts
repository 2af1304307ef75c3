/**
 * Group commit: sends that arrive in the same moment are stored together in
 * one transaction (one write to storage instead of one each), and only then
 * broadcast. A send queues; anything else the room does first has the queue
 * stored and delivered (actions.ts's dispatch), so nothing overtakes a send
 * that arrived before it.
 */
import { refusal } from "../../shared/errors";
import type { Member, ReplyRef } from "../../shared/events";
import type { Result } from "../../shared/validate";
import { logInternal } from "../platform/log";
import type { Audience } from "./audience";
import type { BeforeSend } from "./before-send/check";
import type { Gate } from "./gate";
import type { Appended, History } from "./history";
import type { RoomStats } from "./stats";
import type { Outbox } from "./webhooks/outbox";

/** A send waiting in the queue, and whom to tell once its batch is stored. */
interface PendingSend {
  from: Member;
  /** Whose ids `id` is among (see Sender in attachment.ts). */
  sender: string;
  text: string;
  id: string | undefined;
  replyTo?: ReplyRef;
  /** Member ids the message mentions, stored with it (history.ts's `mentions` table). */
  mentions?: string[];
  /** The sending member's alias, for the log; undefined for an HTTP post. */
  conn?: string;
  /** Called once: what storing did, or the `internal` error (ref = `id`) when the batch was rolled back. */
  settle(result: Result<Appended>): void;
}

/** The parts of the room a group commit uses. */
export interface CommitParts {
  /** RoomParts.atomically: one transaction, and what the parts cached of storage forgotten on a rollback. */
  atomically: <T>(write: () => T) => T;
  history: History;
  audience: Audience;
  room: string;
  /** Each stored message is reported to webhooks in its batch's transaction. */
  webhooks: Outbox;
  stats: RoomStats;
  /** The before-send hook, and the gate that holds the room's input while it is asked. */
  beforeSend: BeforeSend;
  gate: Gate;
}

export class GroupCommit {
  private queue: PendingSend[] = [];

  constructor(private readonly parts: CommitParts) {}

  /** Queues a send to be stored with whatever else arrives in the same moment. */
  enqueue(send: PendingSend): void {
    // A 0 ms wait ends after the frames already waiting for this room have
    // been received, so they all join this batch. scheduler.wait, not
    // setTimeout: workerd runs a 0 ms setTimeout before more of them, and a
    // commit costs far more than a message (docs/performance.md, "Group
    // commit: scheduler.wait").
    if (this.queue.push(send) === 1) void scheduler.wait(0).then(() => this.flushAlone());
  }

  /**
   * Takes every queued send as one batch and stores it (store). With a
   * before-send hook, each send of the batch is shown to it at once, and the
   * room's input waits (gate.ts) until every answer is in: then the batch is
   * stored, in the order it came, as the hook let it — the refused ones
   * answered `rejected`, the replaced ones with their new text.
   */
  flush(): void {
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    const { beforeSend, gate, room } = this.parts;
    if (!beforeSend.on) {
      this.store(batch);
      return;
    }
    const verdicts = Promise.all(
      batch.map(({ from, text, id, replyTo, mentions }) => beforeSend.check({ room, from, text, id, replyTo, mentions })),
    );
    gate.hold(verdicts, (answers) => {
      const allowed: PendingSend[] = [];
      for (const [i, send] of batch.entries()) {
        const verdict = answers[i] ?? { allow: true, text: send.text };
        if (verdict.allow) allowed.push({ ...send, text: verdict.text });
        else send.settle({ ok: false, error: refusal.rejected(verdict.reason, send.id) });
      }
      this.store(allowed);
    });
  }

  /**
   * Stores a batch in one transaction, then broadcasts each new message in
   * seq order. A throw rolls the whole batch back (no part of it is ever
   * visible) and every sender in it gets the `internal` error. The output
   * gate holds the broadcasts until the commit is durable: stored before
   * delivered, always.
   */
  private store(batch: PendingSend[]): void {
    if (batch.length === 0) return;
    const { atomically, history, webhooks, stats, audience, room } = this.parts;
    const now = Date.now();
    let stored: Appended[];
    try {
      stored = atomically(() =>
        webhooks.reportStored(
          batch.map((send) => history.append(send.from, send.sender, send.text, send.id, now, send.replyTo, send.mentions)),
        ),
      );
    } catch (error) {
      logInternal("commit", error, { room, conns: batch.flatMap((send) => send.conn ?? []) });
      for (const send of batch) send.settle({ ok: false, error: refusal.internal(send.id) });
      return;
    }
    stats.stored(stored.filter((result) => result.created).length, now, audience.size);
    for (const [i, result] of stored.entries()) {
      const send = batch[i];
      if (send) this.deliver(send, result);
    }
  }

  /**
   * Broadcasts one stored message and settles its send. The batch is stored
   * already: a throw here is logged and goes no further, so every other send
   * of the batch is still delivered and settled (an HTTP post waits on it).
   */
  private deliver(send: PendingSend, result: Appended): void {
    for (const step of [
      () => result.created && this.parts.audience.broadcast(result.message),
      () => send.settle({ ok: true, value: result }),
    ]) {
      try {
        step();
      } catch (error) {
        logInternal("deliver", error, { room: this.parts.room, conn: send.conn });
      }
    }
  }

  /** The flush the 0 ms wait runs: a turn of its own, and an entry point of the room (its throws stop here). */
  private flushAlone(): void {
    try {
      this.parts.audience.turn(() => this.flush());
    } catch (error) {
      logInternal("commit", error, { room: this.parts.room });
    }
  }
}
