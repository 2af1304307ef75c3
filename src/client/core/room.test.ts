// ParleyRoom's engine, one behaviour per test: the connection (reconnects,
// timeouts, heartbeat, refusals), the outbox (window, resends, rate limits,
// saved entries), and the stream (each seq once, gaps, paging, earlier
// history). client.test.ts has the room's promises and the client's
// several rooms.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CloseCode } from "../../shared/codes";
import type { ErrorEvent, StoredEvent } from "../../shared/events";
import { DEFAULT_LIMITS, limitsFromPublic, MAX_FRAME_BYTES, publicLimits } from "../../shared/limits";
import { client, echo, type FakeApi, FakeSocket, fakeApi, joined, me, message, NO_CLOSE_FRAME, seqs, settle, useFakes } from "./fakes";
import { refusalOf } from "./http";
import type { OutboxEntry } from "./outbox";
import type { ParleyClientOptions } from "./types";

beforeEach(useFakes);
afterEach(() => {
  vi.useRealTimers();
});

/** A room of a fake client, and what it told. */
function harness(options: Partial<ParleyClientOptions> & { api?: FakeApi; backoffMs?: number } = {}, name = "8888") {
  const api = options.api ?? fakeApi();
  const c = client({ ...options, api });
  const room = c.room(name);
  const told = {
    stored: [] as StoredEvent[],
    from: [] as string[],
    states: [] as string[],
    outbox: [] as OutboxEntry[][],
    failed: [] as string[],
    errors: [] as string[],
    ended: [] as string[],
    gaps: [] as string[],
  };
  room.on("stored", (b) => {
    told.stored.push(...b.events);
    told.from.push(`${b.from} ${seqs(b.events).join(",")}`);
  });
  room.on("state", (s) => told.states.push(s.state));
  room.on("outbox", (o) => told.outbox.push(o.entries));
  room.on("failed", (f) => told.failed.push(`${f.entry.text}:${f.error.code}`));
  room.on("error", (e) => told.errors.push(e.code));
  room.on("ended", (e) => told.ended.push(e.error.code));
  room.on("gap", (g) => told.gaps.push(`${g.from}-${g.to}`));
  return { c, room, api, told, last: () => FakeSocket.last() };
}

describe("the connection", () => {
  it("builds the direct socket address: encoded, with since and key only when known", () => {
    const { room, last } = harness({ nick: "bat&man", key: undefined }, "team blue");
    void room.connect();
    expect(last().url).toMatch(/^ws:\/\/127\.0\.0\.1:8787\/ws\?room=team\+blue&nick=bat%26man&key=[0-9a-z]{20}$/);
  });

  it("reconnects with backoff and since, sends what was typed meanwhile, and shows everything exactly once", async () => {
    const { room, told, last } = harness({ backoff: { baseMs: 500, maxMs: 10_000, factor: 2, jitter: 0 } });
    void room.connect();
    last().say(joined([message(1)], 1));
    void room.send("before the drop"); // sent, echo lost with the connection
    const sentBefore = last().sends()[0]!;
    last().drop();
    expect(room.status).toMatchObject({ state: "reconnecting", attempt: 1, retryAt: Date.now() + 500 });
    void room.send("during the outage");
    expect(FakeSocket.all).toHaveLength(1);
    // The first retry after 500 ms; it fails too, and the next waits twice as long.
    await vi.advanceTimersByTimeAsync(499);
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(FakeSocket.all).toHaveLength(2);
    // A try that fails without a close frame: the HTTP API says the room admits, so it was the network.
    last().drop();
    await settle();
    expect(room.status).toMatchObject({ state: "reconnecting", attempt: 2 });
    await vi.advanceTimersByTimeAsync(999);
    expect(FakeSocket.all).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    // Back: resume from seq 1. The server had stored "before the drop" as seq 2; another member said seq 3.
    const socket = last();
    expect(socket.url).toContain("since=1");
    expect(socket.sends()).toEqual([]); // nothing before joined
    socket.say(joined([echo(sentBefore, 2), message(3)], 3, { self: { id: "me2", nick: "robin" } }));
    // "before the drop" is confirmed by the history; only "during the outage" goes out, with its id.
    expect(socket.sends().map((f) => f.msg)).toEqual(["during the outage"]);
    socket.say(echo(socket.sends()[0]!, 4));
    expect(room.outbox).toEqual([]);
    expect(seqs(told.stored)).toEqual([1, 2, 3, 4]);
    expect(room.state).toBe("open");
    expect(room.cursor).toBe(4);
  });

  it("tells the states a view shows, and `dropped` when an open connection is lost", async () => {
    const { room, told, last } = harness();
    const dropped: string[] = [];
    room.on("dropped", (d) => dropped.push(d.room));
    void room.connect();
    last().drop();
    expect(dropped).toEqual([]); // never open: a failed try, not a drop
    await vi.advanceTimersByTimeAsync(100);
    last().say(joined([], 0));
    last().drop();
    expect(dropped).toEqual(["8888"]);
    expect(told.states).toEqual(["connecting", "reconnecting", "reconnecting", "open", "reconnecting"]);
  });

  it("gives up on a connection that never says joined, and on one that stops answering pings", async () => {
    const { room, last } = harness();
    void room.connect();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(room.status).toMatchObject({ state: "reconnecting", attempt: 1 });
    await vi.advanceTimersByTimeAsync(100);
    last().say(joined([], 0));
    expect(room.state).toBe("open");
    const socket = last();
    await vi.advanceTimersByTimeAsync(25_000);
    expect(socket.sent).toContain("ping");
    await vi.advanceTimersByTimeAsync(9_000);
    socket.raw("pong");
    expect(room.state).toBe("open");
    await vi.advanceTimersByTimeAsync(35_000); // ping again, no pong this time
    expect(room.state).toBe("reconnecting");
    expect(socket.closed).not.toBeNull();
  });

  it("leaves politely and does not reconnect", async () => {
    const { room, last } = harness();
    void room.connect();
    const socket = last();
    socket.say(joined([], 0));
    room.leave();
    expect(socket.frames()).toEqual([{ action: "leave" }]);
    expect(socket.closed).toEqual({ code: CloseCode.NORMAL, reason: "bye" });
    expect(room.state).toBe("closed");
    socket.drop(CloseCode.NORMAL); // a late close of the old socket: ignored
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("a new nick resumes where the room was; another room starts afresh; the old sockets are not heard", () => {
    const { c, room, told, last } = harness();
    void room.connect();
    last().say(joined([message(1)], 1));
    void room.connect({ nick: "robin2" });
    expect(last().url).toBe(`ws://127.0.0.1:8787/ws?room=8888&nick=robin2&since=1&key=${"k".repeat(20)}`);
    last().say(joined([message(1)], 1));
    room.leave();
    void c.room("9999", { nick: "robin2" }).connect();
    expect(last().url).toBe(`ws://127.0.0.1:8787/ws?room=9999&nick=robin2&key=${"k".repeat(20)}`);
    FakeSocket.all[0]!.say(message(2));
    expect(seqs(told.stored)).toEqual([1]);
  });

  it("ignores frames that are not events, events of unknown types, parley.v1 presence, and events for another room", () => {
    const { room, told, last } = harness();
    void room.connect();
    last().say(joined([], 0));
    last().raw("not json");
    last().raw("[1,2]");
    // A type from a newer server, and one that reaches Object.prototype through the table: neither is a handler.
    last().raw(JSON.stringify({ type: "shiny", room: "8888" }));
    last().raw(JSON.stringify({ type: "__proto__" }));
    last().raw(JSON.stringify({ type: "presence", room: "8888", event: "joined", member: me, count: 2 }));
    last().say({ ...message(1), room: "other" });
    expect(told.stored).toEqual([]);
    expect(room.state).toBe("open");
  });
});

describe("refusals, kicks and bans", () => {
  const needsToken: ErrorEvent = { type: "error", code: "unauthenticated", message: "room private-x is private: it needs a token" };

  it("reads a refusal in the HTTP API's answer only where admission gives one", () => {
    expect(refusalOf(401, { error: needsToken })).toEqual(needsToken);
    expect(refusalOf(403, { error: { code: "forbidden", message: "your token is not for room private-x" } })).toEqual({
      type: "error",
      code: "forbidden",
      message: "your token is not for room private-x",
    });
    expect(refusalOf(200, { room: "private-x", members: 0, lastSeq: 0 })).toBeNull();
    expect(refusalOf(429, { error: { code: "too_many_requests", message: "slow down" } })).toBeNull();
    expect(refusalOf(403, { error: { code: "forbidden_origin", message: "not from there" } })).toBeNull();
    expect(refusalOf(401, { error: { code: "forbidden", message: "a status and a code that do not match" } })).toBeNull();
    expect(refusalOf(401, null)).toBeNull();
    expect(refusalOf(401, "<html>")).toBeNull();
  });

  it("a socket that fails before joined without a close frame asks the HTTP API why; a refusal ends the visit with its reason", async () => {
    const asked: { room: string; token: string | undefined }[] = [];
    const api = fakeApi();
    api.admission = async (room, token) => {
      asked.push({ room, token });
      return room === "private-x" ? needsToken : { type: "error", code: "forbidden", message: "your token is not for room private-y" };
    };
    const { c, room, told, last } = harness({ api }, "private-x");
    const connected = room.connect();
    // What a browser reports of an HTTP 401 answered to its upgrade.
    last().drop(NO_CLOSE_FRAME);
    expect(room.state).toBe("connecting");
    await settle();
    expect(asked).toEqual([{ room: "private-x", token: undefined }]);
    await expect(connected).rejects.toMatchObject({ code: "unauthenticated", message: needsToken.message });
    expect(told.errors).toEqual(["unauthenticated"]);
    expect(told.ended).toEqual(["unauthenticated"]);
    expect(room.state).toBe("closed");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1);

    // With a token for another room: 403, the same way.
    const other = c.room("private-y", { token: "tok-other" });
    const refused = other.connect();
    last().drop(NO_CLOSE_FRAME);
    await settle();
    expect(asked.at(-1)).toEqual({ room: "private-y", token: "tok-other" });
    await expect(refused).rejects.toMatchObject({ code: "forbidden" });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(2);
    expect(told.states).not.toContain("reconnecting");
  });

  it("when the HTTP API admits, fails or does not answer, a failed connection is retried with backoff as before", async () => {
    let answer: () => Promise<ErrorEvent | null> = async () => null;
    let asked = 0;
    const api = fakeApi();
    api.admission = () => {
      asked++;
      return answer();
    };
    const { room, last } = harness({ api });
    void room.connect();
    last().drop(NO_CLOSE_FRAME);
    await settle();
    expect(room.status).toMatchObject({ state: "reconnecting", attempt: 1 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(FakeSocket.all).toHaveLength(2);
    // The network is down: the check fails too.
    answer = () => Promise.reject(new Error("offline"));
    last().drop(NO_CLOSE_FRAME);
    await settle();
    expect(room.status.retryAt).toBeDefined();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(FakeSocket.all).toHaveLength(3);
    // No answer at all: given up after the connect timeout.
    answer = () => new Promise(() => {});
    last().drop(NO_CLOSE_FRAME);
    await settle();
    expect(room.status.retryAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(room.status.retryAt).toBeDefined();
    expect(asked).toBe(3);
    // Only failures before joined without a close frame are asked about.
    await vi.advanceTimersByTimeAsync(60_000);
    last().drop(CloseCode.TRY_AGAIN_LATER); // room_full
    await vi.advanceTimersByTimeAsync(60_000);
    last().say(joined([], 0));
    last().drop(NO_CLOSE_FRAME); // dropped while in the room
    await settle();
    expect(asked).toBe(3);
    expect(room.state).toBe("reconnecting");
  });

  it("a ban or a kick that closes the socket ends the visit: the reason is told, no reconnect", async () => {
    for (const [code, close] of [
      ["banned", CloseCode.BANNED],
      ["kicked", CloseCode.KICKED],
    ] as const) {
      FakeSocket.all = [];
      const { room, told, last } = harness();
      void room.connect();
      last().say(joined([], 0));
      // The close alone (its error lost) says why too.
      last().drop(close);
      expect(told.errors).toEqual([]);
      expect(told.ended).toEqual([code]);
      expect(room.state).toBe("closed");
      await vi.advanceTimersByTimeAsync(60_000);
      expect(FakeSocket.all).toHaveLength(1);
    }
  });

  it("a kicked or banned error ends the visit at once: a close that comes late, or never, brings no reconnect", async () => {
    for (const [code, close] of [
      ["kicked", CloseCode.KICKED],
      ["banned", CloseCode.BANNED],
    ] as const) {
      FakeSocket.all = [];
      const { room, told, last } = harness();
      void room.connect();
      const socket = last();
      socket.say(joined([], 0));
      socket.say({ type: "error", code, message: `you are ${code}` });
      expect(room.state).toBe("closed");
      expect(told.errors).toEqual([code]);
      expect(told.ended).toEqual([code]);
      expect(socket.closed).not.toBeNull();
      await expect(room.send("still here?")).rejects.toMatchObject({ code: "not_in_room" });
      // No close for a minute (heartbeats included), then a late one: nothing more happens.
      await vi.advanceTimersByTimeAsync(60_000);
      socket.drop(close);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(FakeSocket.all).toHaveLength(1);
      expect(told.ended).toEqual([code]);
    }
  });
});

describe("sending", () => {
  it("shows a send at once as unconfirmed (the outbox), sends it with an id, and keeps the store up to date", () => {
    const saved: OutboxEntry[][] = [];
    const { room, told, last } = harness({ outbox: { load: () => [], save: (_room, entries) => saved.push(entries) } });
    void room.connect();
    last().say(joined([message(1), message(2)], 2));
    void room.send("hello");
    expect(room.outbox.map((e) => e.text)).toEqual(["hello"]);
    expect(told.outbox.at(-1)?.map((e) => e.text)).toEqual(["hello"]);
    expect(saved.at(-1)?.map((e) => e.text)).toEqual(["hello"]);
    const [frame] = last().sends();
    expect(frame).toEqual({ action: "send_to_room", msg: "hello", id: expect.stringMatching(/^[0-9a-z]{20}$/) });
    last().say(echo(frame!, 3));
    expect(room.outbox).toEqual([]);
    expect(room.pending).toBe(0);
    expect(told.outbox.at(-1)).toEqual([]);
    expect(saved.at(-1)).toEqual([]);
    expect(seqs(told.stored)).toEqual([1, 2, 3]);
  });

  it("queues messages sent before joined arrives, and sends them after", () => {
    const { room, last } = harness();
    void room.connect();
    void room.send("early");
    expect(last().sends()).toEqual([]);
    last().say(joined([], 0));
    expect(
      last()
        .sends()
        .map((f) => f.msg),
    ).toEqual(["early"]);
  });

  it("resends an unconfirmed message with the same id; the server's duplicate answer shows nothing twice", async () => {
    const { room, told, last } = harness();
    void room.connect();
    last().say(joined([], 0));
    void room.send("once");
    const frame = last().sends()[0]!;
    // Stored and broadcast to others, but our copy of the echo was lost with the connection.
    last().drop();
    await vi.advanceTimersByTimeAsync(100);
    // The resume's history does include it this time (seq 1)...
    last().say(joined([echo(frame, 1)], 1));
    expect(last().sends()).toEqual([]);
    expect(seqs(told.stored)).toEqual([1]);
    // ...and had the history not included it, the resend's echo (the original, seq 1) would be ignored as seen.
    last().say(echo(frame, 1));
    expect(seqs(told.stored)).toEqual([1]);
  });

  it("keeps at most a window of sends unanswered", () => {
    const { room, last } = harness();
    void room.connect();
    last().say(joined([], 0));
    for (let i = 0; i < 8; i++) void room.send(`m${i}`);
    expect(last().sends()).toHaveLength(5);
    last().say(echo(last().sends()[0]!, 1));
    expect(last().sends()).toHaveLength(6);
  });

  it("counts already_stored (a resend of a message the room stored and pruned since) as delivered, not failed", () => {
    const { room, told, last } = harness();
    void room.connect();
    last().say(joined([], 0));
    void room.send("long ago");
    const [sent] = last().sends();
    last().say({ type: "error", code: "already_stored", message: "stored as seq 1", ref: sent!.id });
    expect(room.outbox).toEqual([]);
    expect(told.failed).toEqual([]);
    expect(told.errors).toEqual([]);
  });

  it("sends again, with the same id, a send the room answered internal (its commit rolled back)", async () => {
    const { room, told, last } = harness();
    void room.connect();
    last().say(joined([], 0));
    const promise = room.send("try again");
    const [first] = last().sends();
    last().say({ type: "error", code: "internal", message: "internal error", ref: first!.id });
    expect(told.failed).toEqual([]);
    expect(room.outbox.map((e) => e.text)).toEqual(["try again"]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(last().sends()[1]!.id).toBe(first!.id);
    last().say(echo(last().sends()[1]!, 1));
    await expect(promise).resolves.toMatchObject({ seq: 1, text: "try again" });
  });

  it("retries every unanswered send after rate_limited, and drops a refused one with a report", async () => {
    const { room, told, last } = harness();
    void room.connect();
    last().say(joined([], 0));
    void room.send("stored");
    void room.send("too fast");
    void room.send("refused");
    const [stored, fast, refused] = last().sends();
    last().say(echo(stored!, 1));
    // "too fast" is refused for the rate, not stored; "refused" (still in flight) is refused for good.
    last().say({ type: "error", code: "rate_limited", message: "slow down", ref: fast!.id });
    last().say({ type: "error", code: "invalid_message", message: "no", ref: refused!.id });
    expect(told.failed).toEqual(["refused:invalid_message"]);
    expect(told.errors).toEqual(["invalid_message"]);
    expect(room.outbox.map((e) => e.text)).toEqual(["too fast"]);
    void room.send("typed while waiting");
    expect(last().sends()).toHaveLength(3); // nothing more until the pause is over
    await vi.advanceTimersByTimeAsync(1_000);
    expect(
      last()
        .sends()
        .slice(3)
        .map((f) => f.msg),
    ).toEqual(["too fast", "typed while waiting"]);
    expect(last().sends()[3]!.id).toBe(fast!.id);
    last().say(echo(fast!, 2));
    last().say(echo(last().sends()[4]!, 3));
    expect(room.outbox).toEqual([]);
    expect(seqs(told.stored)).toEqual([1, 2, 3]);
  });

  it("sends a reply with replyTo, and a resend after a drop (or from a saved outbox) still answers it", async () => {
    const saved = new Map<string, OutboxEntry[]>();
    const outbox = {
      load: (room: string) => saved.get(room) ?? [],
      save: (room: string, entries: OutboxEntry[]) => saved.set(room, entries),
    };
    const { room, last } = harness({ outbox });
    void room.connect();
    last().say(joined([message(1)], 1));
    void room.send("agreed", { replyTo: 1 });
    void room.send("plain");
    const [reply, plain] = last().frames();
    expect(reply).toMatchObject({ action: "send_to_room", msg: "agreed", replyTo: 1 });
    // A plain send carries no replyTo at all.
    expect(Object.keys(plain!)).toEqual(["action", "msg", "id"]);
    expect(saved.get("8888")?.map((e) => e.replyTo)).toEqual([1, undefined]);
    last().drop();
    await vi.advanceTimersByTimeAsync(100);
    last().say(joined([], 1));
    expect(last().frames()).toEqual([reply, plain]);
    // An outbox saved by an earlier run keeps it too.
    FakeSocket.all = [];
    const later = harness({ outbox }).room;
    void later.connect();
    last().say(joined([], 1));
    expect(last().frames()[0]).toEqual(reply);
  });

  it("restores a saved outbox: shown before joining, sent once joined, in its own room only", () => {
    const saved: OutboxEntry[] = [
      { id: "old-1", room: "8888", text: "from before the reload", createdAt: 1 },
      { id: "old-2", room: "elsewhere", text: "another room", createdAt: 2 },
    ];
    const { room, told, last } = harness({ outbox: { load: () => saved, save: () => {} } });
    expect(room.outbox.map((e) => e.id)).toEqual(["old-1"]);
    void room.connect();
    expect(told.outbox.at(-1)?.map((e) => e.id)).toEqual(["old-1"]);
    last().say(joined([], 0));
    expect(last().sends()).toEqual([{ action: "send_to_room", msg: "from before the reload", id: "old-1" }]);
    last().say({ type: "error", code: "muted", message: "you are muted", ref: "old-1" });
    expect(told.failed).toEqual(["from before the reload:muted"]);
  });

  it("leave with keepQueued keeps what is unconfirmed for the next visit, which sends it", async () => {
    const { room, last } = harness();
    void room.connect();
    last().say(joined([], 0));
    const sent = room.send("kept");
    room.leave({ keepQueued: true });
    await expect(sent).rejects.toMatchObject({ code: "left" });
    expect(room.outbox.map((e) => e.text)).toEqual(["kept"]);
    void room.connect();
    expect(last().url).not.toContain("since=");
    last().say(joined([], 0));
    expect(
      last()
        .sends()
        .map((f) => f.msg),
    ).toEqual(["kept"]);
  });

  it("sends edit, react and typing commands only while open; nothing is queued", async () => {
    const { room, last } = harness();
    void room.connect();
    expect(room.command({ action: "typing" })).toBe(false);
    last().say(joined([message(1, "c-1", me)], 1));
    expect(room.command({ action: "edit", seq: 1, msg: "better" })).toBe(true);
    expect(room.command({ action: "react", seq: 1, emoji: "👍" })).toBe(true);
    expect(room.command({ action: "typing" })).toBe(true);
    expect(last().frames()).toEqual([
      { action: "edit", seq: 1, msg: "better" },
      { action: "react", seq: 1, emoji: "👍" },
      { action: "typing" },
    ]);
    last().drop();
    expect(room.command({ action: "react", seq: 1, emoji: "👍" })).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    last().say(joined([], 1));
    expect(last().frames()).toEqual([]);
  });
});

describe("limits", () => {
  it("refuses blank, overlong and oversized messages before they are queued", async () => {
    const { room, last } = harness();
    void room.connect();
    last().say(joined([], 0));
    expect(room.check("hi")).toBeNull();
    expect(room.check("  \n ")?.message).toMatch(/empty/);
    await expect(room.send("x".repeat(4001))).rejects.toMatchObject({ code: "invalid_message", message: /longer/ });
    // 4000 control characters pass the length rule but escape to 6 bytes each in JSON.
    await expect(room.send("\u0001".repeat(4000))).rejects.toMatchObject({
      code: "frame_too_large",
      message: new RegExp(`of ${MAX_FRAME_BYTES} bytes`),
    });
    expect(room.outbox).toEqual([]);
    expect(last().sends()).toEqual([]);
  });

  it("checks by the defaults until a joined brings the server's limits, in code points as the server counts", async () => {
    const { c, room, last } = harness();
    const tuned = { ...publicLimits(DEFAULT_LIMITS), maxMessageChars: 5 };
    void room.connect();
    expect(room.limits).toEqual(DEFAULT_LIMITS);
    expect(room.check("x".repeat(6))).toBeNull();
    last().say(joined([], 0, { limits: tuned }));
    expect(c.limits).toEqual(limitsFromPublic(tuned));
    expect(room.check("x".repeat(6))?.message).toBe("msg is longer than 5 characters");
    // Five emoji are ten UTF-16 units but five code points: within the limit.
    expect(room.check("🦇".repeat(5))).toBeNull();
  });

  it("learns the limits before joining (GET /api/limits), unless a joined came first", async () => {
    const api = fakeApi();
    api.limits = { ...publicLimits(DEFAULT_LIMITS), maxMessageChars: 50, maxNickChars: 4 };
    const { c, room, last } = harness({ api });
    expect((await c.loadLimits()).MAX_MESSAGE_CHARS).toBe(50);
    await expect(room.connect()).rejects.toMatchObject({ code: "invalid_nick" });
    void room.connect({ nick: "rob" });
    expect(room.check("b".repeat(51))?.message).toBe("msg is longer than 50 characters");
    // A joined's limits are the server's latest: limits asked for before it came do not replace them.
    const loading = c.loadLimits();
    last().say(joined([], 0, { limits: publicLimits(DEFAULT_LIMITS) }));
    await loading;
    expect(c.limits).toEqual(DEFAULT_LIMITS);
  });
});

describe("the stream: each seq once, in order, gaps, paging", () => {
  it("tells a joined's history and live events as batches: from where, resumed or not, and how many were unseen", async () => {
    const { room, told, last } = harness();
    const joins: string[] = [];
    room.on("joined", (j) => joins.push(`${j.resumed ? "resumed" : "first"} ${j.unseen}`));
    void room.connect();
    last().say(joined([message(1), message(2)], 2));
    last().say(message(3));
    last().drop();
    await vi.advanceTimersByTimeAsync(100);
    last().say(joined([message(3), message(4)], 4));
    expect(joins).toEqual(["first 2", "resumed 1"]);
    expect(told.from).toEqual(["joined 1,2", "live 3", "joined 4"]);
  });

  it("pages a capped resume over HTTP and tells each event once, in order", async () => {
    const api = fakeApi(Array.from({ length: 450 }, (_, i) => message(i + 1)));
    const { room, told, last } = harness({ api });
    void room.connect();
    last().say(joined(api.store.slice(0, 10), 10));
    last().drop();
    await vi.advanceTimersByTimeAsync(100);
    // 440 missed: the resume carries 200 and says more.
    last().say(joined(api.store.slice(10, 210), 450, { more: true }));
    api.store.push(message(451));
    last().say(message(451)); // a live one while paging
    await settle();
    expect(api.pages.map((p) => p.since)).toEqual([210, 410]);
    expect(seqs(told.stored)).toEqual(Array.from({ length: 451 }, (_, i) => i + 1));
    expect(told.from.slice(-2)).toEqual([
      `page ${Array.from({ length: 200 }, (_, i) => i + 211).join(",")}`,
      expect.stringMatching(/^page 411,.*,451$/),
    ]);
    expect(room.cursor).toBe(451);
  });

  it("loads earlier events page by page until the first one, as `older` batches", async () => {
    const api = fakeApi(Array.from({ length: 120 }, (_, i) => message(i + 1)));
    const { room, told, last } = harness({ api });
    void room.connect();
    last().say(joined(api.store.slice(70), 120));
    expect(await room.loadOlder(50)).toBe(true);
    expect(api.pages.at(-1)).toEqual({ since: 20, limit: 50 });
    expect(await room.loadOlder(50)).toBe(false);
    expect(api.pages.at(-1)).toEqual({ since: 0, limit: 20 });
    expect(await room.loadOlder(50)).toBe(false);
    expect(api.pages).toHaveLength(2);
    expect(told.from.map((f) => f.split(" ")[0])).toEqual(["joined", "older", "older"]);
    expect([...seqs(told.stored)].sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it("pages a gap and loads earlier events with the token the room was joined with", async () => {
    const api = fakeApi(Array.from({ length: 450 }, (_, i) => message(i + 1)));
    const { room, last } = harness({ api, token: "tok-1" });
    void room.connect();
    expect(last().url).toContain("token=tok-1");
    last().say(joined(api.store.slice(5, 10), 10));
    expect(await room.loadOlder(50)).toBe(false);
    last().drop();
    await vi.advanceTimersByTimeAsync(100);
    last().say(joined(api.store.slice(10, 210), 450, { more: true }));
    await settle();
    expect(api.pages.map((p) => p.since)).toEqual([0, 210, 410]);
    expect(api.pages.map((p) => p.token)).toEqual(["tok-1", "tok-1", "tok-1"]);
    expect(room.cursor).toBe(450);
  });

  it("says `gap` when a resumed joined starts later than the cursor (the room pruned what was missed), before the joined", async () => {
    const { room, told, last } = harness();
    const order: string[] = [];
    room.on("gap", (g) => order.push(`gap ${g.from}-${g.to}`));
    room.on("joined", (j) => order.push(`joined ${seqs(j.history).join(",")}`));
    void room.connect();
    last().say(joined([message(1), message(2)], 2));
    last().drop();
    await vi.advanceTimersByTimeAsync(100);
    // The room kept only 8..9 of what came after 2.
    last().say(joined([message(8), message(9)], 9));
    // A resume that misses nothing says nothing.
    last().drop();
    await vi.advanceTimersByTimeAsync(100);
    last().say(joined([message(10)], 10));
    expect(order).toEqual(["joined 1,2", "gap 3-7", "joined 8,9", "joined 10"]);
    expect(told.gaps).toEqual(["3-7"]);
    expect(room.cursor).toBe(10);
  });

  it("says `gap` when a page starts later than the cursor, or comes back empty short of lastSeq", async () => {
    const api = fakeApi();
    const { room, told, last } = harness({ api });
    void room.connect();
    last().say(joined([message(1)], 1));
    last().drop();
    await vi.advanceTimersByTimeAsync(100);
    // Resumed from 1: 2..201 came in joined, the rest is paged; meanwhile the room pruned up to 300.
    api.store = Array.from({ length: 150 }, (_, i) => message(301 + i));
    const history = Array.from({ length: 200 }, (_, i) => message(2 + i));
    last().say(joined(history, 450, { more: true }));
    await settle();
    expect(told.gaps).toEqual(["202-300"]);
    expect(seqs(told.stored).at(-1)).toBe(450);
    // Nothing stored at all after the cursor, though lastSeq says there was.
    last().drop();
    await vi.advanceTimersByTimeAsync(100);
    api.store = [];
    last().say(joined([message(451)], 500, { more: true }));
    await settle();
    expect(told.gaps).toEqual(["202-300", "452-500"]);
    expect(room.cursor).toBe(500);
  });

  it("settles each send once, with its stored event: live, in a resumed joined, in a page, or already_stored", async () => {
    const api = fakeApi();
    const { room, last } = harness({ api });
    void room.connect();
    last().say(joined([], 0));
    const live = room.send("live");
    last().say(echo(last().sends()[0]!, 1));
    last().say(echo(last().sends()[0]!, 1)); // the same echo again: settled already
    const lost = room.send("echo lost");
    const lostFrame = last().sends()[1]!;
    last().drop();
    await vi.advanceTimersByTimeAsync(100);
    last().say(joined([echo(lostFrame, 2)], 2));
    const pruned = room.send("long ago");
    last().say({ type: "error", code: "already_stored", message: "stored long ago", ref: last().sends()[0]!.id });
    // A capped resume: the stored send comes in the page.
    const paged = room.send("paged");
    const pagedFrame = last().sends().at(-1)!;
    last().drop();
    api.store = [message(3), echo(pagedFrame, 4), message(5)];
    await vi.advanceTimersByTimeAsync(100);
    last().say(joined([message(3)], 5, { more: true }));
    await settle();
    await expect(live).resolves.toMatchObject({ seq: 1 });
    await expect(lost).resolves.toMatchObject({ seq: 2 });
    await expect(pruned).rejects.toMatchObject({ code: "already_stored" });
    await expect(paged).resolves.toMatchObject({ seq: 4 });
    expect(room.outbox).toEqual([]);
  });
});
