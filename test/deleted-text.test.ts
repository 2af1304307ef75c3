// Deleted and edited text leaves no trace: after send → edit → delete, no read
// path (HTTP history, one message, the greeting, a resume on either socket
// path) and no stored row holds either version; replies quote a message as it
// stands now.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { JoinedEvent, MessageEvent, MessageState } from "../src/shared/events";
import { type Client, call, connect, member, uniqueRoom } from "./client";
import { isEvent } from "./events";

const ORIGINAL = "original-secret-4711";
const EDITED = "edited-secret-0815";

async function say(c: Client, text: string, id: string, extra: Record<string, unknown> = {}): Promise<MessageEvent> {
  c.send({ action: "send_to_room", msg: text, id, ...extra });
  return c.until((e): e is MessageEvent => e.type === "message" && e.id === id);
}

async function change(c: Client, frame: { action: "edit" | "delete"; seq: number; msg?: string }): Promise<void> {
  c.send(frame);
  await c.until(isEvent(frame.action));
}

const state = async (room: string, seq: number) => (await (await call(`/api/rooms/${room}/messages/${seq}`)).json()) as MessageState;
const httpHistory = async (room: string) => (await call(`/api/rooms/${room}/messages?since=0&limit=200`)).text();

/** Every row of every table of the room's storage, as one string. */
function storedRows(room: string): Promise<string> {
  return runInDurableObject(env.ROOMS.getByName(room), (_room, state) => {
    const sql = state.storage.sql;
    const tables = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'");
    return JSON.stringify([...tables].map(({ name }) => [name, sql.exec(`SELECT * FROM "${name}"`).toArray()]));
  });
}

/** A message sent, quoted by a reply, edited, then deleted; everything after it on the stream. */
async function sendEditDelete(): Promise<{ room: string; seq: number; reply: number }> {
  const room = uniqueRoom();
  const { c: alice } = await member(room, "alice");
  const m = await say(alice, ORIGINAL, "m");
  const reply = await say(alice, "an answer", "r", { replyTo: m.seq });
  await change(alice, { action: "edit", seq: m.seq, msg: EDITED });
  await change(alice, { action: "delete", seq: m.seq });
  alice.close();
  return { room, seq: m.seq, reply: reply.seq };
}

const READ_PATHS: Record<string, (room: string, seq: number, reply: number) => Promise<string>> = {
  "HTTP history": (room) => httpHistory(room),
  "HTTP message and its reply": async (room, seq, reply) => JSON.stringify([await state(room, seq), await state(room, reply)]),
  "the greeting": async (room) => JSON.stringify((await member(room, "carol")).joined.history),
  "a direct resume": async (room) => JSON.stringify((await member(room, "carol", { since: 0 })).joined.history),
  "an in-band resume": async (room) => {
    const c = await connect("/ws", { json: true });
    c.send({ action: "join", msg: room, nick: "carol", since: 0 });
    return JSON.stringify(((await c.until(isEvent("joined"))) as JoinedEvent).history);
  },
  "the stored rows": (room) => storedRows(room),
};

describe("send → edit → delete", () => {
  it.each(Object.keys(READ_PATHS))("%s holds neither the first nor the edited text", async (path) => {
    const { room, seq, reply } = await sendEditDelete();
    const read = await READ_PATHS[path]?.(room, seq, reply);
    // What stays is there (the reply), so a read that failed or came back empty cannot pass.
    expect(read).toContain("an answer");
    expect(read).not.toContain(ORIGINAL);
    expect(read).not.toContain(EDITED);
  });

  it("the edit event stays on the stream, without text and marked deleted; the reply's quote is marked deleted", async () => {
    const { room, seq, reply } = await sendEditDelete();
    const { messages } = JSON.parse(await httpHistory(room)) as { messages: { type: string; seq: number }[] };
    expect(messages.map((e) => e.seq)).toEqual([seq, seq + 1, seq + 2, seq + 3]);
    expect(messages.find((e) => e.type === "edit")).toMatchObject({ target: seq, text: "", deleted: true });
    expect((await state(room, reply)).message.replyTo).toEqual({ seq, nick: "alice", snippet: "", deleted: true });
  });
});

describe("an edit", () => {
  it("changes the snippet that replies quote to the new text's start", async () => {
    const room = uniqueRoom();
    const { c: alice } = await member(room, "alice");
    const q = await say(alice, ORIGINAL, "q");
    const a = await say(alice, "answer", "a", { replyTo: q.seq });
    await change(alice, { action: "edit", seq: q.seq, msg: `redacted ${"!".repeat(200)}` });
    expect((await state(room, a.seq)).message.replyTo).toEqual({ seq: q.seq, nick: "alice", snippet: `redacted ${"!".repeat(91)}` });
    expect(await httpHistory(room)).not.toContain(ORIGINAL);
  });

  it("leaves no earlier version on the stream: every edit event of a message carries its latest text", async () => {
    const room = uniqueRoom();
    const { c: alice } = await member(room, "alice");
    const m = await say(alice, "hello", "m");
    await change(alice, { action: "edit", seq: m.seq, msg: EDITED });
    await change(alice, { action: "edit", seq: m.seq, msg: "redacted" });
    const { messages } = JSON.parse(await httpHistory(room)) as { messages: { type: string; text: string }[] };
    expect(messages.filter((e) => e.type === "edit").map((e) => e.text)).toEqual(["redacted", "redacted"]);
    expect(await storedRows(room)).not.toContain(EDITED);
  });
});
