// Issue 4, "tests in a real browser": Parley's own chat page (public/, built
// from src/client by wrangler's [build]) against a real `wrangler dev`, in
// Debian's Chromium driven by playwright-core. Every control is found by its
// role and accessible name, so these tests also hold the page to its
// accessible contract: inputs "Room", "Nick", "Message"; buttons "Join",
// "Leave", "Send"; a `log`; a list named "Members" (chat-page.ts).
import type { BrowserContextOptions, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { uniqueRoom } from "../node/ws-client";
import { ChatPage } from "./chat-page";
import { browserSuite, screenshot, until, WAIT_MS } from "./harness";

/** Longest wait for a page to reconnect after the server is back (backoff tops out at 10 s). */
const RECONNECT_MS = 30_000;

/** One person with the chat page open, driven through its accessible controls. */
class Person extends ChatPage {
  readonly dialogs: string[] = [];

  constructor(
    page: Page,
    readonly nick: string,
  ) {
    super(page, nick);
    page.on("dialog", (dialog) => {
      this.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss().catch(() => {});
    });
  }

  /** Fills in room and nick, presses Join, and waits until connected with itself in the member list. */
  async join(room: string): Promise<void> {
    await this.pressJoin(room, this.nick);
    await this.connected();
  }

  /** Types a message and presses Enter. */
  async say(text: string): Promise<void> {
    await this.page.bringToFront();
    await this.textbox("Message").fill(text);
    await this.textbox("Message").press("Enter");
  }

  /** Messages not yet confirmed by the server. */
  async pending(): Promise<number> {
    return this.page.getByRole("list", { name: "Not yet delivered" }).getByRole("listitem").count();
  }

  /** Says something and waits for the server's echo, so that everything sent to this page before it has arrived. */
  async sync(marker: string): Promise<void> {
    await this.say(marker);
    await this.sees(marker);
  }

  /** Every message text in the list, in order. */
  async texts(): Promise<string[]> {
    return this.log.locator(".msg .text").allTextContents();
  }

  override async describe(): Promise<string> {
    return `${this.nick}'s page: status ${JSON.stringify(await this.status())}, list ${JSON.stringify(await this.listed())}, console ${JSON.stringify(this.console.slice(-10))}`;
  }
}

describe("the chat page against wrangler dev", () => {
  // The port is kept, so that after the outage the pages find the server again
  // where it was; halt() and start() keep its storage: the same history.
  const suite = browserSuite({ keepPort: true });
  /** alice and bob share room A through every test. */
  let alice: Person;
  let bob: Person;
  /** dana uses a phone, in dark mode. */
  let dana: Person;
  const A = uniqueRoom("A");
  const B = uniqueRoom("B");

  const url = () => `${suite.dev.url}/`;
  const open = (nick: string, options?: BrowserContextOptions) => suite.open(url(), (page) => new Person(page, nick), options);

  it("serves the page with its security headers and no inline script", async () => {
    const res = await fetch(url());
    const html = await res.text();
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/i);
    const js = await fetch(`${url()}app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
  });

  it("two pages in one room chat; a third page in another room sees nothing of it", { timeout: 60_000 }, async () => {
    let carol: Person;
    [alice, bob, carol] = await Promise.all([open("alice"), open("bob"), open("carol")]);
    await alice.join(A);
    await bob.join(A);

    // carol uses the keyboard alone: type the room, Tab, type the nick, Enter.
    await carol.page.bringToFront();
    await carol.textbox("Room").focus();
    await carol.page.keyboard.type(B);
    await carol.page.keyboard.press("Tab");
    await carol.page.keyboard.type("carol");
    await carol.page.keyboard.press("Enter");
    await carol.connected();
    // Joining puts the cursor in the message box; Shift+Enter is a new line, Enter sends.
    await carol.page.keyboard.type("first line");
    await carol.page.keyboard.press("Shift+Enter");
    await carol.page.keyboard.type("second line");
    await carol.page.keyboard.press("Enter");
    await carol.sees("first line\nsecond line");

    await alice.say("hello bob");
    await bob.sees("hello bob");
    await bob.say("hi alice, 你好 🦇");
    await alice.sees("hi alice, 你好 🦇");
    await alice.sees("hello bob");

    // Each sees both, once; own messages stand out.
    for (const p of [alice, bob]) {
      expect(await p.texts()).toEqual(["hello bob", "hi alice, 你好 🦇"]);
      expect(await p.members.allTextContents()).toHaveLength(2);
    }
    expect(await alice.log.locator(".msg.own .text").allTextContents()).toEqual(["hello bob"]);
    expect(await bob.log.locator(".msg.own .text").allTextContents()).toEqual(["hi alice, 你好 🦇"]);
    // Members with the count from presence, and a join notice in the flow.
    await until("alice's member list shows alice and bob", async () => (await alice.members.count()) === 2);
    expect((await alice.members.allTextContents()).join(" ")).toMatch(/alice.*bob/);
    expect(await alice.page.locator("#member-count").textContent()).toBe("2");
    expect(await alice.log.getByText("bob joined.", { exact: true }).count()).toBe(1);
    // The address names the room.
    expect(new URL(alice.page.url()).hash).toBe(`#${A}`);

    // carol, in B, saw none of it and is alone there.
    await carol.sync("anyone in B?");
    expect(await carol.texts()).toEqual(["first line\nsecond line", "anyone in B?"]);
    expect(await carol.members.count()).toBe(1);
    await alice.sync("still here");
    expect(await alice.count("anyone in B?")).toBe(0);
    expect(await bob.count("first line\nsecond line")).toBe(0);

    for (const p of [alice, bob, carol]) expect(p.errors, `${p.nick}'s page errors`).toEqual([]);
  });

  it("shows HTML in messages and nicks as text and runs none of it", { timeout: 60_000 }, async () => {
    const evil = "<img src=x onerror=alert(1)>";
    const mallory = await open("<img src=y onerror=alert(2)>");
    await mallory.join(A);
    await mallory.say(evil);
    await mallory.say('<script>alert("s")</script>');
    for (const p of [alice, bob, mallory]) {
      await p.sees(evil);
      await p.sees('<script>alert("s")</script>');
      // Not one element came from the text: no img, script or b anywhere in the list.
      expect(await p.log.locator("img, script, b").count()).toBe(0);
    }
    await until("alice's member list shows mallory's nick as text", async () =>
      (await alice.members.allTextContents()).some((t) => t.includes("<img src=y onerror=alert(2)>")),
    );
    expect(await alice.page.locator(".member-list img, .member-list b").count()).toBe(0);
    // A long word wraps instead of widening the page.
    await bob.say("x".repeat(600));
    await alice.sees("x".repeat(600));
    const widths = await alice.noHorizontalScroll();
    expect(widths.scrollWidth).toBeLessThanOrEqual(widths.clientWidth);
    // Give any injected handler time to fire, then check nothing did.
    await alice.page.waitForTimeout(300);
    for (const p of [alice, bob, mallory]) {
      expect(p.dialogs, `${p.nick}'s dialogs`).toEqual([]);
      expect(p.errors, `${p.nick}'s page errors`).toEqual([]);
    }
    await mallory.page.getByRole("button", { name: "Leave", exact: true }).click();
    await until("mallory's page left", async () => (await mallory.status()) === "Not in a room");
    await until("alice sees mallory leave", async () => (await alice.members.count()) === 2);
  });

  it("survives a server restart: both pages reconnect, and what was sent meanwhile arrives exactly once", {
    timeout: 180_000,
  }, async () => {
    const before = await alice.texts();
    expect(before.length).toBeGreaterThan(0);

    // The server goes away with both pages open.
    await suite.dev.halt();
    for (const p of [alice, bob]) {
      await until(
        `${p.nick}'s page notices the outage`,
        async () => /^Disconnected|^Reconnecting|^Offline/.test(await p.status()),
        () => p.describe(),
        WAIT_MS,
      );
    }

    // alice types during the outage: it is queued, shown as not yet delivered.
    const during = "typed during the outage";
    await alice.say(during);
    await until("alice's message waits in the outbox", async () => (await alice.pending()) === 1);
    expect(await alice.count(during)).toBe(0);

    // The server comes back on the same port with the same storage.
    await suite.dev.start();
    await alice.connected(RECONNECT_MS);
    await bob.connected(RECONNECT_MS);

    const after = "sent after the restart";
    await bob.say(after);
    for (const p of [alice, bob]) {
      await p.sees(during);
      await p.sees(after);
    }
    // Round trips on both pages, so nothing more is on its way; then count.
    await alice.sync("alice synced");
    await bob.sync("bob synced");
    await until("alice's outbox is empty", async () => (await alice.pending()) === 0);
    for (const p of [alice, bob]) {
      expect(await p.count(during), `${p.nick}: ${during}`).toBe(1);
      expect(await p.count(after), `${p.nick}: ${after}`).toBe(1);
      // Nothing from before the restart came back twice either.
      const texts = await p.texts();
      expect(texts.length, `${p.nick}'s list has no repeats`).toBe(new Set(texts).size);
      expect(p.errors, `${p.nick}'s page errors`).toEqual([]);
    }
    // Both lists agree, in seq order.
    expect(await alice.texts()).toEqual(await bob.texts());
  });

  it("fits a 390×844 phone without sideways scrolling, follows dark mode, and a link opens its room", { timeout: 60_000 }, async () => {
    // A phone in dark mode, opened from a link to room A with a remembered nick.
    const phone = await open("dana", {
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      colorScheme: "dark",
    });
    await phone.join(A);
    await phone.say("on my phone: a rather long message that has to wrap over several lines on a narrow screen");
    await phone.sees("on my phone: a rather long message that has to wrap over several lines on a narrow screen");
    await phone.say("https://example.invalid/a/very/long/address/without/any/spaces/that/must/not/widen/the/page/at/all");
    await alice.sees("https://example.invalid/a/very/long/address/without/any/spaces/that/must/not/widen/the/page/at/all");
    const widths = await phone.noHorizontalScroll();
    expect(widths.scrollWidth, JSON.stringify(widths)).toBeLessThanOrEqual(widths.clientWidth);
    expect(widths.body).toBeLessThanOrEqual(widths.clientWidth);
    const background = await phone.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const light = await alice.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).not.toBe(light);

    // A link opens that room: a new tab at /#B in the same profile (nick remembered) joins B by itself.
    const tab = await phone.context.newPage();
    await tab.goto(`${url()}#${encodeURIComponent(B)}`);
    await until("the link's page joins B", async () => ((await tab.getByRole("status").textContent()) ?? "").trim() === "Connected");
    expect(await tab.getByRole("textbox", { name: "Nick" }).inputValue()).toBe("dana");
    await tab.getByRole("log").getByText("anyone in B?", { exact: true }).waitFor({ timeout: WAIT_MS });
    await tab.close();

    expect(phone.errors).toEqual([]);
    dana = phone;
  });

  it("switches rooms, and saves desktop (light) and phone (dark) screenshots of a conversation", { timeout: 60_000 }, async () => {
    const lobby = "lobby";
    // Switching: alice and bob go from A to the lobby; the list starts afresh there.
    await alice.join(lobby);
    expect(new URL(alice.page.url()).hash).toBe(`#${lobby}`);
    expect(await alice.count("hello bob")).toBe(0);
    await bob.join(lobby);
    await dana.join(lobby);
    await until("alice sees three members in the lobby", async () => (await alice.members.count()) === 3);

    const conversation: [Person, string][] = [
      [bob, "Morning! Did the deploy go out?"],
      [alice, "Yes, rolled out at 9:40. No errors so far 🎉"],
      [dana, "Nice. I'm on my phone and the new page works great here"],
      [bob, "Can someone review the protocol doc before lunch?"],
      [alice, "On it. Notes so far:\n• history survives restarts\n• presence on join and leave\n• resume with since: nothing lost"],
      [dana, "👍 ship it"],
    ];
    for (const [who, text] of conversation) {
      await who.say(text);
      await alice.sees(text);
    }
    for (const p of [bob, dana]) await p.sees("👍 ship it");
    await alice.textbox("Message").fill("Lunch at 12:30?");

    await alice.page.bringToFront();
    await screenshot(alice.page, "desktop");
    await dana.page.bringToFront();
    await screenshot(dana.page, "phone");
    for (const p of [alice, bob, dana]) expect(p.errors, `${p.nick}'s page errors`).toEqual([]);
  });
});
