// Issue "One shape for every action": an operator's limits reach the page.
// wrangler dev runs with MAX_NICK_CHARS 10 and MAX_MESSAGE_CHARS 50, and the
// chat page (in Debian's Chromium, driven by playwright-core) must refuse
// what the server would refuse before sending anything, say why, and let
// through what the server accepts. Every WebSocket the page opens and every
// frame it sends is recorded, so "before sending" is checked, not assumed.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../node/dev-server";
import { uniqueRoom } from "../node/ws-client";
import { launchChromium } from "./chromium";

const NICK_CHARS = 10;
const MESSAGE_CHARS = 50;
/** Longest wait for something to show up in a page. */
const WAIT_MS = 10_000;

/** Polls `check` until it returns true; a bounded wait with a useful failure. */
async function until(what: string, check: () => Promise<boolean>, describeState?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      const state = describeState ? await describeState().catch((e) => `(state unavailable: ${String(e)})`) : "";
      throw new Error(`timed out after ${WAIT_MS} ms waiting until ${what}${state ? `\n${state}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One chat page in a fresh profile, with what it said over WebSockets on record. */
class Tab {
  /** Addresses of the WebSockets the page opened, in order. */
  readonly sockets: string[] = [];
  /** Every frame the page sent on any of them, in order (pings included). */
  readonly frames: string[] = [];
  readonly errors: string[] = [];

  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on("pageerror", (err) => this.errors.push(String(err)));
    page.on("websocket", (ws) => {
      this.sockets.push(ws.url());
      ws.on("framesent", (frame) => this.frames.push(String(frame.payload)));
    });
  }

  /** Opens the page and waits until it has sized its inputs by the server's limits (read from `GET /api/limits`). */
  static async open(browser: Browser, url: string): Promise<Tab> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const tab = new Tab(context, await context.newPage());
    await tab.page.goto(url);
    await until("the page has the server's limits", async () => (await tab.maxLength("Nick")) === 2 * NICK_CHARS);
    return tab;
  }

  textbox(name: "Room" | "Nick" | "Message") {
    return this.page.getByRole("textbox", { name, exact: true });
  }

  maxLength(name: "Room" | "Nick" | "Message"): Promise<number> {
    return this.textbox(name).evaluate((el) => (el as HTMLInputElement | HTMLTextAreaElement).maxLength);
  }

  async status(): Promise<string> {
    return ((await this.page.getByRole("status").textContent()) ?? "").trim();
  }

  /** The visible role=alert texts (a hidden alert is not in the accessibility tree). */
  alerts(): Promise<string[]> {
    return this.page.getByRole("alert").allTextContents();
  }

  async join(room: string, nick: string): Promise<void> {
    await this.textbox("Room").fill(room);
    await this.textbox("Nick").fill(nick);
    await this.page.getByRole("button", { name: "Join", exact: true }).click();
  }

  async connected(): Promise<void> {
    await until(
      "the page is connected",
      async () => (await this.status()) === "Connected",
      () => this.describe(),
    );
  }

  async say(text: string): Promise<void> {
    await this.textbox("Message").fill(text);
    await this.textbox("Message").press("Enter");
  }

  /** Waits until the message list shows `text`: the server stored it and echoed it back. */
  async sees(text: string): Promise<void> {
    const shown = this.page.getByRole("log").getByText(text, { exact: true });
    await until(
      `the page shows ${JSON.stringify(text)}`,
      async () => (await shown.count()) > 0,
      () => this.describe(),
    );
  }

  /** The texts of the `send_to_room` frames sent so far. */
  sent(): string[] {
    return this.frames
      .filter((f) => f.startsWith("{"))
      .map((f) => JSON.parse(f) as { action?: string; msg?: string })
      .filter((f) => f.action === "send_to_room")
      .map((f) => f.msg ?? "");
  }

  async describe(): Promise<string> {
    const list = await this.page.getByRole("log").locator(".msg .text, .notice").allTextContents();
    return `status ${JSON.stringify(await this.status())}, alerts ${JSON.stringify(await this.alerts())}, list ${JSON.stringify(list)}, sockets ${JSON.stringify(this.sockets)}`;
  }
}

describe("the chat page under tuned limits (MAX_NICK_CHARS 10, MAX_MESSAGE_CHARS 50)", () => {
  let dev: DevServer | undefined;
  let browser: Browser | undefined;
  const tabs: Tab[] = [];

  const open = async () => {
    const tab = await Tab.open(browser!, `${dev!.url}/`);
    tabs.push(tab);
    return tab;
  };

  beforeAll(async () => {
    [dev, browser] = await Promise.all([
      startDevServer({ vars: { MAX_NICK_CHARS: String(NICK_CHARS), MAX_MESSAGE_CHARS: String(MESSAGE_CHARS) } }),
      launchChromium(),
    ]);
  });

  afterAll(async () => {
    for (const tab of tabs) await tab.context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await dev?.stop();
  });

  it("sizes the nick and message inputs by the server's limits, with room for two UTF-16 units a character", async () => {
    const limits = (await (await fetch(`${dev!.url}/api/limits`)).json()) as Record<string, number>;
    expect(limits).toMatchObject({ maxNickChars: NICK_CHARS, maxMessageChars: MESSAGE_CHARS });
    const tab = await open();
    // Tab.open waited for the nick's; the message box is sized in the same step.
    expect(await tab.maxLength("Message")).toBe(2 * MESSAGE_CHARS);
    // Room names are fixed at 64 (MAX_ROOM_CHARS is not a var), in the HTML.
    expect(await tab.maxLength("Room")).toBe(64);
    expect(tab.errors).toEqual([]);
  });

  it("refuses an 11-character nick without connecting, naming the limit; a 10-character nick joins", async () => {
    const tab = await open();
    const room = uniqueRoom("nick");
    await tab.join(room, "a".repeat(NICK_CHARS + 1));
    await until("the page says why it refused", async () => (await tab.alerts()).length > 0);
    expect(await tab.alerts()).toEqual([`Nick: nick is longer than ${NICK_CHARS} characters.`]);
    expect(await tab.textbox("Nick").getAttribute("aria-invalid")).toBe("true");
    expect(await tab.status()).toBe("Not in a room");

    const nick = "b".repeat(NICK_CHARS);
    await tab.join(room, nick);
    await tab.connected();
    expect(await tab.alerts()).toEqual([]);
    // The page reports its sockets in the order it opens them: had the refused
    // nick opened one, it would be listed before this join's.
    expect(tab.sockets).toHaveLength(1);
    expect(new URL(tab.sockets[0]!).searchParams.get("nick")).toBe(nick);
    expect(tab.errors).toEqual([]);
  });

  it("refuses a 51-character message without sending it, naming the limit; a 50-character message is delivered", async () => {
    const tab = await open();
    await tab.join(uniqueRoom("msg"), "sender");
    await tab.connected();

    const long = "x".repeat(MESSAGE_CHARS + 1);
    await tab.say(long);
    await until("the page says why it refused", async () => (await tab.alerts()).length > 0);
    expect(await tab.alerts()).toEqual([`Not sent: msg is longer than ${MESSAGE_CHARS} characters.`]);
    // Kept in the box to be shortened, and neither queued nor shown.
    expect(await tab.textbox("Message").inputValue()).toBe(long);
    expect(await tab.page.getByRole("list", { name: "Not yet delivered" }).getByRole("listitem").count()).toBe(0);

    const fits = "y".repeat(MESSAGE_CHARS);
    await tab.say(fits);
    await tab.sees(fits);
    expect(await tab.alerts()).toEqual([]);
    // Frames are reported in order: the refused text would be listed before the one that went.
    expect(tab.sent()).toEqual([fits]);
    expect(tab.errors).toEqual([]);
  });

  it("counts characters as the server does: 50 emoji (100 UTF-16 units) are a message that fits", async () => {
    const tab = await open();
    await tab.join(uniqueRoom("emoji"), "counter");
    await tab.connected();
    const bats = "🦇".repeat(MESSAGE_CHARS);
    await tab.say(bats);
    await tab.sees(bats);
    expect(await tab.alerts()).toEqual([]);
    expect(tab.sent()).toEqual([bats]);
    expect(tab.errors).toEqual([]);
  });
});
