// Issue 5: "nothing lost" against a real `wrangler dev` that restarts mid-run.
// Every socket drops; JSON clients resume with `since` and resend what the
// room had not confirmed, and end with exactly the room's history.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JoinedEvent, MessageEvent } from "../../src/shared/events";
import { type DevServer, startDevServer } from "./dev-server";
import { closeAll, connect, uniqueRoom, type WsClient } from "./ws-client";

/** A careful JSON client: a seq-ordered view, an outbox of unconfirmed sends, resume on reconnect. */
class Member {
  readonly view: MessageEvent[] = [];
  private readonly unconfirmed = new Map<string, string>();
  socket: WsClient | undefined;

  constructor(
    readonly room: string,
    readonly nick: string,
  ) {}

  get lastSeq(): number {
    return this.view.at(-1)?.seq ?? 0;
  }

  async open(wsUrl: string): Promise<void> {
    this.socket = await connect(`${wsUrl}/ws?room=${this.room}&nick=${this.nick}&since=${this.lastSeq}`, { json: true });
    const joined = (await this.socket.event()) as JoinedEvent;
    expect(joined.more).toBeUndefined();
    for (const m of joined.history) this.see(m);
    for (const [id, text] of this.unconfirmed) this.socket.send({ action: "send_to_room", msg: text, id });
  }

  /** Sends now if connected; either way the message waits in the outbox until the room echoes it. */
  send(id: string, text: string): void {
    this.unconfirmed.set(id, text);
    if (this.socket && !this.socket.closed) this.socket.send({ action: "send_to_room", msg: text, id });
  }

  /** Reads whatever arrived until the socket closes (the server went away). */
  async drain(ms = 15_000): Promise<void> {
    const socket = this.socket!;
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      try {
        const e = await socket.event(Math.max(1, deadline - Date.now()));
        if (e.type === "message") this.see(e);
      } catch {
        if (socket.closed) return;
      }
    }
    throw new Error(`${this.nick}: socket still open ${ms} ms after the server stopped`);
  }

  async catchUp(upTo: number): Promise<void> {
    while (this.lastSeq < upTo) {
      const e = await this.socket!.event(10_000);
      if (e.type === "message") this.see(e);
    }
  }

  get pending(): number {
    return this.unconfirmed.size;
  }

  private see(m: MessageEvent): void {
    if (m.from.nick === this.nick) this.unconfirmed.delete(m.id);
    if (m.seq > this.lastSeq) this.view.push(m);
  }
}

describe("nothing lost across a wrangler dev restart", () => {
  const persistTo = mkdtempSync(join(tmpdir(), "parley-lost-"));
  let server: DevServer | undefined;
  const members: Member[] = [];

  beforeAll(async () => {
    server = await startDevServer({
      persistTo,
      vars: { RATE_LIMIT_BURST: "10000", RATE_LIMIT_PER_SECOND: "10000", CONNECTS_PER_MINUTE: "0" },
    });
  });

  afterAll(async () => {
    await closeAll(members.flatMap((m) => (m.socket ? [m.socket] : [])));
    await server?.stop();
    rmSync(persistTo, { recursive: true, force: true });
  });

  it("every member's view equals the room's history: seq 1..N, each id once, in order", { timeout: 120_000 }, async () => {
    const dev = server!;
    const room = uniqueRoom("lost");
    members.push(...["ann", "ben", "cat"].map((n) => new Member(room, n)));
    await Promise.all(members.map((m) => m.open(dev.wsUrl)));
    const PER = 40;

    // First half, then restart with sends still in flight.
    for (let i = 0; i < PER / 2; i++) for (const m of members) m.send(`${m.nick}-${i}`, `${m.nick} ${i}`);
    const restarted = dev.restart();
    await Promise.all(members.map((m) => m.drain()));
    // Typed while the server is down: queued in the outbox.
    for (const m of members) m.send(`${m.nick}-offline`, `${m.nick} while offline`);
    await restarted;

    await Promise.all(members.map((m) => m.open(dev.wsUrl)));
    for (let i = PER / 2; i < PER; i++) for (const m of members) m.send(`${m.nick}-${i}`, `${m.nick} ${i}`);
    const total = members.length * (PER + 1);
    await Promise.all(members.map((m) => m.catchUp(total)));

    const history: MessageEvent[] = [];
    while (history.length < total) {
      const res = await fetch(`${dev.url}/api/rooms/${room}/messages?since=${history.at(-1)?.seq ?? 0}&limit=200`);
      const page = (await res.json()) as { messages: MessageEvent[] };
      if (page.messages.length === 0) break;
      history.push(...page.messages);
    }
    expect(history.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(history.map((m) => m.id)).size).toBe(total);
    for (const m of members) {
      expect(m.view, m.nick).toEqual(history);
      expect(m.pending, `${m.nick}'s unconfirmed sends`).toBe(0);
    }
  });
});
