// The chat page's room list (issue 22), in Debian's Chromium against a real
// `wrangler dev`: two pages of the same person (one token `sub`, as two
// devices) follow each other's reads; a message from someone else shows as
// an unread badge; the "new messages" divider stands at the marker; the `@`
// autocomplete fills a message's `mentions`, highlighted for the person
// mentioned. The list is read again when the window gets the focus: the
// tests give it that focus (a `focus` event) rather than wait for the timer.
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { hashForInvite } from "../../src/client/core/address";
import { mintToken } from "../node/e2e";
import { uniqueRoom } from "../node/ws-client";
import { audit, report } from "./axe";
import { ChatPage } from "./chat-page";
import { browserSuite, until } from "./harness";

const AUTH_SECRET = "room-list-auth-secret-0123456789abcdef";
const API_KEY = "room-list-api-key-0123456789";

/** The text of the first message on screen (as the page keeps a room's place). Self-contained: it runs in the page. */
function firstOnScreen(): string {
  const scroller = document.getElementById("scroller");
  const top = scroller?.getBoundingClientRect().top ?? 0;
  const first = Array.from(document.querySelectorAll<HTMLElement>("#log .msg[data-seq]")).find(
    (m) => m.getBoundingClientRect().bottom > top,
  );
  return first?.querySelector(".text")?.textContent ?? "";
}

class RoomsPage extends ChatPage {
  /** The list's button for `room`: its text (its accessible name) says the room and its counts. */
  roomButton(room: string): Locator {
    return this.page.getByRole("navigation", { name: "Your rooms" }).locator(`button[data-room="${room}"]`);
  }

  async roomLabel(room: string): Promise<string> {
    return ((await this.roomButton(room).textContent({ timeout: 1_000 })) ?? "").trim();
  }

  /** Waits until the list's name for `room` is `label`, giving the window the focus (which reads the list again) meanwhile. */
  async listSays(room: string, label: string): Promise<void> {
    await until(
      `${this.whose}'s list says ${JSON.stringify(label)}`,
      async () => {
        await this.page.evaluate(() => window.dispatchEvent(new Event("focus")));
        return (await this.roomLabel(room)) === label;
      },
      async () => `${await this.describe()}, label ${JSON.stringify(await this.roomLabel(room).catch(() => "(none)"))}`,
    );
  }

  /** Opens an invite link, as a fresh load of the page (a goto that changes only the hash would not load it), and waits until it is in the room. */
  async visit(url: string): Promise<void> {
    await this.page.goto(url);
    await this.page.reload();
    await this.connected();
  }

  override async describe(): Promise<string> {
    return `${await super.describe()}, errors ${JSON.stringify(this.errors)}`;
  }
}

describe("the room list", () => {
  // Bursts of posts (a room with enough to scroll) are let through.
  const suite = browserSuite({ vars: { AUTH_SECRET, API_KEY, RATE_LIMIT_BURST: "100" } });
  const open = <T extends ChatPage>(wrap: (page: Page) => T, hash = "") => suite.open(`${suite.dev.url}/${hash}`, wrap);
  const invite = async (room: string, claim: string, sub: string) =>
    `${suite.dev.url}/${hashForInvite(room, await mintToken(suite.dev, API_KEY, { sub, name: sub, room: claim }))}`;

  it("two pages of one person: a message from someone else is an unread badge on both, the divider stands at the marker, and a read on one clears the other's badge", {
    timeout: 90_000,
  }, async () => {
    const tag = uniqueRoom("rl");
    const [a, b] = [`${tag}-a`, `${tag}-b`];
    const claim = `${tag}-*`;
    // One device joins both rooms (a, then b, where it stays); the other is in b.
    const one = await open((page) => new RoomsPage(page, "pat-one"));
    await one.visit(await invite(a, claim, "pat"));
    await one.visit(await invite(b, claim, "pat"));
    const two = await open((page) => new RoomsPage(page, "pat-two"));
    await two.visit(await invite(b, claim, "pat"));
    await two.listSays(a, a);

    const sam = await open((page) => new RoomsPage(page, "sam"));
    await sam.visit(await invite(a, claim, "sam"));
    await sam.textbox("Message").fill("news for pat");
    await sam.textbox("Message").press("Enter");
    await sam.sees("news for pat");

    await one.listSays(a, `${a}, 1 unread`);
    await two.listSays(a, `${a}, 1 unread`);
    const badged = await audit(two.page);
    expect(badged, report(badged, "a room list with a badge")).toEqual([]);

    // Device one opens room a from its list (with Enter): the divider stands before the new message, which is read.
    await one.page.bringToFront();
    await one.roomButton(a).focus();
    await one.page.keyboard.press("Enter");
    await one.connected();
    await one.sees("news for pat");
    const divided = one.log.locator(".new-divider + .msg .text");
    await until("device one shows the divider before the new message", async () => (await divided.textContent()) === "news for pat");
    await one.listSays(a, a);
    await two.listSays(a, a);
    for (const p of [one, two, sam]) expect(p.errors).toEqual([]);
  });

  it("the @ autocomplete offers the room's members, fills the message's mentions, and the mention stands out for its person", {
    timeout: 60_000,
  }, async () => {
    const room = uniqueRoom("rl");
    const pat = await open((page) => new RoomsPage(page, "pat"));
    await pat.visit(await invite(room, room, "pat"));
    const sam = await open((page) => new RoomsPage(page, "sam"));
    await sam.visit(await invite(room, room, "sam"));
    await until(
      "sam's member list shows pat",
      async () => (await sam.members.count()) === 2,
      () => sam.describe(),
    );

    const box = sam.textbox("Message");
    await box.pressSequentially("look @pa");
    const option = sam.page.getByRole("option", { name: "@pat" });
    await until("the autocomplete offers @pat", async () => await option.isVisible());
    const offering = await audit(sam.page);
    expect(offering, report(offering, "the @ autocomplete open")).toEqual([]);
    await box.press("Enter");
    expect(await box.inputValue()).toBe("look @pat ");
    await box.press("Enter");
    await sam.sees("look @pat");
    const sent = sam.frames
      .filter((f) => f.startsWith("{"))
      .map((f) => JSON.parse(f) as { action?: string; mentions?: string[] })
      .find((f) => f.action === "send_to_room");
    expect(sent?.mentions).toEqual(["pat"]);
    await pat.sees("look @pat");
    await until("pat's page highlights the mention", async () => (await pat.log.locator(".msg.mentioned").count()) === 1);
    const highlighted = await audit(pat.page);
    expect(highlighted, report(highlighted, "a mention highlighted")).toEqual([]);
    for (const p of [pat, sam]) expect(p.errors).toEqual([]);
  });

  it("anonymous: the list is kept in the browser (across a reload), counts someone else's message, and is walked with the arrow keys", {
    timeout: 60_000,
  }, async () => {
    const tag = uniqueRoom("rl");
    const [a, b] = [`${tag}-a`, `${tag}-b`];
    const kit = await open((page) => new RoomsPage(page, "kit"));
    await kit.pressJoin(a, "kit");
    await kit.connected();
    await kit.pressJoin(b, "kit");
    await kit.connected();
    await kit.listSays(a, a);
    const sam = await open((page) => new RoomsPage(page, "sam"));
    await sam.pressJoin(a, "sam");
    await sam.connected();
    await sam.textbox("Message").fill("hi kit");
    await sam.textbox("Message").press("Enter");
    await sam.sees("hi kit");

    await kit.page.reload();
    await kit.connected();
    await kit.listSays(a, `${a}, 1 unread`);

    // The list's one tab stop is the current room (b, below a: a is the more recently active); Up goes to a.
    await kit.page.bringToFront();
    await kit.roomButton(b).focus();
    await kit.page.keyboard.press("ArrowUp");
    expect(await kit.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.room)).toBe(a);
    await kit.page.keyboard.press("Enter");
    await kit.sees("hi kit");
    const divided = kit.log.locator(".new-divider + .msg .text");
    await until("kit's page shows the divider before the new message", async () => (await divided.textContent()) === "hi kit");
    await kit.listSays(a, a);
    for (const p of [kit, sam]) expect(p.errors).toEqual([]);
  });

  it("on a phone the list is a drawer: the Rooms button opens it, Escape closes it and gives the focus back", {
    timeout: 30_000,
  }, async () => {
    const room = uniqueRoom("rl");
    const lee = await suite.open(`${suite.dev.url}/`, (page) => new RoomsPage(page, "lee"), { viewport: { width: 390, height: 800 } });
    await lee.pressJoin(room, "lee");
    await lee.connected();
    const drawer = lee.page.getByRole("navigation", { name: "Your rooms" });
    expect(await drawer.isVisible()).toBe(false);
    await lee.page.getByRole("button", { name: "Rooms", exact: true }).click();
    await until("the drawer shows the room", async () => (await lee.roomButton(room).isVisible()) && (await lee.roomLabel(room)) === room);
    await lee.page.keyboard.press("Escape");
    expect(await drawer.isVisible()).toBe(false);
    expect(await lee.page.evaluate(() => document.activeElement?.id)).toBe("rooms-toggle");
    expect(lee.errors).toEqual([]);
  });

  it("switching rooms from the list and back keeps the reader's place in each", { timeout: 60_000 }, async () => {
    const tag = uniqueRoom("rl");
    const [a, b] = [`${tag}-a`, `${tag}-b`];
    for (let i = 1; i <= 40; i++) {
      const res = await fetch(`${suite.dev.url}/api/rooms/${a}/messages`, {
        method: "POST",
        headers: { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" },
        body: JSON.stringify({ nick: "sam", text: `line ${i}` }),
      });
      expect(res.status, await res.text()).toBe(201);
    }
    const lee = await open((page) => new RoomsPage(page, "lee"));
    await lee.pressJoin(b, "lee");
    await lee.connected();
    await lee.pressJoin(a, "lee");
    await lee.connected();
    await lee.sees("line 40");
    await lee.log.getByText("line 12", { exact: true }).evaluate((node) => node.closest(".msg")?.scrollIntoView({ block: "start" }));
    const place = await lee.page.evaluate(firstOnScreen);
    expect(place).toMatch(/^line 1[12]$/);

    await lee.roomButton(b).click();
    await until("lee is in b", async () => new URL(lee.page.url()).hash === `#${b}` && (await lee.status()) === "Connected");
    await lee.roomButton(a).click();
    await lee.connected();
    await lee.sees("line 40");
    await until(
      `lee's page is back at ${place}`,
      async () => (await lee.page.evaluate(firstOnScreen)) === place,
      () => lee.describe(),
    );
    expect(lee.errors).toEqual([]);
  });
});
