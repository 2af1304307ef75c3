import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CloseCode } from "../../shared/codes";
import type { MessageEvent } from "../../shared/events";
import { SUBPROTOCOL_V2 } from "../../shared/format";
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff";
import { client, echo, FakeSocket, fakeApi, joined, me, message, NO_CLOSE_FRAME, other, settle, useFakes } from "./fakes";
import { ReconnectSchedule } from "./schedule";
import { CLIENT_BACKOFF, ParleyError, type StateEvent } from "./types";

beforeEach(useFakes);
afterEach(() => {
  vi.useRealTimers();
});

// ------------------------------------------------------------ tests

describe("ParleyClient: one room", () => {
  it("connects to the room's direct socket (parley.v2, with the sender key) and resolves with the first joined", async () => {
    const c = client();
    const room = c.room(" 8888 ");
    expect(room.name).toBe("8888");
    expect(c.room("8888")).toBe(room);
    const states: string[] = [];
    room.on("state", (s) => states.push(s.state));
    const connected = room.connect();
    expect(room.state).toBe("connecting");
    expect(FakeSocket.last().url).toBe(`ws://127.0.0.1:8787/ws?room=8888&nick=robin&key=${"k".repeat(20)}`);
    expect(FakeSocket.last().protocol).toBe(SUBPROTOCOL_V2);
    expect(room.connect()).toBe(connected);
    FakeSocket.last().say(joined([message(1)], 1));
    await expect(connected).resolves.toMatchObject({ type: "joined", lastSeq: 1 });
    expect(room.state).toBe("open");
    expect(room.self?.nick).toBe("robin");
    expect(states).toEqual(["connecting", "open"]);
  });

  it("refuses what the server would: a bad room name, a bad nick, sending before connect, blank text", async () => {
    const c = client({ nick: "" });
    expect(() => c.room("a/b")).toThrow(ParleyError);
    const room = c.room("8888");
    await expect(room.connect()).rejects.toMatchObject({ code: "invalid_nick" });
    expect(FakeSocket.all).toHaveLength(0);
    await expect(room.send("hi")).rejects.toMatchObject({ code: "not_in_room" });
    const withNick = c.room("other", { nick: "robin" });
    void withNick.connect();
    await expect(withNick.send("   ")).rejects.toMatchObject({ code: "invalid_message" });
    // With a token, the token names the member: no nick needed, none sent.
    const private_ = c.room("private-x", { token: "tok" });
    void private_.connect();
    expect(FakeSocket.last().url).toBe(`ws://127.0.0.1:8787/ws?room=private-x&token=tok&key=${"k".repeat(20)}`);
  });

  it("types every server event for its listeners, and on() returns the way to stop listening", async () => {
    const room = client().room("8888");
    const seen: string[] = [];
    room.on("message", (m) => seen.push(`message ${m.seq} ${m.text}`));
    const stop = room.on("typing", (t) => seen.push(`typing ${t.member.nick}`));
    room.on("presence_changes", (p) => seen.push(`presence ${p.count}`));
    room.on("joined", (j) => seen.push(`joined ${j.lastSeq}`));
    void room.connect();
    const socket = FakeSocket.last();
    socket.say(joined([message(1)], 1));
    socket.say({ type: "typing", room: "8888", member: other });
    socket.say({ type: "presence_changes", room: "8888", joined: [{ ...other, role: "member" }], left: [], count: 2 }, message(2));
    stop();
    socket.say({ type: "typing", room: "8888", member: other });
    expect(seen).toEqual(["joined 1", "message 1 text 1", "typing batman", "presence 2", "message 2 text 2"]);
  });

  it("send settles once, with the stored message, however often a reconnect resent it", async () => {
    const room = client().room("8888");
    void room.connect();
    FakeSocket.last().say(joined([], 0));
    const resolved: MessageEvent[] = [];
    const hello = room.send("hello");
    void hello.then((m) => resolved.push(m));
    const first = FakeSocket.last().sends()[0]!;
    expect(room.pending).toBe(1);
    // The echo is lost with the connection; the reconnect resends the same id.
    FakeSocket.last().drop();
    expect(room.state).toBe("reconnecting");
    await vi.advanceTimersByTimeAsync(100);
    FakeSocket.last().say(joined([], 0));
    expect(FakeSocket.last().sends()).toEqual([first]);
    // The room had stored it after all: the resend gets the original back, live, and a duplicate changes nothing.
    FakeSocket.last().say(echo(first, 1));
    FakeSocket.last().say(echo(first, 1));
    await settle();
    expect(resolved).toEqual([echo(first, 1)]);
    expect(room.pending).toBe(0);
    await expect(hello).resolves.toEqual(echo(first, 1));
  });

  it("send resolves from a resumed joined's history too, and rejects with the refusal's code", async () => {
    const room = client().room("8888");
    const errors: string[] = [];
    room.on("error", (e) => errors.push(e.code));
    void room.connect();
    FakeSocket.last().say(joined([], 0));
    const stored = room.send("stored while away");
    const refused = room.send("too much");
    const [a, b] = FakeSocket.last().sends() as [{ msg: string; id: string }, { msg: string; id: string }, ...unknown[]];
    FakeSocket.last().say({ type: "error", code: "muted", message: "you are muted", ref: b.id });
    await expect(refused).rejects.toMatchObject({ name: "ParleyError", code: "muted", event: { ref: b.id } });
    expect(errors).toEqual(["muted"]);
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(100);
    FakeSocket.last().say(joined([echo(a, 1)], 1));
    await expect(stored).resolves.toMatchObject({ seq: 1, id: a.id });
    // Stored, but pruned before the client heard back: not a success it can show, not a failure to retry.
    const pruned = room.send("long ago");
    const c = FakeSocket.last().sends().at(-1)!;
    FakeSocket.last().say({ type: "error", code: "already_stored", message: "already stored", ref: c.id });
    await expect(pruned).rejects.toMatchObject({ code: "already_stored" });
  });

  it("tells stored events in seq order: live ones that overtake a gap being paged wait for it", async () => {
    const store = Array.from({ length: 450 }, (_, i) => message(i + 1));
    const api = { ...fakeApi(store), slowPages: true };
    const room = client({ api }).room("8888");
    const told: number[] = [];
    room.on("message", (m) => told.push(m.seq));
    void room.connect();
    FakeSocket.last().say(joined(store.slice(0, 10), 10));
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(100);
    // A capped resume: 11..210 now, 211..450 to page; 451 and 452 come live before the page does.
    FakeSocket.last().say(joined(store.slice(10, 210), 450, { more: true }));
    store.push(message(451), message(452));
    FakeSocket.last().say(message(451), message(452));
    expect(told.at(-1)).toBe(210);
    await settle();
    while (api.answer) {
      const next: () => void = api.answer;
      api.answer = null;
      next();
      await settle();
    }
    expect(api.pages.map((p) => p.since)).toEqual([210, 410]);
    expect(told).toEqual(Array.from({ length: 452 }, (_, i) => i + 1));
  });

  it("says `gap` when the room pruned what the client missed, in order, and goes on", async () => {
    const room = client().room("8888");
    const told: string[] = [];
    room.on("message", (m) => told.push(String(m.seq)));
    room.on("gap", (g) => told.push(`gap ${g.from}-${g.to}`));
    void room.connect();
    FakeSocket.last().say(joined([message(1), message(2)], 2));
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(100);
    FakeSocket.last().say(joined([message(40), message(41)], 41));
    FakeSocket.last().say(message(42));
    expect(told).toEqual(["1", "2", "gap 3-39", "40", "41", "42"]);
  });

  it("when paging over HTTP fails, resumes over the socket instead (nothing held for long)", async () => {
    const store = Array.from({ length: 450 }, (_, i) => message(i + 1));
    const api = { ...fakeApi(store), failPages: true };
    const room = client({ api }).room("8888");
    const told: number[] = [];
    room.on("message", (m) => told.push(m.seq));
    void room.connect();
    FakeSocket.last().say(joined(store.slice(0, 10), 10));
    FakeSocket.last().drop();
    await vi.advanceTimersByTimeAsync(100);
    FakeSocket.last().say(joined(store.slice(10, 210), 450, { more: true }));
    await settle();
    expect(api.pages.map((p) => p.since)).toEqual([210]);
    // The socket was closed by the client; the reconnect asks from 210, and its joined brings the rest.
    expect(FakeSocket.last().closed).not.toBeNull();
    await vi.advanceTimersByTimeAsync(200);
    expect(FakeSocket.last().url).toContain("since=210");
    FakeSocket.last().say(joined(store.slice(210, 410), 450, { more: true }));
    await settle();
    await vi.advanceTimersByTimeAsync(200);
    expect(FakeSocket.last().url).toContain("since=410");
    FakeSocket.last().say(joined(store.slice(410, 450), 450));
    expect(told).toEqual(Array.from({ length: 450 }, (_, i) => i + 1));
  });

  it("leave rejects what is unconfirmed with `left`, sends none of it again, and closes", async () => {
    const room = client().room("8888");
    const told: string[] = [];
    room.on("left", () => told.push("left"));
    room.on("state", (s) => told.push(s.state));
    void room.connect();
    FakeSocket.last().say(joined([], 0));
    const pending = room.send("unconfirmed");
    room.leave();
    await expect(pending).rejects.toMatchObject({ code: "left" });
    expect(room.state).toBe("closed");
    expect(told).toEqual(["connecting", "open", "closed", "left"]);
    expect(FakeSocket.last().sent.at(-1)).toBe(JSON.stringify({ action: "leave" }));
    // A new visit: nothing of the old one is sent.
    void room.connect();
    FakeSocket.last().say(joined([], 0));
    expect(FakeSocket.last().sends()).toEqual([]);
  });

  it("a visit the server ends (a kick) rejects connect and send with its code; no reconnect", async () => {
    const room = client().room("8888");
    const connected = room.connect();
    FakeSocket.last().say({ type: "error", code: "invalid_nick", message: "nick is taken" });
    FakeSocket.last().drop(CloseCode.POLICY_VIOLATION);
    await expect(connected).rejects.toMatchObject({ code: "invalid_nick", message: "nick is taken" });
    expect(room.state).toBe("closed");

    void room.connect();
    FakeSocket.last().say(joined([], 0));
    const sent = room.send("hi");
    FakeSocket.last().say({ type: "error", code: "kicked", message: "kicked by a moderator" });
    await expect(sent).rejects.toMatchObject({ code: "kicked" });
    expect(room.state).toBe("closed");
    const sockets = FakeSocket.all.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(sockets);
  });

  it("connect with a new token (or nick) while connected joins again and resumes; sends stay queued", async () => {
    const room = client({ token: "tok-1", nick: "" }).room("private-x");
    const told: number[] = [];
    room.on("message", (m) => told.push(m.seq));
    await Promise.resolve();
    const first = room.connect();
    expect(FakeSocket.last().url).toContain("token=tok-1");
    FakeSocket.last().say(joined([message(1, "m1", other, "one", "private-x")], 1, { room: "private-x" }));
    await first;
    expect(room.connect()).toBe(first);
    const sent = room.send("queued across the rejoin");
    const again = room.connect({ token: "tok-2" });
    expect(FakeSocket.all[0]!.closed).not.toBeNull();
    expect(FakeSocket.last().url).toBe(`ws://127.0.0.1:8787/ws?room=private-x&token=tok-2&since=1&key=${"k".repeat(20)}`);
    FakeSocket.last().say(joined([message(2, "m2", other, "two", "private-x")], 2, { room: "private-x" }));
    await expect(again).resolves.toMatchObject({ lastSeq: 2 });
    const frame = FakeSocket.last().sends()[0]!;
    expect(frame.msg).toBe("queued across the rejoin");
    FakeSocket.last().say(echo(frame, 3, "private-x"));
    await expect(sent).resolves.toMatchObject({ seq: 3 });
    expect(told).toEqual([1, 2, 3]);
  });

  it("sends commands (edit, react, typing, members) only while open, and hears their answers", () => {
    const room = client().room("8888");
    const told: string[] = [];
    room.on("edit", (e) => told.push(`edit ${e.target}: ${e.text}`));
    room.on("members", (m) => told.push(`members ${m.count}`));
    void room.connect();
    expect(room.command({ action: "typing" })).toBe(false);
    FakeSocket.last().say(joined([], 0));
    expect(room.command({ action: "edit", seq: 1, msg: "better" })).toBe(true);
    expect(room.command({ action: "members", after: "a" })).toBe(true);
    expect(FakeSocket.last().sent.filter((f) => f !== "ping")).toEqual([
      JSON.stringify({ action: "edit", seq: 1, msg: "better" }),
      JSON.stringify({ action: "members", after: "a" }),
    ]);
    FakeSocket.last().say(
      { type: "edit", room: "8888", seq: 2, target: 1, text: "better", from: me, ts: 5 },
      { type: "members", room: "8888", count: 1, members: [{ ...me, role: "member" }] },
    );
    expect(told).toEqual(["edit 1: better", "members 1"]);
  });

  it("a listener that throws does not break the room", async () => {
    const room = client().room("8888");
    room.on("message", () => {
      throw new Error("app bug");
    });
    const told: number[] = [];
    room.on("message", (m) => told.push(m.seq));
    void room.connect();
    FakeSocket.last().say(joined([], 0));
    const sent = room.send("hi");
    FakeSocket.last().say(echo(FakeSocket.last().sends()[0]!, 1));
    await expect(sent).resolves.toMatchObject({ seq: 1 });
    expect(told).toEqual([1]);
    // The error is thrown again on its own, outside the client.
    expect(() => vi.runOnlyPendingTimers()).toThrow("app bug");
  });
});

describe("ParleyClient: several rooms", () => {
  it("gives each room its own socket and events", async () => {
    const c = client();
    const a = c.room("a");
    const b = c.room("b");
    const told: string[] = [];
    a.on("message", (m) => told.push(`a:${m.text}`));
    b.on("message", (m) => told.push(`b:${m.text}`));
    void a.connect();
    void b.connect();
    const [sa] = FakeSocket.inRoom("a");
    const [sb] = FakeSocket.inRoom("b");
    sa!.say(joined([], 0, { room: "a" }));
    sb!.say(joined([], 0, { room: "b" }));
    const sent = b.send("to b");
    expect(sa!.sends()).toEqual([]);
    sb!.say(echo(sb!.sends()[0]!, 1, "b"));
    await expect(sent).resolves.toMatchObject({ room: "b", seq: 1 });
    expect(told).toEqual(["b:to b"]);
  });

  it("shares one online/offline state, and spreads the rooms' reconnects", async () => {
    const c = client({ backoff: { baseMs: 1000, maxMs: 1000, factor: 1, jitter: 0 }, reconnectSpacingMs: 100 });
    const signals: string[] = [];
    c.on("offline", () => signals.push("offline"));
    c.on("online", () => signals.push("online"));
    const rooms = ["a", "b", "c"].map((name) => c.room(name));
    const retries: Record<string, number[]> = { a: [], b: [], c: [] };
    for (const room of rooms) {
      room.on("state", (s: StateEvent) => {
        if (s.retryAt !== undefined) retries[room.name]!.push(s.retryAt - Date.now());
      });
      void room.connect();
      FakeSocket.last().say(joined([], 0, { room: room.name }));
    }
    expect(c.online).toBe(true);
    // A deploy drops every socket at once.
    for (const room of rooms) FakeSocket.inRoom(room.name).at(-1)!.drop(NO_CLOSE_FRAME);
    expect(signals).toEqual(["offline"]);
    expect(c.online).toBe(false);
    // Not one wave: each room waits its backoff, and they are spaced apart.
    const waits = rooms.map((room) => retries[room.name]![0]!);
    expect(waits[0]).toBe(1000);
    expect(waits[1]! - waits[0]!).toBeGreaterThanOrEqual(50);
    expect(waits[2]! - waits[1]!).toBeGreaterThanOrEqual(50);
    await vi.advanceTimersByTimeAsync(waits[0]!);
    expect(FakeSocket.inRoom("a")).toHaveLength(2);
    expect(FakeSocket.inRoom("b")).toHaveLength(1);
    FakeSocket.inRoom("a")
      .at(-1)!
      .say(joined([], 0, { room: "a" }));
    expect(signals).toEqual(["offline", "online"]);
    await vi.advanceTimersByTimeAsync(waits[2]! - waits[0]!);
    expect(rooms.map((r) => FakeSocket.inRoom(r.name).length)).toEqual([2, 2, 2]);
  });

  it("while every room is down, a room that drops later waits as long as the others already do", () => {
    let now = 0;
    const schedule = new ReconnectSchedule(
      { baseMs: 100, maxMs: 10_000, factor: 2, jitter: 0 },
      0,
      () => now,
      () => 0.5,
    );
    // Room a has failed five times in an outage.
    for (let attempt = 0; attempt < 5; attempt++) schedule.delay(attempt, true);
    now = 100_000;
    expect(schedule.delay(0, true)).toBe(1600);
    // With another room open, the network is fine: a room that drops starts from the base.
    now += 2_000;
    expect(schedule.delay(0, false)).toBe(100);
    now += 2_000;
    schedule.reset();
    expect(schedule.delay(0, true)).toBe(100);
    // Reconnects wanted at the same moment are spaced apart.
    const spaced = new ReconnectSchedule(
      { baseMs: 100, maxMs: 100, factor: 1, jitter: 0 },
      200,
      () => now,
      () => 0.5,
    );
    expect([0, 0, 0].map((attempt) => spaced.delay(attempt, false))).toEqual([100, 300, 500]);
  });

  it("a deploy that drops every socket of 2,000 clients does not bring them back as one wave", () => {
    // Every client's first reconnect after the drop, with the client's backoff (full jitter) and with the page's (half).
    const first = (options: typeof CLIENT_BACKOFF) => Array.from({ length: 2_000 }, () => backoffDelay(0, Math.random, options));
    const busiest = (delays: number[]) => {
      const buckets = new Map<number, number>();
      for (const d of delays) buckets.set(Math.floor(d / 100), (buckets.get(Math.floor(d / 100)) ?? 0) + 1);
      return Math.max(...buckets.values()) / delays.length;
    };
    const client = first(CLIENT_BACKOFF);
    expect(Math.min(...client)).toBeLessThan(50);
    expect(Math.max(...client)).toBeGreaterThan(950);
    // About a tenth of them in any 100 ms: the busiest 100 ms holds well under a fifth.
    expect(busiest(client)).toBeLessThan(0.15);
    // The page's default squeezes the same crowd into 250–500 ms: two fifths in the busiest 100 ms.
    expect(busiest(first(DEFAULT_BACKOFF))).toBeGreaterThan(0.3);
  });
});
