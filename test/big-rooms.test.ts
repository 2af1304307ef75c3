// Big rooms: what a join costs does not grow with the room, the member list
// comes a page at a time, and parley.v2 clients get one frame per turn.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { pseudonym } from "../src/server/platform/identity";
import type { Room } from "../src/server/room/room";
import type { JoinedEvent, MembersEvent, PresenceChangesEvent, ServerEvent } from "../src/shared/events";
import { SUBPROTOCOL, SUBPROTOCOL_V2 } from "../src/shared/format";
import { MEMBERS_PAGE, PRESENCE_LIST_MAX, presenceWindowMs } from "../src/shared/limits";
import { type Client, call, connect, inBandMember, uniqueRoom } from "./client";
import { isEvent } from "./events";
import { waitUntil } from "./wait";

/** A parley.v2 member: every frame is an array of events. */
async function v2(room: string, nick: string): Promise<Client> {
  const c = await connect(`/ws?room=${encodeURIComponent(room)}&nick=${nick}`, { headers: { "Sec-WebSocket-Protocol": SUBPROTOCOL_V2 } });
  expect(c.protocol).toBe(SUBPROTOCOL_V2);
  return c;
}

/** The events of a v2 frame. */
const events = (frame: string) => JSON.parse(frame) as ServerEvent[];

async function fill(room: string, n: number, prefix = "m"): Promise<Client[]> {
  const out: Client[] = [];
  for (let i = 0; i < n; i++) {
    const c = await connect(`/ws?room=${room}&nick=${prefix}${i}`, { json: true });
    await c.until(isEvent("joined"));
    out.push(c);
  }
  return out;
}

describe("joining a big room", () => {
  it(`joined lists at most ${MEMBERS_PAGE} members and always the exact count`, async () => {
    const room = uniqueRoom();
    await fill(room, MEMBERS_PAGE + 20);
    const c = await connect(`/ws?room=${room}&nick=late`, { json: true });
    const joined = (await c.event()) as JoinedEvent;
    expect(joined.count).toBe(MEMBERS_PAGE + 21);
    expect(joined.members.length).toBe(MEMBERS_PAGE);
  });

  it("the greeting's first members follow whoever of them leaves, and take no newcomer once the room is past a page", async () => {
    const room = uniqueRoom();
    const [m0] = await fill(room, MEMBERS_PAGE + 1);
    const greeting = async (nick: string) => {
      const c = await connect(`/ws?room=${room}&nick=${nick}`, { json: true });
      return ((await c.until(isEvent("joined"))) as JoinedEvent).members.map((m) => m.nick);
    };
    const before = await greeting("late0");
    expect(before).toHaveLength(MEMBERS_PAGE);
    expect(before).toContain("m0");
    expect(before).not.toContain(`m${MEMBERS_PAGE}`);
    // One of the first leaves: the next one after the page takes its place.
    m0?.close();
    const members = async () => ((await (await call(`/api/rooms/${room}`)).json()) as { members: number }).members;
    await waitUntil(
      "m0 has left",
      async () => (await members()) === MEMBERS_PAGE + 1,
      5_000,
      async () => `members: ${await members()}`,
    );
    const after = await greeting("late1");
    expect(after).toHaveLength(MEMBERS_PAGE);
    expect(after).not.toContain("m0");
    expect(after).toContain(`m${MEMBERS_PAGE}`);
    expect(after).not.toContain("late0");
  });

  it("presence is coalesced: many joins reach a v2 member as one event, listing a bounded few, with the exact count", async () => {
    const room = uniqueRoom();
    const watcher = await v2(room, "watcher");
    expect(events(await watcher.next())[0]).toMatchObject({ type: "joined", count: 1 });
    const joins = PRESENCE_LIST_MAX * 3;
    await fill(room, joins);
    // Read up to the window that tells the final count.
    const frames: ServerEvent[][] = [];
    do frames.push(events(await watcher.next()));
    while ((frames.at(-1)?.[0] as PresenceChangesEvent | undefined)?.count !== joins + 1);
    // However the joins fell into windows: one event per frame, a bounded list each, far fewer frames than joins.
    expect(frames.length).toBeLessThan(joins / 4);
    for (const frame of frames) {
      expect(frame).toHaveLength(1);
      expect(frame[0]?.type).toBe("presence_changes");
      expect((frame[0] as PresenceChangesEvent).joined.length).toBeLessThanOrEqual(PRESENCE_LIST_MAX);
    }
    const last = frames.at(-1)?.[0] as PresenceChangesEvent | undefined;
    expect(last?.count).toBe(joins + 1);
  });

  it("a parley.v1 member still gets one presence event per change, never about itself or about whoever was there before it came", async () => {
    const room = uniqueRoom();
    const first = await connect(`/ws?room=${room}&nick=first`, { json: true });
    await first.event();
    const second = await connect(`/ws?room=${room}&nick=second`, { json: true });
    await second.event();
    expect(await first.until(isEvent("presence"))).toMatchObject({ event: "join", member: { nick: "second" }, count: 2 });
    await second.quiet(); // it saw "first" in its joined
  });
});

describe("the member list on demand", () => {
  it("pages over a socket and over HTTP in id order, each member once", async () => {
    const room = uniqueRoom();
    const members = await fill(room, 25);
    const asker = members[0] as Client;
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      asker.send({ action: "members", limit: 10, ...(after ? { after } : {}) });
      const page = (await asker.until(isEvent("members"))) as MembersEvent;
      expect(page.count).toBe(25);
      seen.push(...page.members.map((m) => m.id));
      after = page.next;
      if (!after) break;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    expect(seen).toEqual([...seen].sort());
    const viaHttp: string[] = [];
    let next: string | undefined;
    do {
      const res = await call(`/api/rooms/${room}/members?limit=7${next ? `&after=${next}` : ""}`);
      const body = (await res.json()) as Omit<MembersEvent, "type">;
      viaHttp.push(...body.members.map((m) => m.id));
      next = body.next;
    } while (next);
    expect(viaHttp).toEqual(seen);
  });
});

describe("parley.v2 batched frames", () => {
  it("sends that a turn stores together reach a v2 member as one frame, and a v1 member as one frame each", async () => {
    const room = uniqueRoom();
    const batched = await v2(room, "batched");
    await batched.next();
    const single = await connect(`/ws?room=${room}&nick=single`, { json: true });
    await single.event();
    await batched.next(); // presence_changes: single came
    await runInDurableObject(env.ROOMS.getByName(room), (instance: Room, state) => {
      const ws = state.getWebSockets().find((s) => JSON.stringify(s.deserializeAttachment()).includes('"nick":"single"'));
      if (!ws) throw new Error("no socket for single");
      for (let i = 1; i <= 5; i++) instance.webSocketMessage(ws, JSON.stringify({ action: "send_to_room", msg: `m${i}`, id: `b${i}` }));
    });
    const frame = events(await batched.next());
    expect(frame.map((e) => (e.type === "message" ? e.id : e.type))).toEqual(["b1", "b2", "b3", "b4", "b5"]);
    for (let i = 1; i <= 5; i++) expect(await single.event()).toMatchObject({ type: "message", id: `b${i}` });
  });

  it("a v2 member's greeting carries the history and the members, as a v1 member's does", async () => {
    const room = uniqueRoom();
    const [talker] = await fill(room, 1);
    talker?.send({ action: "send_to_room", msg: "before you came", id: "h1" });
    await talker?.until(isEvent("message"));
    const c = await v2(room, "late");
    const [joined] = events(await c.next()) as JoinedEvent[];
    expect(joined?.history.map((e) => e.seq)).toEqual([1]);
    expect(joined?.members.map((m) => m.nick).sort()).toEqual(["late", "m0"]);
  });

  it("a reply reaches a v2 member as a frame of events too: a member page", async () => {
    const room = uniqueRoom();
    const c = await v2(room, "c");
    await c.next();
    c.send({ action: "members" });
    const [page] = events(await c.next());
    expect(page).toMatchObject({ type: "members", count: 1 });
  });
});

describe("after churn", () => {
  it("the count and the list are right on both paths, and after an eviction", async () => {
    const room = uniqueRoom();
    const stay = await fill(room, 6, "stay");
    const go = await fill(room, 4, "go");
    const relayed = await inBandMember(room, "relayed");
    for (const c of go) c.close();
    const watcher = stay[0] as Client;
    // The window is over: its presence events carry the count after it (the four came and went within it, so nobody hears of them).
    await watcher.until((e) => e.type === "presence" && e.count === 7);
    const check = async () => {
      watcher.send({ action: "members" });
      const page = (await watcher.until(isEvent("members"))) as MembersEvent;
      expect(page.count).toBe(7);
      expect(page.members.map((m) => m.nick).sort()).toEqual(["relayed", "stay0", "stay1", "stay2", "stay3", "stay4", "stay5"]);
    };
    await check();
    expect(((await (await call(`/api/rooms/${room}`)).json()) as { members: number }).members).toBe(7);
    await evictDurableObject(env.ROOMS.getByName(room));
    await check();
    relayed.close();
  });
});

describe("after churn while messages flow", () => {
  /** Every event a client received, a parley.v2 frame's one by one. */
  const received = (c: Client): ServerEvent[] =>
    c.frames.filter((f) => f.startsWith("{") || f.startsWith("[")).flatMap((f) => [JSON.parse(f) as ServerEvent | ServerEvent[]].flat());
  /** The room size a client was told last (greeting, presence, member page). */
  const toldCount = (c: Client) =>
    received(c)
      .flatMap((e) => ("count" in e && typeof e.count === "number" ? [e.count] : []))
      .at(-1);
  /** Waits, bounded, until a client has been told `n`. */
  async function told(c: Client, n: number, ms = 5_000): Promise<void> {
    await waitUntil(
      `told ${n}`,
      () => toldCount(c) === n,
      ms,
      () => JSON.stringify(c.frames.slice(-3)),
    );
    expect(toldCount(c)).toBe(n);
  }
  const messageIds = (c: Client) => received(c).flatMap((e) => (e.type === "message" ? [e.id] : []));

  it("every member, on either path and in either version, ends with the exact count, every message once, also after an eviction", async () => {
    const room = uniqueRoom();
    const inBandJson = async (nick: string, protocol: string) => {
      const c = await connect("/ws", { headers: { "Sec-WebSocket-Protocol": protocol } });
      c.send({ action: "join", msg: room, nick });
      await c.next();
      return c;
    };
    const a = await connect(`/ws?room=${room}&nick=a`, { json: true });
    const b = await v2(room, "b");
    const c = await inBandJson("c", SUBPROTOCOL);
    const d = await inBandJson("d", SUBPROTOCOL_V2);
    const t = await inBandMember(room, "t"); // a text client: in the list, told no counts
    const senders = [a, b, c, d];
    const sent: string[] = [];
    const say = (k: number) => {
      const from = senders[k % senders.length] as Client;
      const id = `m${k}`;
      sent.push(id);
      from.send({ action: "send_to_room", msg: `hello ${k}`, id });
    };
    // Members come and go, on both paths, while the four keep talking.
    let k = 0;
    const stays: Client[] = [];
    for (let round = 0; round < 3; round++) {
      const goers = [await connect(`/ws?room=${room}&nick=go${round}`, { json: true }), await inBandJson(`gi${round}`, SUBPROTOCOL_V2)];
      say(k++);
      stays.push(await v2(room, `stay${round}`));
      say(k++);
      for (const g of goers) g.close();
      say(k++);
    }
    const everyone = [a, b, c, d, ...stays];
    const size = everyone.length + 1; // and the text client
    for (const m of everyone) await told(m, size);
    // Every message reached every member that was there from the start, once.
    for (const m of [a, b, c, d]) {
      await waitUntil("every message arrived", () => messageIds(m).length >= sent.length, 5_000);
      expect(messageIds(m).sort()).toEqual([...sent].sort());
    }
    const list = async () => {
      a.send({ action: "members" });
      const page = (await a.until(isEvent("members"))) as MembersEvent;
      return { count: page.count, nicks: page.members.map((m) => m.nick).sort() };
    };
    const expected = { count: size, nicks: ["a", "b", "c", "d", "stay0", "stay1", "stay2", "t"] };
    expect(await list()).toEqual(expected);
    await evictDurableObject(env.ROOMS.getByName(room));
    expect(await list()).toEqual(expected);
    // After the eviction a message still reaches everyone, and nobody is told another size.
    b.send({ action: "send_to_room", msg: "after", id: "after" });
    for (const m of everyone) {
      await waitUntil("the message after the eviction arrived", () => messageIds(m).includes("after"), 5_000);
      expect(messageIds(m).filter((id) => id === "after")).toHaveLength(1);
      expect(toldCount(m)).toBe(size);
    }
    await waitUntil("the text client has the line", () => t.frames.includes("b : after"), 5_000);
    expect(t.frames.filter((f) => f === "b : after")).toHaveLength(1);
    for (const m of [...everyone, t]) m.close();
  });
});

describe("parley.v1 presence in a busy window", () => {
  it("every v1 member ends with the exact count, even when more changes came than a window lists", async () => {
    const room = uniqueRoom();
    const members = await fill(room, PRESENCE_LIST_MAX * 2);
    const lastCount = (c: Client) =>
      c.frames
        .map((f) => JSON.parse(f) as ServerEvent)
        .flatMap((e) => ("count" in e ? [e.count] : []))
        .at(-1);
    // Each member that does not know the final count yet must be told it (a bounded wait, failing otherwise).
    for (const c of members) {
      if (lastCount(c) !== PRESENCE_LIST_MAX * 2) await c.until((e) => "count" in e && e.count === PRESENCE_LIST_MAX * 2);
      expect(lastCount(c), c.frames[0]).toBe(PRESENCE_LIST_MAX * 2);
    }
  });
});

describe("logs", () => {
  it("a room logs one presence line per window: joins summed up, with the ids the event lists", async () => {
    const room = uniqueRoom();
    const [first] = await fill(room, 3);
    const told = (count: number) => (first as Client).until((e) => e.type === "presence" && e.count === count);
    await told(3); // the fill's windows are over
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((line: unknown) => void lines.push(String(line)));
    let late: Client[];
    let blinkId: string;
    try {
      late = await fill(room, 5, "late");
      await told(8); // the window that logs them
      // One that comes and goes at once: told to nobody, but the log accounts for it.
      const [blink] = await fill(room, 1, "blink");
      // Logs name members by their pseudonyms.
      blinkId = await pseudonym((JSON.parse((blink as Client).frames[0] as string) as JoinedEvent).self.id);
      (blink as Client).close();
      const logged = () => lines.some((l) => l.includes('"brief":1') || (l.includes(blinkId) && l.includes('"left":1')));
      await waitUntil("the window that saw the blink leave is logged", logged, presenceWindowMs(9) * 2 + 2_000, () => lines.join("\n"));
    } finally {
      spy.mockRestore();
    }
    // Each one's first frame is its greeting, which names it.
    const lateIds = await Promise.all(late.map((c) => pseudonym((JSON.parse(c.frames[0] as string) as JoinedEvent).self.id)));
    const events = lines
      .filter((l) => l.startsWith('{"event":'))
      .map(
        (l) =>
          JSON.parse(l) as { event: string; joined?: number; brief?: number; members?: number; ids?: { joined: string[]; left: string[] } },
      );
    expect(events.map((e) => e.event).filter((e) => e !== "presence")).toEqual([]);
    const listedJoins = events.flatMap((e) => e.ids?.joined ?? []);
    expect(listedJoins.filter((id) => id !== blinkId).sort()).toEqual(lateIds.sort());
    // The blink fell in one window (counted as brief) or across two (listed joining, then leaving).
    const briefs = events.reduce((n, e) => n + (e.brief ?? 0), 0);
    const acrossTwo = listedJoins.includes(blinkId) && events.some((e) => e.ids?.left.includes(blinkId));
    expect(briefs === 1 || acrossTwo, JSON.stringify(events)).toBe(true);
    expect(events.at(-1)?.members).toBe(8);
  });
});
