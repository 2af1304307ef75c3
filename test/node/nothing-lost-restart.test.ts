// Issue 5: "nothing lost" against a real `wrangler dev` that restarts mid-run,
// driven by the client core the page runs: every member is a `ChatSession`
// wired to Node's WebSocket, fetch and timers (session-deps.ts). Members type
// through `send()` all along while sockets are killed at random, one member
// drops off the network long enough to need paging over HTTP, and wrangler
// dev is restarted on the same port and directory. In the end the room holds
// every message sent exactly once (seq 1..N), and every member was shown
// exactly the room's history.
import { afterAll, describe, expect, it } from "vitest";
import type { OutboxEntry } from "../../src/client/core/outbox";
import { ChatSession } from "../../src/client/core/session";
import type { StoredEvent } from "../../src/shared/events";
import { RESUME_CAP } from "../../src/shared/limits";
import { sleep, waitUntil } from "../wait";
import type { DevServer } from "./dev-server";
import { roomHistory, serverSuite, Traffic, type Typist } from "./e2e";
import { NodeSessionDeps } from "./session-deps";
import { uniqueRoom } from "./ws-client";

/** One person in the room: a ChatSession, what its listener was given to show, and what was typed. */
class Member implements Typist {
  readonly deps: NodeSessionDeps;
  readonly session: ChatSession;
  /** Every message the listener got (`joined` history, then `messages`), in arrival order. */
  readonly shown: StoredEvent[] = [];
  /** Every entry `send()` queued. */
  readonly sent: OutboxEntry[] = [];
  /** `failed` and `error` reports: there should be none. */
  readonly problems: string[] = [];
  /** Sends made while the server was down. */
  typedWhileDown = 0;
  /** `joined` events that resumed with `more`: a capped resume, the rest to be paged over HTTP. */
  cappedResumes = 0;

  constructor(
    readonly nick: string,
    dev: DevServer,
  ) {
    this.deps = new NodeSessionDeps(dev.url);
    this.session = new ChatSession(
      this.deps,
      {
        wsBase: dev.wsUrl,
        key: `${nick}-${crypto.randomUUID()}`,
        backoff: { baseMs: 20, maxMs: 300, factor: 2, jitter: 0.5 },
        connectTimeoutMs: 3_000,
        heartbeatMs: 500,
        deadAfterMs: 1_000,
      },
      {
        joined: (event, history, resumed) => {
          this.shown.push(...history);
          if (resumed && event.more) this.cappedResumes++;
        },
        messages: (messages) => this.shown.push(...messages),
        failed: (entry, error) => this.problems.push(`failed ${entry.id}: ${error.code} ${error.message}`),
        error: (error) => this.problems.push(`error ${error.code}: ${error.message}`),
      },
    );
  }

  get online(): boolean {
    return this.session.state.kind === "online";
  }

  /** Types message `i` (the traffic calls it every few ms); a refused send fails the run. */
  typeOne(i: number): void {
    const entry = this.session.send(`${this.nick} says ${i}`);
    if (typeof entry === "string") throw new Error(`${this.nick}: send refused: ${entry}`);
    this.sent.push(entry);
  }

  describe(): string {
    const { state, cursor } = this.session;
    return `${this.nick}: ${state.kind}, cursor ${cursor}, shown ${this.shown.length}, sent ${this.sent.length}, pending ${this.session.pending().length}, sockets ${this.deps.sockets.size}, ${JSON.stringify(this.deps.counts)}`;
  }
}

describe("nothing lost across a wrangler dev restart, with ChatSession clients", () => {
  const suite = serverSuite({
    // The port is kept, so the sessions find the server again where it was after the restart.
    keepPort: true,
    vars: { RATE_LIMIT_BURST: "10000", RATE_LIMIT_PER_SECOND: "10000", CONNECTS_PER_MINUTE: "0" },
  });
  const members: Member[] = [];
  let stopped = false;

  // Runs before the suite stops the server, so the sockets' close handshakes can complete.
  afterAll(async () => {
    stopped = true;
    for (const m of members) m.session.leave();
    await Promise.all(members.map((m) => m.deps.closed().catch(() => {})));
  });

  it("every sent message is stored once (seq 1..N) and every member showed exactly the room's history", { timeout: 60_000 }, async () => {
    const dev = suite.dev;
    const room = uniqueRoom("lost");
    members.push(...["ann", "ben", "cat", "dan"].map((nick) => new Member(nick, dev)));
    const [ann, , , dan] = members as [Member, Member, Member, Member];
    const everyone = () => members.map((m) => m.describe()).join("\n");

    for (const m of members) m.session.join(room, m.nick);
    await waitUntil("every member is online", () => members.every((m) => m.online), 10_000, everyone);

    // Everyone types until told to stop; meanwhile a socket is killed every few hundred ms.
    const traffic = new Traffic({
      typists: members,
      max: 1_500,
      victims: () => members.filter((m) => m.online).map((m) => m.deps),
      stopped: () => stopped,
    });

    try {
      await sleep(500);

      // Dan drops off the network while the others type past what a resume sends: he must page the rest over HTTP.
      // The network going down cuts his socket whatever state it is in: the chaos may just have killed him, and a
      // reconnect still in its handshake would otherwise come through and keep him in the room.
      dan.deps.goOffline();
      await waitUntil("dan is cut off", () => !dan.online && dan.deps.sockets.size === 0, 5_000, everyone);
      // Measured from where he will resume (his cursor now), not from where he was a moment ago.
      await waitUntil(
        `the room is ${RESUME_CAP + 50} messages past dan`,
        () => (ann.session.cursor ?? 0) - (dan.session.cursor ?? 0) > RESUME_CAP + 50,
        15_000,
        everyone,
      );
      dan.deps.offline = false;
      await waitUntil("dan is back", () => dan.online, 10_000, everyone);
      await sleep(300);

      // Restart wrangler dev mid-traffic; what is typed while it is down waits in the outboxes.
      await traffic.restart(
        dev,
        everyone,
        { what: "every session noticed the server is gone", ready: () => members.every((m) => !m.online), ms: 15_000 },
        { what: "every member is back online", ready: () => members.every((m) => m.online), ms: 15_000 },
      );
      await sleep(500);
    } finally {
      await traffic.stop();
    }

    // Bounded: every outbox drains and every member catches up with the room.
    const total = members.reduce((n, m) => n + m.sent.length, 0);
    await waitUntil(
      "every outbox is empty and every member has shown every message",
      () => members.every((m) => m.online && m.session.pending().length === 0 && m.shown.length >= total),
      20_000,
      everyone,
    );

    const history = await roomHistory(dev, room);

    // The room: seq 1..N gap-free, and exactly the ids sent, each once, with its text and nick.
    expect(history.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const byId = new Map(history.map((m) => [m.id, m]));
    expect(byId.size, "distinct ids stored").toBe(total);
    for (const m of members) {
      for (const entry of m.sent) {
        expect(byId.get(entry.id), `${m.nick}'s ${entry.text}`).toMatchObject({ text: entry.text, from: { nick: m.nick } });
      }
    }

    // Every member: shown exactly the room's history, nothing twice, nothing missing; nothing refused; nothing left to save.
    for (const m of members) {
      const seqs = m.shown.map((s) => s.seq);
      expect(new Set(seqs).size, `${m.nick} showed a message twice`).toBe(seqs.length);
      expect(
        [...m.shown].sort((a, b) => a.seq - b.seq),
        m.nick,
      ).toEqual(history);
      expect(m.problems, m.nick).toEqual([]);
      expect(m.deps.saved, `${m.nick}'s saved outbox`).toEqual([]);
    }

    // The trouble really happened.
    expect(
      members.reduce((n, m) => n + m.typedWhileDown, 0),
      "messages typed while the server was down",
    ).toBeGreaterThan(0);
    expect(
      members.reduce((n, m) => n + m.deps.counts.kills, 0),
      "sockets killed",
    ).toBeGreaterThan(0);
    expect(
      members.reduce((n, m) => n + m.deps.counts.resends, 0),
      "messages sent again after a drop",
    ).toBeGreaterThan(0);
    expect(dan.cappedResumes, "dan's resume was capped (more than a resume sends were missed)").toBeGreaterThan(0);
    expect(dan.deps.counts.fetches, "dan paged the gap over HTTP").toBeGreaterThan(0);
  });
});
