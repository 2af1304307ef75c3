import { describe, expect, it } from "vitest";
import type { ErrorEvent, JoinedEvent, Member, MessageEvent, ServerEvent, StoredEvent } from "../../shared/events";
import { SUBPROTOCOL_V2 } from "../../shared/format";
import { DEFAULT_LIMITS, limitsFromPublic, MAX_FRAME_BYTES, type PublicLimits, publicLimits } from "../../shared/limits";
import type { OutboxEntry } from "./outbox";
import {
  ChatSession,
  type ConnState,
  checkOutgoing,
  refusalOf,
  type SessionDeps,
  type SessionListener,
  type SocketHandlers,
  socketUrl,
} from "./session";

// ------------------------------------------------------------ fakes

class FakeSocket {
  sent: string[] = [];
  closed: { code?: number; reason?: string } | null = null;
  constructor(
    readonly url: string,
    readonly protocol: string,
    readonly handlers: SocketHandlers,
  ) {}
  send(data: string): void {
    if (this.closed) throw new Error("closed");
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closed = { code, reason };
  }
  /** The server speaks. */
  event(event: ServerEvent): void {
    this.handlers.message(JSON.stringify(event));
  }
  /** The connection drops. */
  drop(code = 1006): void {
    this.handlers.close(code, "");
  }
  frames(): Record<string, unknown>[] {
    return this.sent.filter((s) => s !== "ping").map((s) => JSON.parse(s) as Record<string, unknown>);
  }
  sends(): { msg: string; id: string }[] {
    return this.frames().filter((f) => f.action === "send_to_room") as { msg: string; id: string }[];
  }
}

/** A clock whose timers run only when the test advances it. */
class Clock {
  now = 1_000_000;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private next = 1;
  set = (fn: () => void, ms: number): number => {
    const id = this.next++;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  };
  clear = (id: unknown): void => {
    this.timers.delete(id as number);
  };
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let first: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!first || entry[1].at < first[1].at)) first = entry;
      if (!first) break;
      this.timers.delete(first[0]);
      this.now = first[1].at;
      first[1].fn();
    }
    this.now = end;
  }
}

interface Harness {
  session: ChatSession;
  sockets: FakeSocket[];
  clock: Clock;
  shown: StoredEvent[];
  states: ConnState[];
  pending: OutboxEntry[][];
  saved: OutboxEntry[][];
  failed: string[];
  pages: { since: number; limit: number }[];
  /** The token each page fetch was given. */
  pageTokens: (string | undefined)[];
  store: MessageEvent[];
  last(): FakeSocket;
}

function harness(
  options: { outbox?: OutboxEntry[]; listener?: SessionListener; checkAdmission?: SessionDeps["checkAdmission"] } = {},
): Harness {
  const clock = new Clock();
  const h: Harness = {
    session: undefined as unknown as ChatSession,
    sockets: [],
    clock,
    shown: [],
    states: [],
    pending: [],
    saved: [],
    failed: [],
    pages: [],
    pageTokens: [],
    store: [],
    last() {
      const s = this.sockets.at(-1);
      if (!s) throw new Error("no socket yet");
      return s;
    },
  };
  let ids = 0;
  h.session = new ChatSession(
    {
      connect: (url, protocol, handlers) => {
        const socket = new FakeSocket(url, protocol, handlers);
        h.sockets.push(socket);
        return socket;
      },
      fetchMessages: async (_room, since, limit, token) => {
        h.pages.push({ since, limit });
        h.pageTokens.push(token);
        return h.store.filter((m) => m.seq > since).slice(0, limit);
      },
      setTimer: clock.set,
      clearTimer: clock.clear,
      now: () => clock.now,
      random: () => 0.5,
      newId: () => `id-${++ids}`,
      saveOutbox: (entries) => h.saved.push(entries),
      ...(options.checkAdmission ? { checkAdmission: options.checkAdmission } : {}),
    },
    { wsBase: "ws://127.0.0.1:8787", outbox: options.outbox },
    {
      state: (s) => h.states.push(s),
      messages: (ms) => h.shown.push(...ms),
      joined: (_e, history) => h.shown.push(...history),
      outbox: (p) => h.pending.push(p),
      failed: (entry, error) => h.failed.push(`${entry.id}:${error.code}`),
      ...options.listener,
    },
  );
  return h;
}

const me: Member = { id: "me1", nick: "robin" };
function message(seq: number, id = `srv-${seq}`, from: Member = { id: "u9", nick: "batman" }, text = `text ${seq}`): MessageEvent {
  return { type: "message", room: "8888", seq, id, from, text, ts: 1_000 + seq };
}
function joined(
  history: MessageEvent[],
  lastSeq: number,
  self: Member = me,
  more?: boolean,
  limits: PublicLimits = publicLimits(DEFAULT_LIMITS),
): JoinedEvent {
  return {
    type: "joined",
    room: "8888",
    self: { ...self, role: "member" },
    members: [{ ...self, role: "member" }],
    count: 1,
    history,
    lastSeq,
    limits,
    ...(more ? { more } : {}),
  };
}
/** The server's echo of a send: stored with the next seq. */
function echo(frame: { msg: string; id: string }, seq: number, from: Member = me): MessageEvent {
  return message(seq, frame.id, from, frame.msg);
}

const seqs = (ms: StoredEvent[]) => ms.map((m) => m.seq);

// ------------------------------------------------------------ tests

describe("socketUrl and checkOutgoing", () => {
  it("builds the direct socket address, with since and key only when known", () => {
    expect(socketUrl("ws://h", { room: "team blue", nick: "bat&man" })).toBe("ws://h/ws?room=team+blue&nick=bat%26man");
    expect(socketUrl("wss://h", { room: "8888", nick: "x", since: 0 })).toBe("wss://h/ws?room=8888&nick=x&since=0");
    expect(socketUrl("wss://h", { room: "8888", nick: "x", key: "k".repeat(16) })).toBe(
      `wss://h/ws?room=8888&nick=x&key=${"k".repeat(16)}`,
    );
  });

  it("refuses blank, overlong and oversized messages before they are queued", () => {
    expect(checkOutgoing("hi", "id")).toBeNull();
    expect(checkOutgoing("  \n ", "id")).toMatch(/empty/);
    expect(checkOutgoing("x".repeat(4001), "id")).toMatch(/longer/);
    // 4000 control characters pass the length rule but escape to 6 bytes each in JSON.
    expect(checkOutgoing("\u0001".repeat(4000), "id")).toMatch(new RegExp(`of ${MAX_FRAME_BYTES} bytes`));
  });

  it("measures by the limits it is given, in code points as the server does", () => {
    const limits = { ...DEFAULT_LIMITS, MAX_MESSAGE_CHARS: 5 };
    expect(checkOutgoing("x".repeat(6), "id", limits)).toBe("msg is longer than 5 characters");
    // Five emoji are ten UTF-16 units but five code points: within the limit.
    expect(checkOutgoing("🦇".repeat(5), "id", limits)).toBeNull();
  });
});

describe("ChatSession", () => {
  it("joins with the subprotocol, shows history, and sends with an id", () => {
    const h = harness();
    h.session.join("8888", "robin");
    expect(h.last().url).toBe("ws://127.0.0.1:8787/ws?room=8888&nick=robin");
    expect(h.last().protocol).toBe(SUBPROTOCOL_V2);
    expect(h.session.state.kind).toBe("connecting");
    h.last().event(joined([message(1), message(2)], 2));
    expect(h.session.state.kind).toBe("online");
    expect(seqs(h.shown)).toEqual([1, 2]);

    const entry = h.session.send("hello");
    expect(typeof entry).toBe("object");
    expect(h.last().sends()).toEqual([{ action: "send_to_room", msg: "hello", id: "id-1" }]);
    expect(h.session.pending().map((e) => e.text)).toEqual(["hello"]);
    h.last().event(echo(h.last().sends()[0]!, 3));
    expect(h.session.pending()).toEqual([]);
    expect(seqs(h.shown)).toEqual([1, 2, 3]);
    expect(h.saved.at(-1)).toEqual([]);
  });

  it("queues messages typed before joined arrives, and sends them after", () => {
    const h = harness();
    h.session.join("8888", "robin");
    h.session.send("early");
    expect(h.last().sends()).toEqual([]);
    h.last().event(joined([], 0));
    expect(
      h
        .last()
        .sends()
        .map((f) => f.msg),
    ).toEqual(["early"]);
  });

  it("reconnects with backoff and since, sends what was typed meanwhile, and shows everything exactly once", () => {
    const h = harness();
    h.session.join("8888", "robin");
    h.last().event(joined([message(1)], 1));
    h.session.send("before the drop"); // sent, echo lost with the connection
    const first = h.last();
    const sentBefore = first.sends()[0]!;
    first.drop();
    expect(h.session.state).toMatchObject({ kind: "waiting", attempt: 1 });

    h.session.send("during the outage");
    expect(h.sockets).toHaveLength(1);

    // First retry after base * (0.5 + 0.5 * 0.5) = 375 ms; it fails too, the next waits longer.
    h.clock.advance(374);
    expect(h.sockets).toHaveLength(1);
    h.clock.advance(1);
    expect(h.sockets).toHaveLength(2);
    h.last().drop();
    expect(h.session.state).toMatchObject({ kind: "waiting", attempt: 2 });
    h.clock.advance(749);
    expect(h.sockets).toHaveLength(2);
    h.clock.advance(1);
    expect(h.sockets).toHaveLength(3);

    // Back: resume from seq 1. The server had stored "before the drop" as seq 2; another member said seq 3.
    const socket = h.last();
    expect(socket.url).toContain("since=1");
    expect(socket.sends()).toEqual([]); // nothing before joined
    socket.event(joined([echo(sentBefore, 2), message(3)], 3, { id: "me2", nick: "robin" }));
    // "before the drop" is confirmed by the history; only "during the outage" goes out, with its id.
    expect(socket.sends()).toEqual([{ action: "send_to_room", msg: "during the outage", id: "id-2" }]);
    socket.event(echo(socket.sends()[0]!, 4, { id: "me2", nick: "robin" }));
    expect(h.session.pending()).toEqual([]);
    expect(seqs(h.shown)).toEqual([1, 2, 3, 4]);
    expect(h.session.state.kind).toBe("online");
    expect(h.session.cursor).toBe(4);
  });

  it("resends an unconfirmed message with the same id; the server's duplicate answer shows nothing twice", () => {
    const h = harness();
    h.session.join("8888", "robin");
    h.last().event(joined([], 0));
    h.session.send("once");
    const frame = h.last().sends()[0]!;
    // Stored and broadcast to others, but our copy of the echo was lost with the connection.
    h.last().drop();
    h.clock.advance(10_000);
    // The resume's history does include it this time (seq 1)...
    h.last().event(joined([echo(frame, 1)], 1));
    expect(h.last().sends()).toEqual([]);
    expect(seqs(h.shown)).toEqual([1]);
    // ...and had the history not included it, the resend's echo (the original, seq 1) would be ignored as seen.
    h.last().event(echo(frame, 1));
    expect(seqs(h.shown)).toEqual([1]);
  });

  it("resends after a drop before the echo; the original echo confirms it", () => {
    const h = harness();
    h.session.join("8888", "robin");
    h.last().event(joined([], 0));
    h.session.send("kept");
    const frame = h.last().sends()[0]!;
    h.last().drop(); // never reached the server
    h.clock.advance(10_000);
    h.last().event(joined([], 0));
    expect(h.last().sends()).toEqual([frame]);
    h.last().event(echo(frame, 1));
    expect(h.session.pending()).toEqual([]);
    expect(seqs(h.shown)).toEqual([1]);
  });

  it("keeps at most a window of sends unanswered", () => {
    const h = harness();
    h.session.join("8888", "robin");
    h.last().event(joined([], 0));
    for (let i = 0; i < 8; i++) h.session.send(`m${i}`);
    expect(h.last().sends()).toHaveLength(5);
    h.last().event(echo(h.last().sends()[0]!, 1));
    expect(h.last().sends()).toHaveLength(6);
  });

  it("counts already_stored (a resend of a message the room stored and pruned since) as delivered, not failed", () => {
    const h = harness();
    h.session.join("8888", "robin");
    h.last().event(joined([], 0));
    h.session.send("long ago");
    const [sent] = h.last().sends();
    h.last().event({ type: "error", code: "already_stored", message: "stored as seq 1", ref: sent!.id });
    expect(h.session.pending()).toEqual([]);
    expect(h.failed).toEqual([]);
  });

  it("retries every unanswered send after rate_limited, and drops a refused one with a report", () => {
    const h = harness();
    h.session.join("8888", "robin");
    h.last().event(joined([], 0));
    h.session.send("stored");
    h.session.send("too fast");
    h.session.send("refused");
    const [stored, fast, refused] = h.last().sends();
    h.last().event(echo(stored!, 1));
    // "too fast" is refused for the rate, not stored; "refused" (still in flight) is refused for good.
    h.last().event({ type: "error", code: "rate_limited", message: "slow down", ref: fast!.id });
    h.last().event({ type: "error", code: "invalid_message", message: "no", ref: refused!.id });
    expect(h.failed).toEqual([`${refused!.id}:invalid_message`]);
    expect(h.session.pending().map((e) => e.text)).toEqual(["too fast"]);
    h.session.send("typed while waiting");
    expect(h.last().sends()).toHaveLength(3); // nothing more until the pause is over
    h.clock.advance(1_000);
    expect(h.last().sends().slice(3)).toEqual([fast, { action: "send_to_room", msg: "typed while waiting", id: "id-4" }]);
    h.last().event(echo(fast!, 2));
    h.last().event(echo(h.last().sends()[4]!, 3));
    expect(h.session.pending()).toEqual([]);
    expect(seqs(h.shown)).toEqual([1, 2, 3]);
  });

  it("pages a capped resume over HTTP and shows each message once", async () => {
    const h = harness();
    h.store = Array.from({ length: 450 }, (_, i) => message(i + 1));
    h.session.join("8888", "robin");
    h.last().event(joined(h.store.slice(0, 10), 10));
    h.last().drop();
    h.clock.advance(10_000);
    // 440 missed: the resume carries 200 and says more.
    h.last().event(joined(h.store.slice(10, 210), 450, me, true));
    h.last().event(message(451)); // a live one while paging
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    expect(h.pages.map((p) => p.since)).toEqual([210, 410, 450]);
    const shown = seqs(h.shown);
    expect(new Set(shown).size).toBe(shown.length);
    expect([...shown].sort((a, b) => a - b)).toEqual(Array.from({ length: 451 }, (_, i) => i + 1));
    expect(h.session.cursor).toBe(451);
  });

  it("loads earlier messages page by page until the first one", async () => {
    const h = harness();
    h.store = Array.from({ length: 120 }, (_, i) => message(i + 1));
    h.session.join("8888", "robin");
    h.last().event(joined(h.store.slice(70), 120));
    expect(await h.session.loadOlder(50)).toBe(true);
    expect(h.pages.at(-1)).toEqual({ since: 20, limit: 50 });
    expect(await h.session.loadOlder(50)).toBe(false);
    expect(h.pages.at(-1)).toEqual({ since: 0, limit: 20 });
    expect(await h.session.loadOlder(50)).toBe(false);
    expect(h.pages).toHaveLength(2);
    const shown = seqs(h.shown);
    expect([...shown].sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it("restores a saved outbox and sends it once in that room", () => {
    const saved: OutboxEntry[] = [
      { id: "old-1", room: "8888", text: "from before the reload", createdAt: 1 },
      { id: "old-2", room: "elsewhere", text: "another room", createdAt: 2 },
    ];
    const h = harness({ outbox: saved });
    h.session.join("8888", "robin");
    h.last().event(joined([], 0));
    expect(h.last().sends()).toEqual([{ action: "send_to_room", msg: "from before the reload", id: "old-1" }]);
    expect(h.session.pending().map((e) => e.id)).toEqual(["old-1"]);
  });

  it("leaves politely and does not reconnect", () => {
    const h = harness();
    h.session.join("8888", "robin");
    const socket = h.last();
    socket.event(joined([], 0));
    h.session.leave();
    expect(socket.frames()).toEqual([{ action: "leave" }]);
    expect(socket.closed).toEqual({ code: 1000, reason: "bye" });
    expect(h.session.state.kind).toBe("idle");
    socket.drop(1000); // late close of the old socket: ignored
    h.clock.advance(60_000);
    expect(h.sockets).toHaveLength(1);
  });

  it("switching rooms starts afresh; rejoining the same room resumes", () => {
    const h = harness();
    h.session.join("8888", "robin");
    h.last().event(joined([message(1)], 1));
    h.session.join("8888", "robin2");
    expect(h.last().url).toBe("ws://127.0.0.1:8787/ws?room=8888&nick=robin2&since=1");
    h.last().event(joined([message(1)], 1));
    h.session.join("9999", "robin2");
    expect(h.last().url).toBe("ws://127.0.0.1:8787/ws?room=9999&nick=robin2");
    // Events of the old sockets are ignored.
    h.sockets[0]!.event(message(2));
    expect(seqs(h.shown)).toEqual([1]);
  });

  it("gives up on a connection that never says joined, and on one that stops answering pings", () => {
    const h = harness();
    h.session.join("8888", "robin");
    h.clock.advance(10_000);
    expect(h.session.state.kind).toBe("waiting");
    h.clock.advance(1_000);
    h.last().event(joined([], 0));
    expect(h.session.state.kind).toBe("online");
    const socket = h.last();
    h.clock.advance(25_000);
    expect(socket.sent).toContain("ping");
    h.clock.advance(9_000);
    socket.handlers.message("pong");
    expect(h.session.state.kind).toBe("online");
    h.clock.advance(35_000); // ping again, no pong this time
    expect(h.session.state.kind).toBe("waiting");
    expect(socket.closed).not.toBeNull();
  });

  it("ignores frames that are not events, events of unknown types, and events for another room", () => {
    const h = harness();
    h.session.join("8888", "robin");
    h.last().event(joined([], 0));
    h.last().handlers.message("not json");
    h.last().handlers.message("[1,2]");
    // A type from a newer server, and one that reaches Object.prototype through the table: neither is a handler.
    h.last().handlers.message(JSON.stringify({ type: "typing", room: "8888" }));
    h.last().handlers.message(JSON.stringify({ type: "__proto__" }));
    h.last().event({ ...message(1), room: "other" });
    expect(h.shown).toEqual([]);
    expect(h.session.state.kind).toBe("online");
  });

  it("checks outgoing messages by the defaults until a joined brings the server's limits", () => {
    const h = harness();
    const tuned = { ...publicLimits(DEFAULT_LIMITS), maxMessageChars: 50 };
    h.session.join("8888", "robin");
    expect(h.session.limits).toEqual(DEFAULT_LIMITS);
    // Before joined: the defaults (4000) let 51 characters be queued.
    expect(typeof h.session.send("a".repeat(51))).toBe("object");
    h.last().event(joined([], 0, me, false, tuned));
    expect(h.session.limits).toEqual(limitsFromPublic(tuned));
    expect(h.session.send("b".repeat(51))).toBe("msg is longer than 50 characters");
    expect(typeof h.session.send("c".repeat(50))).toBe("object");
    expect(h.session.pending().map((e) => e.text.length)).toEqual([51, 50]);
  });

  it("checks outgoing messages by limits learned before joining (as from GET /api/limits)", () => {
    const h = harness();
    h.session.learnLimits({ ...publicLimits(DEFAULT_LIMITS), maxMessageChars: 50 });
    h.session.join("8888", "robin");
    expect(h.session.send("b".repeat(51))).toBe("msg is longer than 50 characters");
    expect(h.session.pending()).toEqual([]);
  });

  it("reports the states a view shows", () => {
    const h = harness();
    h.session.join("8888", "robin");
    h.last().drop();
    h.clock.advance(10_000);
    h.last().event(joined([], 0));
    expect(h.states.map((s) => s.kind)).toEqual(["connecting", "waiting", "connecting", "online"]);
  });
});

describe("refusals, moderation and tokens", () => {
  /** Lets resolved promises (a fake fetch's answer) run. */
  const settle = async () => {
    for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
  };
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
    const errors: string[] = [];
    const ended: number[] = [];
    const h = harness({
      checkAdmission: async (room, token) => {
        asked.push({ room, token });
        return room === "private-x" ? needsToken : { type: "error", code: "forbidden", message: "your token is not for room private-y" };
      },
      listener: { error: (e) => errors.push(e.message), ended: (code) => ended.push(code) },
    });
    h.session.join("private-x", "robin");
    // What a browser reports of an HTTP 401 answered to its upgrade.
    h.last().drop(1006);
    expect(h.session.state.kind).toBe("connecting");
    await settle();
    expect(asked).toEqual([{ room: "private-x", token: undefined }]);
    expect(errors).toEqual([needsToken.message]);
    expect(ended).toEqual([401]);
    expect(h.session.state.kind).toBe("idle");
    expect(h.session.room).toBeNull();
    h.clock.advance(60_000);
    expect(h.sockets).toHaveLength(1);

    // With a token for another room: 403, the same way.
    h.session.join("private-y", "Robin", "tok-other");
    h.last().drop(1006);
    await settle();
    expect(asked.at(-1)).toEqual({ room: "private-y", token: "tok-other" });
    expect(ended).toEqual([401, 403]);
    h.clock.advance(60_000);
    expect(h.sockets).toHaveLength(2);
    expect(h.states.map((s) => s.kind)).not.toContain("waiting");
  });

  it("when the HTTP API admits, fails or does not answer, a failed connection is retried with backoff as before", async () => {
    let answer: () => Promise<ErrorEvent | null> = async () => null;
    let asked = 0;
    const h = harness({
      checkAdmission: () => {
        asked++;
        return answer();
      },
    });
    h.session.join("8888", "robin");
    h.last().drop(1006);
    await settle();
    expect(h.session.state.kind).toBe("waiting");
    h.clock.advance(10_000);
    expect(h.sockets).toHaveLength(2);

    // The network is down: the check fails too.
    answer = () => Promise.reject(new Error("offline"));
    h.last().drop(1006);
    await settle();
    expect(h.session.state.kind).toBe("waiting");
    h.clock.advance(10_000);
    expect(h.sockets).toHaveLength(3);

    // No answer at all: given up after the connect timeout.
    answer = () => new Promise(() => {});
    h.last().drop(1006);
    await settle();
    expect(h.session.state.kind).toBe("connecting");
    h.clock.advance(10_000);
    expect(h.session.state.kind).toBe("waiting");
    expect(asked).toBe(3);

    // Only failures before joined without a close frame are asked about.
    h.clock.advance(60_000);
    h.last().drop(1013); // room_full: try again later
    await settle();
    h.clock.advance(60_000);
    h.last().event(joined([], 0));
    h.last().drop(1006); // dropped while in the room
    await settle();
    expect(asked).toBe(3);
    expect(h.session.state.kind).toBe("waiting");
  });

  it("a ban or a kick ends the visit: the reason is reported, no reconnect", () => {
    for (const [code, close] of [
      ["banned", 4003],
      ["kicked", 4001],
    ] as const) {
      const errors: string[] = [];
      const ended: number[] = [];
      const h = harness({ listener: { error: (e) => errors.push(e.code), ended: (c) => ended.push(c) } });
      h.session.join("8888", "robin");
      h.last().event(joined([], 0));
      h.last().event({ type: "error", code, message: `you are ${code}` });
      h.last().drop(close);
      expect(errors).toEqual([code]);
      expect(ended).toEqual([close]);
      expect(h.session.state.kind).toBe("idle");
      h.clock.advance(60_000);
      expect(h.sockets).toHaveLength(1);
    }
  });

  it("a kicked or banned error ends the visit at once: a close that comes late, or never, brings no reconnect", () => {
    for (const [code, close] of [
      ["kicked", 4001],
      ["banned", 4003],
    ] as const) {
      const errors: string[] = [];
      const ended: number[] = [];
      const h = harness({ listener: { error: (e) => errors.push(e.code), ended: (c) => ended.push(c) } });
      h.session.join("8888", "robin");
      const socket = h.last();
      socket.event(joined([], 0));
      socket.event({ type: "error", code, message: `you are ${code}` });
      expect(h.session.state.kind).toBe("idle");
      expect(errors).toEqual([code]);
      expect(ended).toEqual([close]);
      expect(socket.closed).not.toBeNull();
      expect(h.session.send("still here?")).toBe("join a room first");
      // No close for a minute (heartbeats included), then a late one: nothing more happens.
      h.clock.advance(60_000);
      socket.drop(close);
      h.clock.advance(60_000);
      expect(h.sockets).toHaveLength(1);
      expect(ended).toEqual([close]);
    }
  });

  it("sends a reply with replyTo, and a resend after a drop (or from a saved outbox) still answers it", () => {
    const h = harness();
    h.session.join("8888", "robin");
    h.last().event(joined([message(1)], 1));
    const entry = h.session.send("agreed", { replyTo: 1 });
    expect(entry).toMatchObject({ text: "agreed", replyTo: 1 });
    expect(h.last().frames()).toEqual([{ action: "send_to_room", msg: "agreed", id: "id-1", replyTo: 1 }]);
    // A plain send carries no replyTo at all.
    h.session.send("plain");
    expect(h.last().frames()[1]).toEqual({ action: "send_to_room", msg: "plain", id: "id-2" });
    expect(h.saved.at(-1)?.map((e) => e.replyTo)).toEqual([1, undefined]);
    h.last().drop();
    h.clock.advance(10_000);
    h.last().event(joined([], 1));
    expect(h.last().frames()).toEqual([
      { action: "send_to_room", msg: "agreed", id: "id-1", replyTo: 1 },
      { action: "send_to_room", msg: "plain", id: "id-2" },
    ]);
    // An outbox saved by an earlier visit keeps it too.
    const later = harness({ outbox: h.saved.at(-1) });
    later.session.join("8888", "robin");
    later.last().event(joined([], 1));
    expect(later.last().frames()[0]).toEqual({ action: "send_to_room", msg: "agreed", id: "id-1", replyTo: 1 });
  });

  it("sends edit, react and typing commands only while online; nothing is queued", () => {
    const h = harness();
    h.session.join("8888", "robin");
    expect(h.session.command({ action: "typing" })).toBe(false);
    h.last().event(joined([message(1, "c-1", me)], 1));
    expect(h.session.command({ action: "edit", seq: 1, msg: "better" })).toBe(true);
    expect(h.session.command({ action: "react", seq: 1, emoji: "👍" })).toBe(true);
    expect(h.session.command({ action: "typing" })).toBe(true);
    expect(h.last().frames()).toEqual([
      { action: "edit", seq: 1, msg: "better" },
      { action: "react", seq: 1, emoji: "👍" },
      { action: "typing" },
    ]);
    h.last().drop();
    expect(h.session.command({ action: "react", seq: 1, emoji: "👍" })).toBe(false);
    h.clock.advance(10_000);
    h.last().event(joined([], 1));
    expect(h.last().frames()).toEqual([]);
  });

  it("pages a gap and loads earlier messages with the token the room was joined with", async () => {
    const h = harness();
    h.store = Array.from({ length: 450 }, (_, i) => message(i + 1));
    h.session.join("8888", "Robin", "tok-1");
    expect(h.last().url).toContain("token=tok-1");
    h.last().event(joined(h.store.slice(5, 10), 10));
    expect(await h.session.loadOlder(50)).toBe(false);
    h.last().drop();
    h.clock.advance(10_000);
    h.last().event(joined(h.store.slice(10, 210), 450, me, true));
    await settle();
    expect(h.pages.map((p) => p.since)).toEqual([0, 210, 410]);
    expect(h.pageTokens).toEqual(["tok-1", "tok-1", "tok-1"]);
    expect(h.session.cursor).toBe(450);
  });
});

describe("signals for a client built on the session (src/client/core/client.ts)", () => {
  /** Lets resolved promises (a fake fetch's answer) run. */
  const settle = async () => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
  };

  it("tells each confirmed send once, with its stored event: live, in a resumed joined, in a page, or already_stored", async () => {
    const confirmed: string[] = [];
    const h = harness({ listener: { confirmed: (entry, event) => confirmed.push(`${entry.text}:${event?.seq ?? "pruned"}`) } });
    h.session.join("8888", "robin");
    h.last().event(joined([], 0));
    h.session.send("live");
    h.last().event(echo(h.last().sends()[0]!, 1));
    h.last().event(echo(h.last().sends()[0]!, 1)); // the same echo again: confirmed already
    h.session.send("echo lost");
    const lost = h.last().sends()[1]!;
    h.last().drop();
    h.clock.advance(10_000);
    h.last().event(joined([echo(lost, 2)], 2));
    h.session.send("long ago");
    h.last().event({ type: "error", code: "already_stored", message: "stored long ago", ref: h.last().sends()[0]!.id });
    // A capped resume: the stored send comes in the page.
    h.session.send("paged");
    const paged = h.last().sends().at(-1)!;
    h.last().drop();
    h.store = [message(3), echo(paged, 4), message(5)];
    h.clock.advance(10_000);
    h.last().event(joined([message(3)], 5, me, true));
    await settle();
    expect(confirmed).toEqual(["live:1", "echo lost:2", "long ago:pruned", "paged:4"]);
    expect(h.session.pending()).toEqual([]);
  });

  it("reports a gap when a resumed joined starts later than the cursor (the room pruned what was missed), before the joined", () => {
    const told: string[] = [];
    const h = harness({
      listener: {
        gap: (from, to) => told.push(`gap ${from}-${to}`),
        joined: (_e, history) => told.push(`joined ${seqs(history).join(",")}`),
      },
    });
    h.session.join("8888", "robin");
    h.last().event(joined([message(1), message(2)], 2));
    h.last().drop();
    h.clock.advance(10_000);
    // The room kept only 8..9 of what came after 2.
    h.last().event(joined([message(8), message(9)], 9));
    // A resume that misses nothing reports nothing.
    h.last().drop();
    h.clock.advance(10_000);
    h.last().event(joined([message(10)], 10));
    expect(told).toEqual(["joined 1,2", "gap 3-7", "joined 8,9", "joined 10"]);
    expect(h.session.cursor).toBe(10);
  });

  it("reports a gap when a page starts later than the cursor, or comes back empty short of lastSeq", async () => {
    const gaps: [number, number][] = [];
    const h = harness({ listener: { gap: (from, to) => gaps.push([from, to]) } });
    h.session.join("8888", "robin");
    h.last().event(joined([message(1)], 1));
    h.last().drop();
    h.clock.advance(10_000);
    // Resumed from 1: 2..201 came in joined, the rest is paged; meanwhile the room pruned up to 300.
    h.store = Array.from({ length: 150 }, (_, i) => message(301 + i));
    h.last().event(
      joined(
        Array.from({ length: 200 }, (_, i) => message(2 + i)),
        450,
        me,
        true,
      ),
    );
    await settle();
    expect(gaps).toEqual([[202, 300]]);
    expect(seqs(h.shown).at(-1)).toBe(450);
    // Nothing stored at all after the cursor, though lastSeq says there was.
    h.last().drop();
    h.clock.advance(10_000);
    h.store = [];
    h.last().event(joined([message(451)], 500, me, true));
    await settle();
    expect(gaps).toEqual([
      [202, 300],
      [452, 500],
    ]);
    expect(h.session.cursor).toBe(500);
  });

  it("asks deps.backoff for the wait before each reconnect, when it is given", () => {
    const asked: number[] = [];
    const clock = new Clock();
    const sockets: FakeSocket[] = [];
    const session = new ChatSession(
      {
        connect: (url, protocol, handlers) => {
          const socket = new FakeSocket(url, protocol, handlers);
          sockets.push(socket);
          return socket;
        },
        fetchMessages: async () => [],
        setTimer: clock.set,
        clearTimer: clock.clear,
        now: () => clock.now,
        random: () => 0.5,
        newId: () => "id",
        backoff: (attempt) => {
          asked.push(attempt);
          return 42;
        },
      },
      { wsBase: "ws://h" },
    );
    session.join("8888", "robin");
    sockets.at(-1)!.drop();
    expect(session.state).toMatchObject({ kind: "waiting", attempt: 1, retryAt: clock.now + 42 });
    clock.advance(42);
    sockets.at(-1)!.drop();
    expect(asked).toEqual([0, 1]);
    expect(sockets).toHaveLength(2);
  });
});
