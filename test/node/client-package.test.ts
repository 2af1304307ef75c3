// "Nothing lost" against a real `wrangler dev` that restarts mid-run, driven
// by the package apps use, `parley/client` (its source entry,
// src/client/index.ts; test/node/client-built.test.ts imports the built one):
// every person is a ParleyClient, two of them in two rooms at once, wired to
// Node's WebSocket and fetch through test/node/client-network.ts. Everyone
// sends through `room.send()` all along while sockets are killed at random,
// one person drops off the network long enough to need paging over HTTP, and
// wrangler dev is restarted on the same port and directory. In the end every
// send's promise resolved exactly once with its stored message, each room
// holds every message sent exactly once (seq 1..N), every room object told
// exactly the room's history, in seq order, and every saved outbox is empty.
// (The chat page runs the same client: this is its "nothing lost" test too.)
import { afterAll, describe, expect, it } from "vitest";
import {
  type GapEvent,
  type MessageEvent,
  type OutboxEntry,
  ParleyClient,
  type ParleyRoom,
  type StoredEvent,
} from "../../src/client/index";
import { RESUME_CAP } from "../../src/shared/limits";
import { waitUntil } from "../wait";
import { TestNetwork } from "./client-network";
import type { DevServer } from "./dev-server";
import { roomHistory, serverSuite, Traffic, type Typist } from "./e2e";
import { uniqueRoom } from "./ws-client";

/** Messages each room object sends at most. */
const MAX_SENDS = 1_200;

/**
 * The "and nothing more arrives" check: for `ms`, `snapshot()` must not
 * change (a second settle of a promise, a duplicate event would change it).
 */
async function staysQuiet(what: string, ms: number, snapshot: () => string): Promise<void> {
  const before = snapshot();
  const until = Date.now() + ms;
  await waitUntil(
    `${ms} ms passed with ${what} unchanged`,
    () => {
      if (snapshot() !== before) throw new Error(`${what} changed during the quiet period`);
      return Date.now() >= until;
    },
    ms + 1_000,
  );
}

/** One room object of one person: what it told, and what was sent through it. */
class Seat implements Typist {
  /** Every stored event the room object told, in the order told. */
  readonly told: StoredEvent[] = [];
  readonly gaps: GapEvent[] = [];
  readonly errors: string[] = [];
  /** Each send: its text, and every way its promise settled (exactly one is expected). */
  readonly sends: { text: string; settled: string[]; stored?: MessageEvent }[] = [];
  /** Sends made while the server was down. */
  typedWhileDown = 0;
  /** Resumes that came back with `more`: the rest was paged over HTTP. */
  cappedResumes = 0;

  constructor(
    readonly person: Person,
    readonly room: ParleyRoom,
  ) {
    room.on("message", (m) => this.told.push(m));
    for (const type of ["moderation", "delete", "edit", "reaction"] as const) room.on(type, (e) => this.told.push(e));
    room.on("gap", (g) => this.gaps.push(g));
    room.on("error", (e) => this.errors.push(`${e.code}: ${e.message}`));
    let joins = 0;
    room.on("joined", (j) => {
      if (joins++ > 0 && j.more) this.cappedResumes++;
    });
  }

  get label(): string {
    return `${this.person.nick}@${this.room.name}`;
  }

  /** The newest seq told. */
  get last(): number {
    return this.told.at(-1)?.seq ?? 0;
  }

  /** Sends message `i` (the traffic calls it every few ms), and records how its promise settles. */
  typeOne(i: number): void {
    const send = { text: `${this.label} says ${i}`, settled: [] as string[] } as Seat["sends"][number];
    this.sends.push(send);
    this.room.send(send.text).then(
      (stored) => {
        send.settled.push("resolved");
        send.stored = stored;
      },
      (error: { code?: string }) => send.settled.push(`rejected ${error.code}`),
    );
  }

  describe(): string {
    const open = this.sends.filter((s) => s.settled.length === 0).length;
    return `${this.label}: ${this.room.state}, last ${this.last}, told ${this.told.length}, sent ${this.sends.length}, unsettled ${open}, pending ${this.room.pending}`;
  }
}

/** One person: a ParleyClient with its own network, in one or more rooms. */
class Person {
  readonly net = new TestNetwork();
  readonly client: ParleyClient;
  readonly seats: Seat[] = [];
  readonly signals: string[] = [];
  /** The outbox store, as the chat page keeps one in sessionStorage: each room's unconfirmed entries as last saved. */
  readonly saved = new Map<string, OutboxEntry[]>();

  constructor(
    readonly nick: string,
    dev: DevServer,
    rooms: string[],
  ) {
    this.client = new ParleyClient({
      url: dev.url,
      nick,
      WebSocket: this.net.WebSocket,
      fetch: this.net.fetch,
      backoff: { baseMs: 20, maxMs: 300, factor: 2, jitter: 1 },
      reconnectSpacingMs: 10,
      connectTimeoutMs: 3_000,
      heartbeatMs: 500,
      deadAfterMs: 1_000,
      requestTimeoutMs: 5_000,
      outbox: { load: (room) => this.saved.get(room) ?? [], save: (room, entries) => this.saved.set(room, entries) },
    });
    this.client.on("offline", () => this.signals.push("offline"));
    this.client.on("online", () => this.signals.push("online"));
    for (const room of rooms) this.seats.push(new Seat(this, this.client.room(room)));
  }

  get open(): boolean {
    return this.seats.every((s) => s.room.state === "open");
  }

  describe(): string {
    return `${this.nick} (${this.client.online ? "online" : "offline"}, ${JSON.stringify(this.net.counts)}):\n  ${this.seats.map((s) => s.describe()).join("\n  ")}`;
  }
}

describe("nothing lost across a wrangler dev restart, with parley/client (ParleyClient, several rooms per client)", () => {
  const suite = serverSuite({
    // The port is kept, so the clients find the server again where it was after the restart.
    keepPort: true,
    vars: { RATE_LIMIT_BURST: "10000", RATE_LIMIT_PER_SECOND: "10000", CONNECTS_PER_MINUTE: "0", HTTP_READS_PER_MINUTE: "0" },
  });
  const people: Person[] = [];
  let stopped = false;

  // Runs before the suite stops the server, so the sockets' close handshakes can complete.
  afterAll(async () => {
    stopped = true;
    for (const p of people) p.client.close();
    await Promise.all(people.map((p) => p.net.closed().catch(() => {})));
  });

  it("every send resolves once with its stored message, each room stores it once (seq 1..N), every room object told the room's history in order", {
    timeout: 90_000,
  }, async () => {
    const dev = suite.dev;
    const a = uniqueRoom("pkg-a");
    const b = uniqueRoom("pkg-b");
    people.push(new Person("ann", dev, [a, b]), new Person("ben", dev, [a, b]), new Person("cat", dev, [a]), new Person("dan", dev, [a]));
    const [ann, , , dan] = people as [Person, Person, Person, Person];
    const seats = people.flatMap((p) => p.seats);
    const everyone = () => people.map((p) => p.describe()).join("\n");

    const connected = await Promise.all(seats.map((s) => s.room.connect()));
    expect(connected.map((j) => j.type)).toEqual(seats.map(() => "joined"));

    // Everyone types in every room they are in; meanwhile a socket is killed every few hundred ms.
    const traffic = new Traffic({
      typists: seats,
      max: MAX_SENDS,
      victims: () => people.filter((p) => p.net.sockets.size > 0).map((p) => p.net),
      stopped: () => stopped,
    });

    const sent = () => seats.reduce((n, s) => n + s.sends.length, 0);
    try {
      await waitUntil("the traffic is flowing", () => sent() >= 100, 10_000, everyone);

      // Dan drops off the network while the others send past what a resume brings: he must page the rest over HTTP.
      const danA = dan.seats[0]!;
      const annA = ann.seats[0]!;
      dan.net.goOffline();
      await waitUntil("dan is cut off", () => danA.room.state !== "open" && dan.net.sockets.size === 0, 5_000, everyone);
      await waitUntil(`the room is ${RESUME_CAP + 50} messages past dan`, () => annA.last - danA.last > RESUME_CAP + 50, 15_000, everyone);
      dan.net.offline = false;
      await waitUntil("dan is back", () => danA.room.state === "open", 10_000, everyone);
      const back = annA.last;
      await waitUntil("dan hears the room live again", () => danA.last > back, 10_000, everyone);

      // Restart wrangler dev mid-traffic; what is sent while it is down waits in the outboxes.
      await traffic.restart(
        dev,
        everyone,
        { what: "every room object noticed the server is gone", ready: () => seats.every((s) => s.room.state !== "open"), ms: 15_000 },
        { what: "every room object is open again", ready: () => people.every((p) => p.open), ms: 20_000 },
      );
      const restarted = sent();
      // (Unless every typist has sent its last by then.)
      const more = Math.min(restarted + 100, seats.length * MAX_SENDS);
      await waitUntil("the traffic goes on after the restart", () => sent() >= more, 10_000, everyone);
    } finally {
      await traffic.stop();
    }

    // Bounded: every send settles, and every room object catches up with its room.
    const sentTo = (room: string) => seats.filter((s) => s.room.name === room).reduce((n, s) => n + s.sends.length, 0);
    const total = { [a]: sentTo(a), [b]: sentTo(b) };
    await waitUntil(
      "every send settled and every room object has told every message",
      () => seats.every((s) => s.sends.every((x) => x.settled.length > 0) && s.told.length >= total[s.room.name]!),
      30_000,
      everyone,
    );
    await staysQuiet("what every room object told and settled", 200, () =>
      seats.map((s) => `${s.told.length}/${s.sends.map((x) => x.settled.length).join("")}`).join(" "),
    );

    for (const room of [a, b]) {
      const stored = await roomHistory(dev, room);
      // The room: seq 1..N gap-free, exactly the messages sent, each once.
      expect(
        stored.map((m) => m.seq),
        room,
      ).toEqual(Array.from({ length: total[room]! }, (_, i) => i + 1));
      const byText = new Map(stored.map((m) => [m.text, m]));
      expect(byText.size, `distinct messages stored in ${room}`).toBe(total[room]);
      for (const seat of seats.filter((s) => s.room.name === room)) {
        for (const send of seat.sends) {
          // Settled once, resolved with the very message the room stored.
          expect(send.settled, `${send.text} settled`).toEqual(["resolved"]);
          expect(send.stored, send.text).toEqual(byText.get(send.text));
          expect(send.stored?.from.nick).toBe(seat.person.nick);
        }
        // Told exactly the room's history, once each, in seq order; nothing refused, no gap.
        expect(seat.told, seat.label).toEqual(stored);
        expect(seat.gaps, seat.label).toEqual([]);
        expect(seat.errors, seat.label).toEqual([]);
        expect(seat.room.pending, seat.label).toBe(0);
        expect(seat.person.saved.get(room), `${seat.label}'s saved outbox`).toEqual([]);
      }
    }

    // The trouble really happened.
    expect(
      seats.reduce((n, s) => n + s.typedWhileDown, 0),
      "messages sent while the server was down",
    ).toBeGreaterThan(0);
    expect(
      people.reduce((n, p) => n + p.net.counts.kills, 0),
      "sockets killed",
    ).toBeGreaterThan(0);
    expect(
      people.reduce((n, p) => n + p.net.counts.resends, 0),
      "messages sent again after a drop",
    ).toBeGreaterThan(0);
    expect(dan.seats[0]!.cappedResumes, "dan's resume was capped (more than a resume brings was missed)").toBeGreaterThan(0);
    expect(dan.net.counts.fetches, "dan paged the gap over HTTP").toBeGreaterThan(0);
    // The restart took every room of every client down at once: each client said offline, then online.
    for (const p of people) expect(p.signals.slice(-2), p.nick).toEqual(["offline", "online"]);
  });
});
