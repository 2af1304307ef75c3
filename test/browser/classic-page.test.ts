// Issue 2, "must show": the original chat room page — its HTML and jQuery
// script from the write-up, with only the server address changed — works
// against Parley on a real `wrangler dev`, in a real browser (Debian's
// Chromium driven by playwright-core).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { BrowserContext, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { uniqueRoom } from "../node/ws-client";
import { CLASSIC_HTML_PATH, CLASSIC_SCRIPT_PATH, serveClassicPage } from "./classic-page-server";
import { type BrowserSuite, browserSuite, TestPage } from "./harness";

/** Longest wait for one line to show up in a page. */
const LINE_MS = 10_000;
/**
 * How often a wait re-reads the page. Playwright's default polls on animation
 * frames, which a tab in the background never gets (three tabs, one in front).
 */
const POLL_MS = 25;

/**
 * One browser tab with the original page, driven through its own controls
 * (its errors and console on record, harness.ts: the original logs socket
 * events to the console, which failure messages show).
 */
class ClassicPage extends TestPage {
  room: string | null = null;
  private syncs = 0;

  constructor(
    page: Page,
    readonly nick: string,
  ) {
    super(page, nick);
  }

  /** A new tab of `context` with the original page, connected, the nick typed in. */
  static async open(suite: BrowserSuite, context: BrowserContext, url: string, nick: string): Promise<ClassicPage> {
    const p = await suite.openIn(context, url, (page) => new ClassicPage(page, nick));
    await p.sees("websocket connection opened .");
    await p.front();
    await p.page.fill("#txtNickName", nick);
    return p;
  }

  /** Every line of the page's message list. */
  async lines(): Promise<string[]> {
    const value = await this.page.$eval("#msgList", (el) => (el as HTMLTextAreaElement).value);
    return value.split(/\r?\n/);
  }

  /** Waits (bounded) until the message list holds `line`. */
  async sees(line: string, count = 1): Promise<void> {
    try {
      await this.page.waitForFunction(
        ([want, n]) =>
          (document.querySelector("#msgList") as HTMLTextAreaElement).value.split(/\r?\n/).filter((l) => l === want).length >= n,
        [line, count] as const,
        { timeout: LINE_MS, polling: POLL_MS },
      );
    } catch (err) {
      throw new Error(
        `${this.nick}'s page never showed ${JSON.stringify(line)}; it shows ${JSON.stringify(await this.lines())}; its console: ${JSON.stringify(this.console)}`,
        { cause: err },
      );
    }
  }

  /** Clicks "join room" for `room` and waits for the original join line. */
  async join(room: string): Promise<void> {
    const line = `${this.nick} join room ${room} success .`;
    const before = await this.count(line);
    await this.front();
    await this.page.fill("#txtRoomNo", room);
    await this.page.click("#btnJoin");
    await this.sees(line, before + 1);
    this.room = room;
  }

  /** Types a message and clicks "send". */
  async say(text: string): Promise<void> {
    await this.front();
    await this.page.fill("#txtMsg", text);
    await this.page.click("#btnSend");
  }

  /** Says `text` and waits for the room's echo of it. */
  async sayAndSee(text: string): Promise<void> {
    await this.say(text);
    await this.sees(`${this.nick} : ${text}`);
  }

  /** Clicks "leave room" and waits for the original leave line. */
  async leave(): Promise<void> {
    const room = this.room;
    await this.front();
    await this.page.click("#btnLeave");
    await this.sees(`${this.nick} leave room ${room} success .`);
    this.room = null;
  }

  /**
   * A round trip through the server on this page's socket, so that anything
   * the server sent this page before now has arrived: in a room, its own
   * message's echo; out of one, the error for sending outside a room.
   */
  async sync(): Promise<void> {
    const marker = `sync ${this.nick} ${++this.syncs}`;
    if (this.room) {
      await this.sayAndSee(marker);
      return;
    }
    const errors = (await this.lines()).filter((l) => l.startsWith("error: ")).length;
    await this.say(marker);
    try {
      await this.page.waitForFunction(
        (n) =>
          (document.querySelector("#msgList") as HTMLTextAreaElement).value.split(/\r?\n/).filter((l) => l.startsWith("error: ")).length >
          n,
        errors,
        { timeout: LINE_MS, polling: POLL_MS },
      );
    } catch (err) {
      throw new Error(`${this.nick}'s page got no error line for a send outside a room; it shows ${JSON.stringify(await this.lines())}`, {
        cause: err,
      });
    }
  }

  /**
   * Brings the tab to the front before a person would type or click in it:
   * a background tab gets no animation frames, which Playwright's
   * actionability checks wait for.
   */
  private async front(): Promise<void> {
    await this.page.bringToFront();
  }

  private async count(line: string): Promise<number> {
    return (await this.lines()).filter((l) => l === line).length;
  }
}

/**
 * SHA-256 of the two files as they stand in the write-up's code blocks
 * (docs/in-band-join.md says where they come from): a change to either, even
 * a formatter's, would test some other page.
 */
const ORIGINAL_SHA256 = {
  html: "a37f6e9960cd82e596c7b1ec4049b6ee2dd9b0a1347200902155195ffce37482",
  script: "9e48fbc5c6321417e16170c9d57868c655057aa885b6c510c9b79688de791659",
};
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

describe("the original chat page against wrangler dev", () => {
  let context: BrowserContext | undefined;

  // The original page lives on its own origin, as it would when someone hosts
  // the original app's page: Parley lets it in through ALLOWED_ORIGINS. With
  // PARLEY_SCREENSHOTS set, each page is saved there at the end as classic-page-<nick>.png.
  const suite: BrowserSuite = browserSuite({ site: () => serveClassicPage(() => suite.dev.wsUrl) });

  // The three pages are tabs of one profile (only one is in front at a time: see POLL_MS).
  beforeAll(async () => {
    context = await suite.newContext();
  });

  it("serves the original page's HTML and script byte for byte", () => {
    expect({ html: sha256(CLASSIC_HTML_PATH), script: sha256(CLASSIC_SCRIPT_PATH) }).toEqual(ORIGINAL_SHA256);
  });

  it("joins, talks, keeps rooms apart, switches rooms and leaves, as the original did", { timeout: 90_000 }, async () => {
    const A = uniqueRoom("A");
    const B = uniqueRoom("B");
    const [alice, bob, carol] = await Promise.all(
      ["alice", "bob", "carol"].map((nick) => ClassicPage.open(suite, context!, suite.site.url, nick)),
    );

    // Two pages in room A, one in room B. Each join line goes to the joiner alone.
    await alice!.join(A);
    await bob!.join(A);
    await carol!.join(B);

    // Pages in A see each other's messages, the sender's own included.
    await alice!.sayAndSee("hello from alice");
    await bob!.sees("alice : hello from alice");
    await bob!.sayAndSee("hi alice, 你好 🦇");
    await alice!.sees("bob : hi alice, 你好 🦇");
    // The page in B sees only B.
    await carol!.sayAndSee("anyone in B?");

    await Promise.all([alice!.sync(), bob!.sync(), carol!.sync()]);
    expect(await alice!.lines()).not.toContain(`bob join room ${A} success .`);
    expect(await alice!.lines()).not.toContain("carol : anyone in B?");
    expect(await bob!.lines()).not.toContain("carol : anyone in B?");
    const carolSaw = await carol!.lines();
    expect(carolSaw.filter((l) => l.startsWith("alice") || l.startsWith("bob"))).toEqual([]);

    // bob switches to B (join while in A): from then on he hears B only.
    await bob!.join(B);
    const bobSwitchedAt = (await bob!.lines()).length;
    await alice!.sayAndSee("bob, are you still here?");
    await carol!.sayAndSee("welcome to B, bob");
    await bob!.sees("carol : welcome to B, bob");
    await bob!.sayAndSee("glad to be in B");
    await carol!.sees("bob : glad to be in B");
    await Promise.all([alice!.sync(), bob!.sync(), carol!.sync()]);
    expect((await bob!.lines()).slice(bobSwitchedAt).filter((l) => l.startsWith("alice"))).toEqual([]);
    expect(await alice!.lines()).not.toContain("bob : glad to be in B");
    expect(await carol!.lines()).not.toContain("alice : bob, are you still here?");

    // alice leaves A: the original leave line, then nothing more from A.
    await alice!.leave();
    await bob!.join(A);
    await bob!.sayAndSee("back in A");
    await Promise.all([alice!.sync(), bob!.sync(), carol!.sync()]);
    expect(await alice!.lines()).toContain(`alice leave room ${A} success .`);
    expect(await alice!.lines()).not.toContain("bob : back in A");
    expect(await carol!.lines()).not.toContain("bob : back in A");

    for (const p of [alice!, bob!, carol!]) expect(p.errors, `${p.nick}'s page errors`).toEqual([]);
  });
});
