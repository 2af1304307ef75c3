// Messages that change: edit, delete, reactions, replies and typing, all on the seq stream.
import { describe, expect, it } from "vitest";
import type { JoinedEvent, MessageEvent, MessageState, StoredEvent } from "../src/shared/events";
import { type Client, call, connect, inBandMember, member, uniqueRoom } from "./client";
import { isEvent } from "./events";
import { expectNothingFor } from "./wait";

async function say(c: Client, text: string, id: string, extra: Record<string, unknown> = {}): Promise<MessageEvent> {
  c.send({ action: "send_to_room", msg: text, id, ...extra });
  return c.until((e): e is MessageEvent => e.type === "message" && e.id === id);
}

const state = async (room: string, seq: number) => (await (await call(`/api/rooms/${room}/messages/${seq}`)).json()) as MessageState;
const describeEvent = (e: StoredEvent) =>
  e.type === "message" ? `message ${e.seq}` : e.type === "moderation" ? `moderation ${e.action}` : `${e.type} ${e.target}`;

describe("edit", () => {
  it("the author edits: an edit event with its own seq, the stored text changes, text clients read a line", async () => {
    const room = uniqueRoom();
    const { c: alice } = await member(room, "alice");
    const text = await inBandMember(room, "reader");
    const m = await say(alice, "helo", "e1");
    expect(await text.next()).toBe("alice : helo");
    alice.send({ action: "edit", seq: m.seq, msg: "hello" });
    expect(await alice.until(isEvent("edit"))).toMatchObject({ target: m.seq, seq: m.seq + 1, text: "hello", from: { nick: "alice" } });
    expect(await text.next()).toBe(`* alice edited message ${m.seq}: hello`);
    expect(await state(room, m.seq)).toMatchObject({ message: { text: "hello", edited: true }, reactions: {} });
  });

  it("another member may not edit, nor may a moderator; a tombstone or an unknown seq is refused with a clear code", async () => {
    const room = uniqueRoom();
    const { c: alice } = await member(room, "alice");
    const { c: bob } = await member(room, "bob");
    const m = await say(alice, "mine", "e1");
    bob.send({ action: "edit", seq: m.seq, msg: "yours now" });
    expect(await bob.until(isEvent("error"))).toMatchObject({ code: "forbidden" });
    alice.send({ action: "delete", seq: m.seq });
    await alice.until(isEvent("delete"));
    alice.send({ action: "edit", seq: m.seq, msg: "back" });
    expect(await alice.until(isEvent("error"))).toMatchObject({ code: "message_deleted" });
    alice.send({ action: "react", seq: 999, emoji: "👍" });
    expect(await alice.until(isEvent("error"))).toMatchObject({ code: "no_such_message" });
  });

  it("the author survives a reconnect: the same key may still edit and delete; another key may not", async () => {
    const room = uniqueRoom();
    const key = "alice-key-0123456789";
    const first = await member(room, "alice", { key });
    const m = await say(first.c, "typo", "e1");
    first.c.close();
    const again = await member(room, "alice", { key });
    again.c.send({ action: "edit", seq: m.seq, msg: "fixed" });
    expect(await again.c.until(isEvent("edit"))).toMatchObject({ target: m.seq, text: "fixed" });
    const impostor = await member(room, "alice", { key: "someone-else-0123456789" });
    impostor.c.send({ action: "delete", seq: m.seq });
    expect(await impostor.c.until(isEvent("error"))).toMatchObject({ code: "forbidden" });
  });
});

describe("reactions", () => {
  it("toggle per member, are counted in the message's state, and are refused past the cap or for a non-emoji", async () => {
    const room = uniqueRoom();
    const { c: alice } = await member(room, "alice");
    const { c: bob } = await member(room, "bob");
    const m = await say(alice, "react to me", "r1");
    alice.send({ action: "react", seq: m.seq, emoji: "👍" });
    expect(await bob.until(isEvent("reaction"))).toMatchObject({ target: m.seq, emoji: "👍", on: true, from: { nick: "alice" } });
    bob.send({ action: "react", seq: m.seq, emoji: "👍" });
    await bob.until(isEvent("reaction"));
    bob.send({ action: "react", seq: m.seq, emoji: "🎉" });
    await bob.until(isEvent("reaction"));
    expect((await state(room, m.seq)).reactions).toEqual({ "👍": 2, "🎉": 1 });
    alice.send({ action: "react", seq: m.seq, emoji: "👍" });
    expect(await alice.until((e) => e.type === "reaction" && !e.on)).toMatchObject({ emoji: "👍", from: { nick: "alice" } });
    expect((await state(room, m.seq)).reactions).toEqual({ "👍": 1, "🎉": 1 });
    alice.send({ action: "react", seq: m.seq, emoji: "not an emoji" });
    expect(await alice.until(isEvent("error"))).toMatchObject({ code: "invalid_emoji" });
  });

  it("are never shown to text clients", async () => {
    const room = uniqueRoom();
    const { c: alice } = await member(room, "alice");
    const text = await inBandMember(room, "reader");
    const m = await say(alice, "hi", "r1");
    expect(await text.next()).toBe("alice : hi");
    alice.send({ action: "react", seq: m.seq, emoji: "❤️" });
    await alice.until(isEvent("reaction"));
    await text.quiet();
  });
});

describe("replies", () => {
  it("carry the answered message's seq, nick and the start of its text", async () => {
    const room = uniqueRoom();
    const { c: alice } = await member(room, "alice");
    const q = await say(alice, `question ${"?".repeat(200)}`, "q");
    const a = await say(alice, "answer", "a", { replyTo: q.seq });
    expect(a.replyTo).toEqual({ seq: q.seq, nick: "alice", snippet: `question ${"?".repeat(91)}` });
    alice.send({ action: "send_to_room", msg: "to nothing", id: "x", replyTo: 999 });
    expect(await alice.until(isEvent("error"))).toMatchObject({ code: "no_such_message", ref: "x" });
  });
});

describe("typing", () => {
  it("reaches the other JSON members, never a text client or the sender, and is never stored", async () => {
    const room = uniqueRoom();
    const { c: alice } = await member(room, "alice");
    const { c: bob } = await member(room, "bob");
    const text = await inBandMember(room, "reader");
    alice.send({ action: "typing" });
    expect(await bob.until(isEvent("typing"))).toEqual({ type: "typing", room, member: { id: expect.any(String), nick: "alice" } });
    // Bob has it, so the room has broadcast it: within the text client's window, neither it nor alice gets it.
    await Promise.all([
      text.quiet(),
      expectNothingFor(
        "alice was sent her own typing",
        () => alice.frames.some((f) => f.includes('"typing"')),
        300,
        () => JSON.stringify(alice.frames),
      ),
    ]);
    expect(((await (await call(`/api/rooms/${room}/messages`)).json()) as { messages: unknown[] }).messages).toEqual([]);
  });
});

describe("catching up", () => {
  it.each(["direct", "in-band"])(
    "%s path: a member offline during an edit, a delete and a reaction gets each once, in seq order",
    async (path) => {
      const room = uniqueRoom();
      const { c: alice } = await member(room, "alice");
      const m1 = await say(alice, "one", "c1");
      const m2 = await say(alice, "two", "c2");
      // bob was here until m2, then went away.
      const since = m2.seq;
      alice.send({ action: "edit", seq: m1.seq, msg: "one, edited" });
      alice.send({ action: "delete", seq: m2.seq });
      alice.send({ action: "react", seq: m1.seq, emoji: "👍" });
      await alice.until(isEvent("reaction"));
      let history: StoredEvent[];
      if (path === "direct") {
        history = (await member(room, "bob", { since })).joined.history;
      } else {
        const c = await connect("/ws", { json: true });
        c.send({ action: "join", msg: room, nick: "bob", since });
        history = ((await c.until(isEvent("joined"))) as JoinedEvent).history;
      }
      expect(history.map(describeEvent)).toEqual([`edit ${m1.seq}`, `delete ${m2.seq}`, `reaction ${m1.seq}`]);
      expect(history.map((e) => e.seq)).toEqual([since + 1, since + 2, since + 3]);
    },
  );
});

describe("privacy of deletes and identity of reactions", () => {
  it("deleting a message also blanks the snippet that replies quote", async () => {
    const room = uniqueRoom();
    const { c: alice } = await member(room, "alice");
    const q = await say(alice, "secret question", "q");
    const a = await say(alice, "answer", "a", { replyTo: q.seq });
    alice.send({ action: "delete", seq: q.seq });
    await alice.until(isEvent("delete"));
    expect((await state(room, a.seq)).message.replyTo).toEqual({ seq: q.seq, nick: "alice", snippet: "", deleted: true });
  });

  it("a reaction belongs to its sender: after a reconnect with the same key, the same click takes it back", async () => {
    const room = uniqueRoom();
    const key = "alice-key-0123456789";
    const first = await member(room, "alice", { key });
    const m = await say(first.c, "hi", "h");
    first.c.send({ action: "react", seq: m.seq, emoji: "👍" });
    await first.c.until(isEvent("reaction"));
    first.c.close();
    const again = await member(room, "alice", { key });
    again.c.send({ action: "react", seq: m.seq, emoji: "👍" });
    expect(await again.c.until(isEvent("reaction"))).toMatchObject({ emoji: "👍", on: false });
    expect((await state(room, m.seq)).reactions).toEqual({});
  });
});
