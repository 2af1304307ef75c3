// The outbox on a room's real storage (a Durable Object of the test run): an
// event is stored with the write it reports or not at all, the cap sheds the
// oldest, and an event keeps its webhook-id through retries, its dead letter
// and a replay.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { EditEvent } from "../../../shared/events";
import type { WebhookConfig } from "./config";
import { Outbox } from "./outbox";

const CONFIG: WebhookConfig = { url: "http://127.0.0.1:9/hooks", secret: undefined, max: 10, timeoutMs: 1000, retryMs: [10, 20] };

const edit = (seq: number): EditEvent => ({
  type: "edit",
  room: "r",
  seq,
  target: 1,
  text: "new",
  from: { id: "a", nick: "alice" },
  ts: 1_000,
});

/** Runs `fn` with an outbox on the storage of a fresh room object; the alarm the outbox set is taken back after. */
function withOutbox<T>(fn: (outbox: Outbox, storage: DurableObjectStorage) => T | Promise<T>): Promise<T> {
  return runInDurableObject(env.ROOMS.getByName(`outbox-${crypto.randomUUID()}`), async (_room, state) => {
    try {
      return await fn(new Outbox(state.storage, CONFIG, "r"), state.storage);
    } finally {
      await state.storage.deleteAlarm();
    }
  });
}

describe("webhook outbox", () => {
  it("stores an event with the write it reports, and not at all when that write rolls back", async () => {
    const [afterRollback, afterCommit, body] = await withOutbox((outbox, storage) => {
      expect(() =>
        storage.transactionSync(() => {
          outbox.report(edit(2));
          throw new Error("the write failed");
        }),
      ).toThrow("the write failed");
      outbox.forget();
      const rolledBack = outbox.backlog;
      storage.transactionSync(() => outbox.report(edit(3)));
      return [rolledBack, outbox.backlog, outbox.due(Date.now(), 10)[0]?.body];
    });
    expect(afterRollback).toBe(0);
    expect(afterCommit).toBe(1);
    expect(JSON.parse(body ?? "{}")).toEqual({ type: "message.edited", timestamp: new Date(1_000).toISOString(), data: edit(3) });
  });

  it("keeps only a message's latest text in events not yet sent, and none once it is deleted", async () => {
    const [edited, deleted] = await withOutbox((outbox) => {
      const from = { id: "a", nick: "alice" };
      outbox.report({ type: "message", room: "r", seq: 1, id: "m1", from, text: "first-secret", ts: 1 });
      outbox.report({
        type: "message",
        room: "r",
        seq: 2,
        id: "m2",
        from,
        text: "a reply",
        ts: 2,
        replyTo: { seq: 1, nick: "alice", snippet: "first-secret" },
      });
      outbox.report({ type: "edit", room: "r", seq: 3, target: 1, text: "second-secret", from, ts: 3 });
      outbox.rewrite(1, "second-secret");
      const bodies = () => outbox.due(Date.now(), 10).map((p) => JSON.parse(p.body).data);
      const afterEdit = bodies();
      outbox.tombstone(1);
      return [afterEdit, bodies()];
    });
    expect(edited.map((d) => d.text ?? d.replyTo?.snippet)).toEqual(["second-secret", "a reply", "second-secret"]);
    expect(edited[0]).toMatchObject({ edited: true });
    expect(edited[1].replyTo).toMatchObject({ snippet: "second-secret" });
    expect(JSON.stringify(deleted)).not.toMatch(/secret/);
    expect(deleted[0]).toEqual({
      type: "message",
      room: "r",
      seq: 1,
      id: "m1",
      from: { id: "a", nick: "alice" },
      text: "",
      ts: 1,
      deleted: true,
    });
    expect(deleted[1].replyTo).toEqual({ seq: 1, nick: "alice", snippet: "", deleted: true });
    expect(deleted[2]).toMatchObject({ text: "", deleted: true });
  });

  it("sheds the oldest past its cap", async () => {
    const seqs = await withOutbox((outbox) => {
      for (let seq = 1; seq <= CONFIG.max + 1; seq++) outbox.report(edit(seq));
      return outbox.due(Date.now(), 100).map((p) => JSON.parse(p.body).data.seq as number);
    });
    // A tenth of the cap (one) at once: the first.
    expect(seqs).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it("keeps an event's webhook-id through its retries, its dead letter and a replay", async () => {
    const result = await withOutbox((outbox) => {
      outbox.report(edit(1));
      const ids: string[] = [];
      // The first attempt and both retries fail, each when it is due.
      for (let attempt = 0, now = Date.now(); attempt <= CONFIG.retryMs.length; attempt++, now += 1_000) {
        const [event] = outbox.due(now, 10);
        if (!event) throw new Error(`nothing due at attempt ${attempt}`);
        ids.push(event.id);
        outbox.failed(event, "status 500", now);
      }
      const dead = outbox.status();
      const replayed = outbox.replay();
      return { ids, dead, replayed, again: outbox.due(Date.now(), 10)[0]?.id, after: outbox.status() };
    });
    const id = result.ids[0];
    expect(result.ids).toEqual([id, id, id]);
    expect(result.dead).toMatchObject({
      backlog: 0,
      dead: 1,
      deadLetters: [{ id, type: "message.edited", attempts: 3, error: "status 500" }],
    });
    expect(result.replayed).toBe(1);
    expect(result.again).toBe(id);
    expect(result.after).toMatchObject({ backlog: 1, dead: 0 });
  });
});
