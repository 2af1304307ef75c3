// Without WEBHOOK_URL (as in this project) webhooks cost a room nothing: after
// a send, an edit, a reaction and a delete it has no webhook table and no alarm.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import type { MessageEvent } from "../src/shared/events";
import { member, uniqueRoom } from "./client";
import { isEvent } from "./events";

it("a room on a server without webhooks writes no outbox and sets no alarm", async () => {
  const room = uniqueRoom();
  const { c: alice } = await member(room, "alice");
  alice.send({ action: "send_to_room", msg: "hello", id: "m" });
  const { seq } = await alice.until((e): e is MessageEvent => e.type === "message");
  for (const frame of [
    { action: "edit", seq, msg: "hello again" },
    { action: "react", seq, emoji: "👍" },
    { action: "delete", seq },
  ] as const) {
    alice.send(frame);
    await alice.until(isEvent(frame.action === "react" ? "reaction" : frame.action));
  }
  alice.close();
  const { tables, alarm } = await runInDurableObject(env.ROOMS.getByName(room), async (_room, state) => ({
    tables: state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
      .toArray()
      .map((t) => t.name),
    alarm: await state.storage.getAlarm(),
  }));
  expect(tables).toContain("messages");
  expect(tables.filter((name) => name.startsWith("webhook"))).toEqual([]);
  expect(alarm).toBeNull();
});
