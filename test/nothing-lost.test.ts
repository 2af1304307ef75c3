// "Nothing lost": concurrent senders with ids, one member drops and resumes
// midway; in the end every member's view is the room's history exactly.

import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { MessageEvent } from "../src/shared/events";
import { type Client, call, member, uniqueRoom } from "./client";

/**
 * A JSON client as a careful app would write one: it keeps the messages it
 * has seen in seq order (ignoring any seq it already has), remembers what it
 * sent until the room echoes it, and on reconnect resumes with `since` and
 * resends whatever was not confirmed.
 */
class Member {
  readonly view: MessageEvent[] = [];
  private readonly unconfirmed = new Map<string, string>();
  private socket!: Client;

  /** The sender key every connection of this member carries, so its resends are known as its own. */
  private readonly key = crypto.randomUUID();

  constructor(
    readonly room: string,
    readonly nick: string,
  ) {}

  get lastSeq(): number {
    return this.view.at(-1)?.seq ?? 0;
  }

  async open(): Promise<void> {
    const { c, joined } = await member(this.room, this.nick, { key: this.key, since: this.view.length ? this.lastSeq : undefined });
    this.socket = c;
    for (const m of joined.history) if (m.type === "message") this.see(m);
    for (const [id, text] of this.unconfirmed) this.socket.send({ action: "send_to_room", msg: text, id });
  }

  send(id: string, text: string): void {
    this.unconfirmed.set(id, text);
    this.socket.send({ action: "send_to_room", msg: text, id });
  }

  /** Drops the connection the hard way, with frames possibly still in flight. */
  drop(): void {
    this.socket.close(4000, "network gone");
  }

  /** Reads events until this member has seen seq `upTo`. */
  async catchUp(upTo: number): Promise<void> {
    while (this.lastSeq < upTo) {
      const e = await this.socket.event();
      if (e.type === "message") this.see(e);
    }
  }

  private see(m: MessageEvent): void {
    if (m.from.nick === this.nick) this.unconfirmed.delete(m.id);
    if (m.seq > this.lastSeq) this.view.push(m);
  }
}

describe("nothing lost", () => {
  it.each([
    ["one member drops and resumes midway", "drop"],
    ["the room is evicted midway", "evict"],
  ])("concurrent senders, %s: every view equals the history", async (_name, fault) => {
    const room = uniqueRoom("lost");
    const members = ["ann", "ben", "cat", "dan"].map((n) => new Member(room, n));
    await Promise.all(members.map((m) => m.open()));
    const [dropper, ...steady] = members as [Member, ...Member[]];
    const PER = 60;

    for (let i = 0; i < PER; i++) {
      for (const m of members) m.send(`${m.nick}-${i}`, `${m.nick} says ${i}`);
      if (i === PER / 2 && fault === "evict") {
        await evictDurableObject(env.ROOMS.getByName(room));
        for (const m of steady) m.send(`${m.nick}-gap`, `${m.nick} after the eviction`);
      }
      if (i === PER / 2 && fault === "drop") {
        dropper.drop();
        // Others keep talking while it is gone.
        for (const m of steady) m.send(`${m.nick}-gap`, `${m.nick} while ${dropper.nick} is away`);
        await dropper.open();
      }
    }
    const total = members.length * PER + steady.length;
    await Promise.all(members.map((m) => m.catchUp(total)));

    const history = (await (await call(`/api/rooms/${room}/messages?limit=200`)).json()) as { messages: MessageEvent[] };
    const all = [...history.messages];
    while (all.length < total) {
      const more = (await (await call(`/api/rooms/${room}/messages?since=${all.at(-1)!.seq}&limit=200`)).json()) as {
        messages: MessageEvent[];
      };
      all.push(...more.messages);
    }
    expect(all.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(new Set(all.map((m) => m.id)).size).toBe(total);
    for (const m of members) expect(m.view, m.nick).toEqual(all);
  });
});
