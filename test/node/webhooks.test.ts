// Issue 23: webhooks in the Standard Webhooks format, from an outbox each
// room writes in the same transaction as what it reports, sent on the room's
// alarm. A receiver on 127.0.0.1 fails, holds past the timeout and recovers;
// its signatures are checked by the reference library (`standardwebhooks`).
// WEBHOOK_RETRY_MS (a var only tests set) shortens the 24-hour schedule to
// eight retries within seconds: 300 ms three times, then 3 s.
import { beforeAll, describe, expect, it } from "vitest";
import type { MessageEvent, ModerationEvent, ServerEvent, StoredEvent } from "../../src/shared/events";
import { waitUntil } from "../wait";
import type { DevServerOptions } from "./dev-server";
import { mintToken, roomHistory, serverSuite } from "./e2e";
import { newSecret, type Received, type Receiver, startReceiver } from "./webhook-receiver";
import { connect, uniqueRoom, type WsClient } from "./ws-client";

const AUTH_SECRET = "webhooks-auth-secret-0123456789abcdef";
const API_KEY = "webhooks-api-key-0123456789";
const SECRET = newSecret();
const RETRIES = [300, 300, 300, 3000, 3000, 3000, 3000, 3000];
const OUTBOX_MAX = 20;

const isMessage = (e: ServerEvent): e is MessageEvent => e.type === "message";
const isStored = (e: ServerEvent): e is StoredEvent => "seq" in e && typeof e.seq === "number";

describe("webhooks", () => {
  let receiver: Receiver;
  // The receiver's address is known only once it listens: set before the suite's own beforeAll starts wrangler dev.
  const options: DevServerOptions = { keepPort: true, vars: {} };
  beforeAll(async () => {
    receiver = await startReceiver(SECRET);
    options.vars = {
      AUTH_SECRET,
      API_KEY,
      WEBHOOK_URL: receiver.url,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_TIMEOUT_MS: "1500",
      WEBHOOK_RETRY_MS: RETRIES.join(","),
      WEBHOOK_OUTBOX_MAX: String(OUTBOX_MAX),
      RATE_LIMIT_BURST: "1000",
      RATE_LIMIT_PER_SECOND: "1000",
      CONNECTS_PER_MINUTE: "0",
      // Two members an object: a room of four has members on shard objects.
      ROOM_SHARD_MEMBERS: "2",
    };
    return () => receiver.close();
  });
  const suite = serverSuite(options);
  const { clients } = suite;

  const join = async (room: string, sub: string, role = "member"): Promise<WsClient> => {
    const token = await mintToken(suite.dev, API_KEY, { sub, name: sub, room, role });
    const client = await connect(`${suite.dev.wsUrl}/ws?room=${room}&token=${token}`, { json: true });
    clients.push(client);
    expect(await client.event()).toMatchObject({ type: "joined", self: { id: sub } });
    return client;
  };

  const admin = (room: string, path = "", init: RequestInit = {}, key: string | null = API_KEY) =>
    fetch(`${suite.dev.url}/api/admin/rooms/${room}/webhooks${path}`, { ...init, headers: key ? { Authorization: `Bearer ${key}` } : {} });

  const status = async (room: string) => {
    const res = await admin(room);
    expect(res.status).toBe(200);
    return (await res.json()) as {
      enabled: boolean;
      backlog: number;
      dead: number;
      deadLetters: { id: string; type: string; attempts: number; error: string }[];
    };
  };

  const sent = (room: string) => receiver.received.filter((r) => r.event.data.room === room);
  const detail = (room: string) => () => JSON.stringify(sent(room).map((r) => [r.event.type, r.id.slice(-6), r.attempt, r.answer]));

  /** Sends a message and waits for the room's answer (its broadcast back to the sender). */
  const say = async (client: WsClient, msg: string): Promise<MessageEvent> => {
    client.send({ action: "send_to_room", msg, id: msg });
    return client.until((e): e is MessageEvent => isMessage(e) && e.id === msg);
  };

  it("every event arrives once per success, signed, under one id across a failure and a timeout", { timeout: 60_000 }, async () => {
    const room = uniqueRoom("hooks");
    // Each event: a 500, then no answer (the server gives up after 1.5 s), then accepted.
    receiver.answer(room, (attempt) => (attempt === 1 ? "fail" : attempt === 2 ? "hold" : "ok"));
    const mod = await join(room, "mod", "moderator");
    const troll = await join(room, "troll");
    // Told before it leaves: one who comes and goes within a presence window is told of to nobody, receivers included.
    await mod.until((e) => e.type === "presence" && e.event === "join" && e.member.id === "troll");
    const message = await say(mod, "hello");
    mod.send({ action: "edit", seq: message.seq, msg: "hello, world" });
    troll.send({ action: "react", seq: message.seq, emoji: "👍" });
    await mod.until((e) => e.type === "reaction");
    mod.send({ action: "delete", seq: message.seq });
    for (const action of ["mute", "kick", "ban", "unban"] as const) {
      mod.send({ action, member: "troll", ...(action === "mute" ? { seconds: 60 } : {}) });
      await mod.until((e) => e.type === "moderation" && e.action === action);
    }
    const stored = mod.frames.map((f) => JSON.parse(f) as ServerEvent).filter(isStored);
    const types = [
      "message.created",
      "message.edited",
      "reaction.changed",
      "message.deleted",
      "moderation.mute",
      "moderation.kick",
      "moderation.ban",
      "moderation.unban",
    ];
    expect(stored.map((e) => e.type)).toEqual([
      "message",
      "edit",
      "reaction",
      "delete",
      "moderation",
      "moderation",
      "moderation",
      "moderation",
    ]);

    const membersIn = (type: string, field: string) =>
      receiver.accepted(room).flatMap((r) => (r.event.type === type ? (r.event.data[field] as { id: string }[]).map((m) => m.id) : []));
    await waitUntil(
      "every event was accepted",
      () =>
        receiver.accepted(room).filter((r) => "seq" in r.event.data).length === stored.length &&
        membersIn("member.joined", "joined").length === 2 &&
        membersIn("member.left", "left").length === 1,
      30_000,
      detail(room),
    );

    const all = sent(room);
    expect(all.every((r) => r.verified)).toBe(true);
    const ids = new Set(all.map((r) => r.id));
    for (const id of ids) expect(all.filter((r) => r.id === id).map((r) => r.answer)).toEqual(["fail", "hold", "ok"]);
    const accepted = receiver.accepted(room);
    expect(accepted.length).toBe(ids.size);
    // The events of the seq stream, under their types: the data is each event as the room's history holds it now (the
    // message was deleted before its event went out, so that event, like the edit's, carries no text), as members resuming get them.
    const bySeq = accepted.filter((r) => "seq" in r.event.data).sort((a, b) => Number(a.event.data.seq) - Number(b.event.data.seq));
    expect(bySeq.map((r) => r.event.data)).toEqual(await roomHistory(suite.dev, room));
    expect(bySeq[0]?.event.data).toMatchObject({ text: "", deleted: true });
    expect(bySeq.map((r) => r.body).join()).not.toMatch(/"text":"hello/);
    expect(bySeq.map((r) => r.event.type)).toEqual(types);
    expect(bySeq.map((r) => r.event.timestamp)).toEqual(stored.map((e) => new Date(e.ts).toISOString()));
    expect(membersIn("member.joined", "joined").sort()).toEqual(["mod", "troll"]);
    expect(membersIn("member.left", "left")).toEqual(["troll"]);
    expect((stored.find((e) => e.type === "moderation" && e.action === "kick") as ModerationEvent).member).toBe("troll");
    expect(await status(room)).toMatchObject({ enabled: true, backlog: 0, dead: 0 });
  });

  it("a room with members on shard objects reports each event once, from its writer", { timeout: 30_000 }, async () => {
    const room = uniqueRoom("hooks-sharded");
    const alice = await join(room, "alice");
    await join(room, "bob");
    // Past two members: these two are on shard objects.
    const carol = await join(room, "carol");
    const dave = await join(room, "dave");
    const info = (await (await fetch(`${suite.dev.url}/api/rooms/${room}`)).json()) as { shards: number };
    expect(info.shards).toBeGreaterThan(1);
    const message = await say(carol, "from a shard");
    dave.send({ action: "react", seq: message.seq, emoji: "🎉" });
    const reaction = await alice.until((e) => e.type === "reaction");
    const joined = () =>
      receiver.accepted(room).flatMap((r) => (r.event.type === "member.joined" ? (r.event.data.joined as { id: string }[]) : []));
    await waitUntil(
      "the message, the reaction and all four arrivals were accepted",
      () => receiver.accepted(room).filter((r) => "seq" in r.event.data).length === 2 && joined().length === 4,
      20_000,
      detail(room),
    );
    expect(
      joined()
        .map((m) => m.id)
        .sort(),
    ).toEqual(["alice", "bob", "carol", "dave"]);
    const stored = receiver.accepted(room).filter((r) => "seq" in r.event.data);
    expect(stored.map((r) => [r.event.type, r.event.data])).toEqual([
      ["message.created", message],
      ["reaction.changed", reaction],
    ]);
    expect(new Set(sent(room).map((r) => r.id)).size).toBe(sent(room).length);
    expect(sent(room).every((r) => r.verified)).toBe(true);
  });

  it("a send is answered at once while the receiver holds the room's webhook unanswered", { timeout: 30_000 }, async () => {
    const room = uniqueRoom("hooks-slow");
    receiver.answer(room, () => "hold");
    const alice = await join(room, "alice");
    await say(alice, "first");
    await waitUntil("the receiver holds the first message's webhook", () => sent(room).some((r) => r.open), 10_000, detail(room));
    const holding = sent(room).find((r) => r.open) as Received;
    const started = Date.now();
    await say(alice, "second");
    // Answered within the 1.5 s the server gives the receiver: the send did not wait for it.
    expect(holding.open, `answered after ${Date.now() - started} ms`).toBe(true);
    receiver.answer(room, () => "ok");
    await waitUntil(
      "both messages were accepted",
      () => receiver.accepted(room).filter((r) => r.event.type === "message.created").length === 2,
      20_000,
      detail(room),
    );
  });

  it("events not yet delivered when wrangler dev stops are delivered once it is back", { timeout: 120_000 }, async () => {
    const room = uniqueRoom("hooks-restart");
    receiver.answer(room, () => "fail");
    const alice = await join(room, "alice");
    const messages: MessageEvent[] = [];
    for (let i = 0; i < 5; i++) messages.push(await say(alice, `before the restart ${i}`));
    const tried = () =>
      new Set(
        sent(room)
          .filter((r) => r.event.type === "message.created")
          .map((r) => r.id),
      );
    await waitUntil("each message was tried once", () => tried().size === 5, 10_000, detail(room));
    const ids = tried();
    alice.terminate();
    await suite.dev.halt();
    receiver.answer(room, () => "ok");
    await suite.dev.start();
    await waitUntil(
      "every message was accepted",
      () => receiver.accepted(room).filter((r) => r.event.type === "message.created").length === 5,
      30_000,
      detail(room),
    );
    const accepted = receiver.accepted(room).filter((r) => r.event.type === "message.created");
    expect(new Set(accepted.map((r) => r.id))).toEqual(ids);
    expect(accepted.map((r) => r.event.data).sort((a, b) => Number(a.seq) - Number(b.seq))).toEqual(messages);
    expect(sent(room).every((r) => r.verified)).toBe(true);
  });

  it("an event that fails every retry is a dead letter the operator sees and replays under its id", { timeout: 90_000 }, async () => {
    const room = uniqueRoom("hooks-dead");
    // Only the message fails: the member events of the room are taken.
    receiver.answer(room, (_, type) => (type === "message.created" ? "fail" : "ok"));
    const alice = await join(room, "alice");
    const message = await say(alice, "nobody hears this");
    alice.close();
    await waitUntil("the message is a dead letter", async () => (await status(room)).dead === 1, 60_000, detail(room));
    const created = sent(room).filter((r) => r.event.type === "message.created");
    expect(created.length).toBe(RETRIES.length + 1);
    expect(new Set(created.map((r) => r.id)).size).toBe(1);
    const dead = await status(room);
    expect(dead.deadLetters[0]).toMatchObject({
      id: created[0]?.id,
      type: "message.created",
      attempts: RETRIES.length + 1,
      error: "status 500",
    });

    expect((await admin(room, "", {}, null)).status).toBe(401);
    expect((await admin(room, "/replay", { method: "POST" }, null)).status).toBe(401);
    receiver.answer(room, () => "ok");
    const replay = await admin(room, "/replay", { method: "POST" });
    expect(await replay.json()).toEqual({ replayed: 1 });
    await waitUntil(
      "the replayed message was accepted",
      () => receiver.accepted(room).some((r) => r.event.type === "message.created"),
      20_000,
      detail(room),
    );
    const accepted = receiver.accepted(room).filter((r) => r.event.type === "message.created");
    expect(accepted.map((r) => [r.id, r.event.data])).toEqual([[created[0]?.id, message]]);
    await waitUntil("the outbox is empty", async () => (await status(room)).backlog === 0, 10_000, detail(room));
    expect((await status(room)).dead).toBe(0);
  });

  it("a full outbox sheds its oldest events and keeps the newest", { timeout: 60_000 }, async () => {
    const room = uniqueRoom("hooks-full");
    receiver.answer(room, () => "fail");
    const alice = await join(room, "alice");
    const messages: MessageEvent[] = [];
    for (let i = 0; i < OUTBOX_MAX + 10; i++) messages.push(await say(alice, `m${i}`));
    const { backlog } = await status(room);
    expect(backlog).toBeLessThanOrEqual(OUTBOX_MAX);
    receiver.answer(room, () => "ok");
    await waitUntil("the outbox is empty", async () => (await status(room)).backlog === 0, 30_000, detail(room));
    const seqs = receiver.accepted(room).flatMap((r) => (r.event.type === "message.created" ? [Number(r.event.data.seq)] : []));
    // The newest were kept, each delivered once; the oldest were shed.
    expect(seqs).toContain(messages.at(-1)?.seq);
    expect(seqs).not.toContain(messages[0]?.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs.length).toBeLessThanOrEqual(OUTBOX_MAX);
  });
});
