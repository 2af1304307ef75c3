// Issue "One shape for every action": an operator's limits reach the page.
// wrangler dev runs with MAX_NICK_CHARS 10 and MAX_MESSAGE_CHARS 50, and the
// chat page (in Debian's Chromium, driven by playwright-core) must refuse
// what the server would refuse before sending anything, say why, and let
// through what the server accepts. Every WebSocket the page opens and every
// frame it sends is recorded, so "before sending" is checked, not assumed.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { uniqueRoom } from "../node/ws-client";
import { ChatPage } from "./chat-page";
import { browserSuite, until } from "./harness";

const NICK_CHARS = 10;
const MESSAGE_CHARS = 50;

/** One chat page in a fresh profile, with what it said over WebSockets on record (harness.ts). */
class Tab extends ChatPage {
  /** Waits until the page has sized its inputs by the server's limits (read from `GET /api/limits`). */
  async limitsRead(): Promise<void> {
    await until("the page has the server's limits", async () => (await this.maxLength("Nick")) === 2 * NICK_CHARS);
  }

  maxLength(name: "Room" | "Nick" | "Message"): Promise<number> {
    return this.textbox(name).evaluate((el) => (el as HTMLInputElement | HTMLTextAreaElement).maxLength);
  }

  async say(text: string): Promise<void> {
    await this.textbox("Message").fill(text);
    await this.textbox("Message").press("Enter");
  }

  /** The texts of the `send_to_room` frames sent so far. */
  sent(): string[] {
    return this.frames
      .filter((f) => f.startsWith("{"))
      .map((f) => JSON.parse(f) as { action?: string; msg?: string })
      .filter((f) => f.action === "send_to_room")
      .map((f) => f.msg ?? "");
  }
}

describe("the chat page under tuned limits (MAX_NICK_CHARS 10, MAX_MESSAGE_CHARS 50)", () => {
  const suite = browserSuite({ vars: { MAX_NICK_CHARS: String(NICK_CHARS), MAX_MESSAGE_CHARS: String(MESSAGE_CHARS) } });

  /** The chat page in a new profile, once it has read the limits. */
  const open = async () => {
    const tab = await suite.open(`${suite.dev.url}/`, (page: Page) => new Tab(page));
    await tab.limitsRead();
    return tab;
  };

  it("sizes the nick and message inputs by the server's limits, with room for two UTF-16 units a character", async () => {
    const limits = (await (await fetch(`${suite.dev.url}/api/limits`)).json()) as Record<string, number>;
    expect(limits).toMatchObject({ maxNickChars: NICK_CHARS, maxMessageChars: MESSAGE_CHARS });
    const tab = await open();
    // open() waited for the nick's; the message box is sized in the same step.
    expect(await tab.maxLength("Message")).toBe(2 * MESSAGE_CHARS);
    // Room names are fixed at 64 (MAX_ROOM_CHARS is not a var), in the HTML.
    expect(await tab.maxLength("Room")).toBe(64);
    expect(tab.errors).toEqual([]);
  });

  it("refuses an 11-character nick without connecting, naming the limit; a 10-character nick joins", async () => {
    const tab = await open();
    const room = uniqueRoom("nick");
    await tab.pressJoin(room, "a".repeat(NICK_CHARS + 1));
    await until("the page says why it refused", async () => (await tab.alerts()).length > 0);
    expect(await tab.alerts()).toEqual([`Nick: nick is longer than ${NICK_CHARS} characters.`]);
    expect(await tab.textbox("Nick").getAttribute("aria-invalid")).toBe("true");
    expect(await tab.status()).toBe("Not in a room");

    const nick = "b".repeat(NICK_CHARS);
    await tab.pressJoin(room, nick);
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
    await tab.pressJoin(uniqueRoom("msg"), "sender");
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
    await tab.pressJoin(uniqueRoom("emoji"), "counter");
    await tab.connected();
    const bats = "🦇".repeat(MESSAGE_CHARS);
    await tab.say(bats);
    await tab.sees(bats);
    expect(await tab.alerts()).toEqual([]);
    expect(tab.sent()).toEqual([bats]);
    expect(tab.errors).toEqual([]);
  });
});
