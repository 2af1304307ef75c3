/**
 * What every browser test needs around its own page objects, in one place:
 * a real `wrangler dev` (test/node/dev-server.ts) and Debian's Chromium
 * (chromium.ts) started together for a `describe` and stopped after it, with
 * every profile it opened closed first; a page that keeps on record what
 * tests check besides the DOM (its errors and console, the WebSockets it
 * opened, the frames it sent); a bounded `until`; and, for a page that uses
 * Parley from an origin of its own, a static site on 127.0.0.1.
 *
 *   describe("…", () => {
 *     const suite = browserSuite({ vars: { MAX_NICK_CHARS: "10" } });
 *     it("…", async () => {
 *       const tab = await suite.open(`${suite.dev.url}/`, (page) => new ChatPage(page));
 *       await tab.connected();
 *     });
 *   });
 *
 * Parley's own chat page has its page object in chat-page.ts.
 */
import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { basename, join, resolve } from "node:path";
import type { Browser, BrowserContext, BrowserContextOptions, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { type DevServer, type DevServerOptions, startDevServer } from "../node/dev-server";
import { waitUntil } from "../wait";
import { launchChromium } from "./chromium";

/** Longest wait for something to show up in a page. */
export const WAIT_MS = 10_000;
/** Where the run leaves its screenshots (git-ignored). */
export const SHOTS = resolve(import.meta.dirname, "../../test-results/screenshots");

/**
 * Polls `check` every 50 ms until it returns true; a bounded wait with a
 * useful failure (`describeState()` says what the page showed). A check that
 * throws counts as not yet: a locator read while the page reloads may.
 */
export function until(
  what: string,
  check: () => Promise<boolean>,
  describeState?: () => Promise<string>,
  timeoutMs = WAIT_MS,
): Promise<void> {
  return waitUntil(
    what,
    () => check().catch(() => false),
    timeoutMs,
    describeState ? () => describeState().catch((e) => `(state unavailable: ${String(e)})`) : undefined,
    50,
  );
}

/** Saves a screenshot of `page` as SHOTS/`name`.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/**
 * One browser page with what it did on record. Page objects extend it; the
 * suite wraps a page before it loads anything, so nothing is missed.
 */
export class TestPage {
  /** Uncaught errors in the page. */
  readonly errors: string[] = [];
  /** The page's console, for failure messages. */
  readonly console: string[] = [];
  /** Addresses of the WebSockets the page opened, in order. */
  readonly sockets: string[] = [];
  /** Every frame the page sent on any of them, in order (pings included). */
  readonly frames: string[] = [];

  /** `name` is whose page it is, for failure messages and screenshot names. */
  constructor(
    readonly page: Page,
    readonly name?: string,
  ) {
    page.on("pageerror", (err) => this.errors.push(String(err)));
    page.on("console", (msg) => this.console.push(`${msg.type()}: ${msg.text()}`));
    page.on("websocket", (ws) => {
      this.sockets.push(ws.url());
      ws.on("framesent", (frame) => this.frames.push(String(frame.payload)));
    });
  }

  /** The browser profile the page is in. */
  get context(): BrowserContext {
    return this.page.context();
  }

  /** "alice's page", or "the page" for one with no name: for failure messages. */
  protected get whose(): string {
    return this.name === undefined ? "the page" : `${this.name}'s page`;
  }
}

/** A static site on an origin of its own (an app's page that uses Parley from elsewhere), on 127.0.0.1. */
export interface StaticSite {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  /** `http://127.0.0.1:PORT`, what the browser sends as `Origin`. */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves `files` (path → content type, and a body made on each request) on a free port of 127.0.0.1; any other request is a 404. */
export function serveStatic(files: Record<string, { type: string; body: () => string | Buffer }>): Promise<StaticSite> {
  const server = createServer((req, res) => {
    const file = files[new URL(req.url ?? "/", "http://127.0.0.1").pathname];
    if (!file || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const body = file.body();
    res.writeHead(200, { "content-type": file.type, "cache-control": "no-store" }).end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((resolveServer, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const addr = server.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      resolveServer({
        url: `http://127.0.0.1:${port}/`,
        origin: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            // The browser may still hold keep-alive connections; close() alone would wait for them.
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export interface BrowserSuiteOptions extends DevServerOptions {
  /**
   * An app's site on an origin of its own: served before wrangler dev starts
   * (whose ALLOWED_ORIGINS then lets that origin in), closed after it stops.
   */
  site?: () => Promise<StaticSite>;
}

/** The server and browser of a `describe`, with the pages its tests open. */
export interface BrowserSuite {
  /** The `wrangler dev` under test, from before the first test to after the last. */
  readonly dev: DevServer;
  readonly browser: Browser;
  /** The app's site, with the `site` option. */
  readonly site: StaticSite;
  /** A new browser profile, closed after the last test. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** Opens `url` in a new 1280×800 profile (with `profile`'s options on top), as the page object `wrap` makes. */
  open<T extends TestPage>(url: string, wrap: (page: Page) => T, profile?: BrowserContextOptions): Promise<T>;
  /** Opens `url` in a new page of `context` (a second tab of one profile), as the page object `wrap` makes. */
  openIn<T extends TestPage>(context: BrowserContext, url: string, wrap: (page: Page) => T): Promise<T>;
}

/**
 * Starts `wrangler dev` (with `options`) and Chromium together before the
 * first test of the enclosing `describe` (the app's site first, if any);
 * after the last, closes every profile, Chromium, the server and the site.
 * With PARLEY_SCREENSHOTS set to a directory, every page opened is first
 * saved there as `<test file>-<page name or number>.png`.
 */
export function browserSuite({ site: serveSite, ...server }: BrowserSuiteOptions = {}): BrowserSuite {
  let site: StaticSite | undefined;
  let dev: DevServer | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];
  const pages: TestPage[] = [];

  const suite: BrowserSuite = {
    get dev() {
      if (!dev) throw new Error("wrangler dev is not started: use the suite in tests, after its beforeAll");
      return dev;
    },
    get browser() {
      if (!browser) throw new Error("Chromium is not started: use the suite in tests, after its beforeAll");
      return browser;
    },
    get site() {
      if (!site) throw new Error("no site: give browserSuite a `site`, and use it after its beforeAll");
      return site;
    },
    async newContext(options) {
      const context = await suite.browser.newContext(options);
      contexts.push(context);
      return context;
    },
    async open(url, wrap, profile = {}) {
      return suite.openIn(await suite.newContext({ viewport: { width: 1280, height: 800 }, ...profile }), url, wrap);
    },
    async openIn(context, url, wrap) {
      // Wrapped before it loads: the page object hears the first error and sees the first socket.
      const opened = wrap(await context.newPage());
      pages.push(opened);
      await opened.page.goto(url);
      return opened;
    },
  };

  beforeAll(async () => {
    site = await serveSite?.();
    const vars = site ? { ...server.vars, ALLOWED_ORIGINS: site.origin } : server.vars;
    const [started, launched] = await Promise.allSettled([startDevServer({ ...server, vars }), launchChromium()]);
    // Whichever came up is kept for afterAll to end, even when the other failed.
    if (started.status === "fulfilled") dev = started.value;
    if (launched.status === "fulfilled") browser = launched.value;
    if (started.status === "rejected") throw started.reason;
    if (launched.status === "rejected") throw launched.reason;
  });

  afterAll(async () => {
    const shots = process.env.PARLEY_SCREENSHOTS;
    if (shots) {
      mkdirSync(shots, { recursive: true });
      const prefix = basename(expect.getState().testPath ?? "browser", ".test.ts");
      for (const [i, p] of pages.entries()) {
        await p.page.screenshot({ path: join(shots, `${prefix}-${p.name ?? i + 1}.png`) }).catch(() => {});
      }
    }
    for (const context of contexts) await context.close().catch(() => {});
    await browser?.close().catch(() => {});
    await dev?.stop();
    await site?.close();
  });

  return suite;
}
