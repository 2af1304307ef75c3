// Signed identities, private rooms and moderation on Parley's own chat page,
// end to end: wrangler dev runs with an AUTH_SECRET and an API_KEY, tokens
// are minted with `POST /api/tokens` as an app backend would, and people open
// the invite links (`/#<room>&token=<jwt>`) in Debian's Chromium driven by
// playwright-core. Every WebSocket a page opens is recorded, so "it stops"
// and "it does not loop reconnecting" are counted, not assumed.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { hashForInvite, hashForRoom } from "../../src/client/core/address";
import { mintToken, type TokenClaims } from "../node/e2e";
import { uniqueRoom } from "../node/ws-client";
import { expectNothingFor } from "../wait";
import { ChatPage } from "./chat-page";
import { browserSuite, until } from "./harness";

const AUTH_SECRET = "browser-auth-secret-0123456789abcdef";
const API_KEY = "browser-api-key-0123456789";
/** How long a page that was refused is watched for further connection attempts (a retry would come within 1 s: CLIENT_BACKOFF's first delay). */
const QUIET_MS = 2_500;

/** One person with the chat page open in a fresh profile, every WebSocket it opens on record (harness.ts). */
class Person extends ChatPage {
  async roomTitle(): Promise<string> {
    return ((await this.page.locator("#room-title").textContent()) ?? "").trim();
  }

  /** The notices in the message list (joins, leaves, moderation, what the server said). */
  notices(): Promise<string[]> {
    return this.log.locator(".notice .notice-text").allTextContents();
  }

  async memberNames(): Promise<string[]> {
    return this.members.locator(".member-nick").allTextContents();
  }

  override async describe(): Promise<string> {
    return `${this.whose}: status ${JSON.stringify(await this.status())}, room ${JSON.stringify(await this.roomTitle())}, alerts ${JSON.stringify(await this.alerts())}, members ${JSON.stringify(await this.memberNames())}, list ${JSON.stringify(await this.listed())}, sockets ${JSON.stringify(this.sockets.map((s) => s.replace(/token=[^&]+/, "token=…")))}, errors ${JSON.stringify(this.errors)}`;
  }
}

describe("private rooms, invite links and moderation on the chat page", () => {
  const suite = browserSuite({
    // Posts are limited per address like a socket's sends; one test posts a backlog of 60 from here.
    vars: { AUTH_SECRET, API_KEY, RATE_LIMIT_BURST: "1000", RATE_LIMIT_PER_SECOND: "1000" },
  });

  const open = (name: string, path: string) => suite.open(`${suite.dev.url}/${path}`, (page: Page) => new Person(page, name));

  /** A token from `POST /api/tokens`, as an app backend gets one with its API key. */
  const mint = (claims: TokenClaims) => mintToken(suite.dev, API_KEY, claims);

  it("invite links: each page joins the private room under its token's name, nick locked, lock shown, token out of the address bar; a moderator bans a member, whose page says so, stops, and is refused again on rejoining", {
    timeout: 90_000,
  }, async () => {
    const room = uniqueRoom("private");
    const [modToken, memberToken] = await Promise.all([
      mint({ sub: "alice-mod", name: "Alice", room, role: "moderator" }),
      mint({ sub: "bob-member", name: "Bob", room }),
    ]);
    const alice = await open("Alice", hashForInvite(room, modToken));
    await alice.connected();
    const bob = await open("Bob", hashForInvite(room, memberToken));
    await bob.connected();

    for (const [person, name] of [
      [alice, "Alice"],
      [bob, "Bob"],
    ] as const) {
      // In the room under the token's name, which the nick field shows, locked.
      expect(await person.textbox("Nick").inputValue()).toBe(name);
      expect(await person.textbox("Nick").evaluate((el) => (el as HTMLInputElement).readOnly)).toBe(true);
      expect(await person.textbox("Room").inputValue()).toBe(room);
      expect(await person.roomTitle()).toBe(`🔒 ${room}`);
      await person.sees(`You joined ${room} as ${name}.`);
      // The token is no longer in the address bar (nor in the page's history entry): the plain room is.
      expect(person.page.url()).not.toContain("token");
      expect(person.page.url()).not.toContain(person === alice ? modToken : memberToken);
      expect(new URL(person.page.url()).hash).toBe(hashForRoom(room));
    }
    await until(
      "Alice's member list shows Alice and Bob",
      async () => (await alice.memberNames()).sort().join() === "Alice,Bob",
      () => alice.describe(),
    );
    // A moderator gets tools on a member; a member gets none on anyone.
    expect(await alice.page.getByRole("button", { name: "ban Bob", exact: true }).count()).toBe(1);
    expect(await bob.page.getByRole("button", { name: /^(kick|mute|ban) / }).count()).toBe(0);
    expect(bob.sockets).toHaveLength(1);

    // Alice bans Bob from the member list.
    await alice.page.bringToFront();
    await alice.page.getByRole("button", { name: "ban Bob", exact: true }).click();
    await alice.sees("Bob was banned by Alice");
    await until(
      "Alice's member list no longer shows Bob",
      async () => (await alice.memberNames()).join() === "Alice",
      () => alice.describe(),
    );

    // Bob's page says he was banned, and he is no longer in the room.
    await until(
      "Bob's page says he is banned",
      async () => (await bob.alerts()).some((a) => a.includes("banned")),
      () => bob.describe(),
    );
    // Told and out in the same moment: the page does not wait for the socket's close to leave the room.
    expect(await bob.status()).toBe("Not in a room");
    expect(await bob.alerts()).toEqual([`You are banned from room ${room}`]);
    expect(await bob.notices()).toContain(`Server: you are banned from room ${room}`);
    expect(await bob.roomTitle()).toBe("No room");
    expect(await bob.memberNames()).toEqual([]);
    expect(await bob.textbox("Message").isDisabled()).toBe(true);
    // And it does not try to come back by itself.
    await expectNothingFor(
      "Bob's page opened another socket",
      () => bob.sockets.length > 1,
      QUIET_MS,
      () => bob.describe(),
    );
    expect(bob.sockets, await bob.describe()).toHaveLength(1);
    expect(await bob.status()).toBe("Not in a room");

    const bobJoined = (await alice.notices()).filter((n) => n === "Bob joined.").length;
    expect(bobJoined).toBe(1);
    // Bob presses Join again: refused again, with the reason shown; one socket for it, no retries.
    await bob.page.bringToFront();
    await bob.page.getByRole("button", { name: "Join", exact: true }).click();
    await until(
      "Bob's rejoin is refused with the reason",
      async () => bob.sockets.length === 2 && (await bob.notices()).includes(`Server: you are banned from room ${room}`),
      () => bob.describe(),
    );
    await until(
      "Bob's page shows the refusal in the join form and is not in the room",
      async () => (await bob.alerts()).join() === `You are banned from room ${room}` && (await bob.status()) === "Not in a room",
      () => bob.describe(),
    );
    await expectNothingFor(
      "Bob's page opened a third socket",
      () => bob.sockets.length > 2,
      QUIET_MS,
      () => bob.describe(),
    );
    expect(bob.sockets, await bob.describe()).toHaveLength(2);
    expect(await bob.status()).toBe("Not in a room");
    expect(await bob.notices()).not.toContain(`You joined ${room} as Bob.`);
    // The rejoin never made Bob a member: Alice's list still shows only her, and she heard no join.
    expect(await alice.memberNames()).toEqual(["Alice"]);
    expect(await alice.page.locator("#member-count").textContent()).toBe("1");
    expect((await alice.notices()).filter((n) => n === "Bob joined.")).toHaveLength(bobJoined);
    expect(await alice.status()).toBe("Connected");
    for (const p of [alice, bob]) expect(p.errors).toEqual([]);
    // Nor is the token in the tab's history: the entry before the page is the blank tab it was opened in.
    await bob.page.goBack();
    expect(bob.page.url()).toBe("about:blank");
  });

  it("an anonymous page cannot enter a private room: it says why and stops, without reconnecting", { timeout: 60_000 }, async () => {
    const room = uniqueRoom("private");
    const mallory = await open("Mallory", "");
    await mallory.pressJoin(room, "mallory");
    await until(
      "Mallory's page says the room needs a token",
      async () => (await mallory.alerts()).join() === `Room ${room} is private: it needs a token`,
      () => mallory.describe(),
    );
    expect(await mallory.notices()).toContain(`Server: room ${room} is private: it needs a token`);
    expect(await mallory.status()).toBe("Not in a room");
    expect(await mallory.roomTitle()).toBe("No room");
    // One try, then nothing: a browser reads an HTTP 401 to an upgrade as a failed connection, which must not loop.
    await expectNothingFor(
      "Mallory's page opened another socket",
      () => mallory.sockets.length > 1,
      QUIET_MS,
      () => mallory.describe(),
    );
    expect(mallory.sockets, await mallory.describe()).toHaveLength(1);
    expect(await mallory.status()).toBe("Not in a room");
    expect(await mallory.notices()).not.toContain("Connection lost. Reconnecting…");
    expect(mallory.errors).toEqual([]);
  });

  it("an invite whose token is for another room is refused with the reason, without reconnecting", { timeout: 60_000 }, async () => {
    const room = uniqueRoom("private");
    const other = uniqueRoom("private");
    const token = await mint({ sub: "carol", name: "Carol", room: other });
    const carol = await open("Carol", hashForInvite(room, token));
    await until(
      "Carol's page says the token is not for this room",
      async () => (await carol.alerts()).join() === `Your token is not for room ${room}`,
      () => carol.describe(),
    );
    expect(await carol.status()).toBe("Not in a room");
    await expectNothingFor(
      "Carol's page opened another socket",
      () => carol.sockets.length > 1,
      QUIET_MS,
      () => carol.describe(),
    );
    expect(carol.sockets, await carol.describe()).toHaveLength(1);
    expect(carol.errors).toEqual([]);
  });

  it("a page in a private room loads earlier messages over HTTP with its token", { timeout: 60_000 }, async () => {
    const room = uniqueRoom("private");
    // 60 messages before anyone joins: joined carries the last 50, the first 10 are "earlier".
    for (let i = 0; i < 60; i++) {
      const res = await fetch(`${suite.dev.url}/api/rooms/${encodeURIComponent(room)}/messages`, {
        method: "POST",
        headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify({ nick: "backlog", text: `backlog ${i}`, id: `backlog-${i}` }),
      });
      expect(res.status).toBe(201);
    }
    const token = await mint({ sub: "dora", name: "Dora", room });
    const dora = await open("Dora", hashForInvite(room, token));
    await dora.connected();
    await dora.sees("backlog 59");
    expect(await dora.page.getByRole("log").getByText("backlog 0", { exact: true }).count()).toBe(0);
    await dora.page.getByRole("button", { name: "Load earlier messages" }).click();
    await dora.sees("backlog 0");
    expect(await dora.notices()).not.toContain("Could not load earlier messages.");
    const texts = await dora.page.getByRole("log").locator(".msg .text").allTextContents();
    expect(texts).toEqual(Array.from({ length: 60 }, (_, i) => `backlog ${i}`));
    expect(dora.errors).toEqual([]);
  });
});
