/**
 * Parley's own chat page (public/, built from src/client by wrangler's
 * [build]) as the browser tests drive it. Every control is found by its role
 * and accessible name, so the tests also hold the page to its accessible
 * contract: textboxes "Room", "Nick" and "Message"; a "Join" button; a
 * `status`; a `log`; a list named "Members"; an `alert` for what it refused.
 * Each test file extends it with the helpers only it needs.
 */
import type { Locator } from "playwright-core";
import { TestPage, until, WAIT_MS } from "./harness";

export class ChatPage extends TestPage {
  textbox(name: "Room" | "Nick" | "Message"): Locator {
    return this.page.getByRole("textbox", { name, exact: true });
  }

  /** The message list. */
  get log(): Locator {
    return this.page.getByRole("log");
  }

  get members(): Locator {
    return this.page.getByRole("list", { name: "Members", exact: true }).getByRole("listitem");
  }

  async status(): Promise<string> {
    return ((await this.page.getByRole("status").textContent()) ?? "").trim();
  }

  /** The visible role=alert texts (a hidden alert is not in the accessibility tree). */
  alerts(): Promise<string[]> {
    return this.page.getByRole("alert").allTextContents();
  }

  /**
   * Fills in room and nick and presses Join; `connected()` waits for the
   * outcome. The tab comes to the front first: a background tab gets no
   * animation frames, which Playwright's actionability checks wait for.
   */
  async pressJoin(room: string, nick: string): Promise<void> {
    await this.page.bringToFront();
    await this.textbox("Room").fill(room);
    await this.textbox("Nick").fill(nick);
    await this.page.getByRole("button", { name: "Join", exact: true }).click();
  }

  async connected(timeoutMs = WAIT_MS): Promise<void> {
    await until(
      `${this.whose} is connected`,
      async () => (await this.status()) === "Connected",
      () => this.describe(),
      timeoutMs,
    );
  }

  /** How often the message list shows a message with exactly this text. */
  count(text: string): Promise<number> {
    return this.log.getByText(text, { exact: true }).count();
  }

  /** Waits until the message list shows `text` (at least once): the server stored it and echoed it back. */
  async sees(text: string): Promise<void> {
    await until(
      `${this.whose} shows ${JSON.stringify(text)}`,
      async () => (await this.count(text)) > 0,
      () => this.describe(),
    );
  }

  /** The texts of the messages and notices in the list, in order: for failure messages. */
  listed(): Promise<string[]> {
    return this.log.locator(".msg .text, .notice").allTextContents();
  }

  /** What the page shows, for failure messages; page objects say more where they know more. */
  async describe(): Promise<string> {
    return `${this.whose}: status ${JSON.stringify(await this.status())}, alerts ${JSON.stringify(await this.alerts())}, list ${JSON.stringify(await this.listed())}, sockets ${JSON.stringify(this.sockets)}`;
  }

  /** The page's widths, to check that nothing makes it scroll sideways. */
  async noHorizontalScroll(): Promise<{ scrollWidth: number; clientWidth: number; body: number }> {
    return this.page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      body: document.body.scrollWidth,
    }));
  }
}
