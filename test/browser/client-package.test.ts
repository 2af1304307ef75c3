// The built package in Chromium, as a web app on its own origin uses it: a
// tiny static server on 127.0.0.1 serves the app's page and dist/client (an
// import map names it `parley/client`), and Parley under `wrangler dev`
// lets that origin in through ALLOWED_ORIGINS. The page's client is in two
// rooms at once; it sends, hears a Node client (the same built package) and
// an HTTP post, and rides out a restart of the server: what it sent while
// the server was down is stored once, and every send settles once.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import type * as Source from "../../src/client/index";
import type { MessageEvent } from "../../src/shared/events";
import { buildClient } from "../node/build-client";
import { uniqueRoom } from "../node/ws-client";
import { browserSuite, until as harnessUntil, type StaticSite, serveStatic, TestPage } from "./harness";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const WAIT_MS = 15_000;

/** The app's page: the package through an import map, exposed to the test as `window.parley`. */
const PAGE = `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>an app</title>
<script type="importmap">{"imports": {"parley/client": "/vendor/parley/client/index.js"}}</script>
<script type="module">
  import * as parley from "parley/client";
  window.parley = parley;
</script>
</head><body></body></html>`;

/** Builds dist/client, and serves the page and dist/client on a free port of 127.0.0.1. */
function serveApp(): Promise<StaticSite> {
  buildClient();
  const dist = (file: string) => () => readFileSync(join(ROOT, "dist/client", file));
  return serveStatic({
    "/": { type: "text/html", body: () => PAGE },
    "/vendor/parley/client/index.js": { type: "text/javascript", body: dist("index.js") },
    "/vendor/parley/client/index.js.map": { type: "application/json", body: dist("index.js.map") },
  });
}

/** Polls `check` until it holds (bounded), with the page's app state in the failure. */
function until(page: Page, what: string, check: () => Promise<boolean>, ms = WAIT_MS): Promise<void> {
  return harnessUntil(what, check, () => page.evaluate(() => JSON.stringify((window as unknown as { app?: unknown }).app)), ms);
}

/** What the page's app keeps, read by the test. */
interface AppState {
  heard: Record<string, string[]>;
  states: Record<string, string[]>;
  signals: string[];
  settled: Record<string, string[]>;
}

describe("parley/client, built, in Chromium (an app on another origin)", () => {
  let page: Page;
  /** The page's uncaught errors (recorded by its TestPage). */
  let errors: string[] = [];

  // The port is kept, so that the page finds the server again after the restart.
  const suite = browserSuite({ site: serveApp, keepPort: true, vars: { CONNECTS_PER_MINUTE: "0" } });

  beforeAll(async () => {
    const opened = await suite.open(suite.site.url, (page) => new TestPage(page));
    ({ page, errors } = opened);
    await page.waitForFunction(() => "parley" in window, undefined, { timeout: WAIT_MS });
  });

  it("connects to two rooms, sends and hears, and rides out a server restart", { timeout: 90_000 }, async () => {
    const a = uniqueRoom("web-a");
    const b = uniqueRoom("web-b");
    const server = suite.dev;

    // The app: one client, two rooms, everything it hears kept in window.app.
    const joined = await page.evaluate(
      async ({ url, a, b }) => {
        const { ParleyClient } = (window as unknown as { parley: typeof Source }).parley;
        const app: AppState = { heard: { [a]: [], [b]: [] }, states: { [a]: [], [b]: [] }, signals: [], settled: {} };
        const client = new ParleyClient({ url, nick: "web", backoff: { baseMs: 100, maxMs: 1_000, factor: 2, jitter: 1 } });
        client.on("offline", () => app.signals.push("offline"));
        client.on("online", () => app.signals.push("online"));
        const rooms = [client.room(a), client.room(b)];
        for (const room of rooms) {
          room.on("message", (m) => app.heard[room.name]!.push(`${m.seq} ${m.from.nick}: ${m.text}`));
          room.on("state", (s) => app.states[room.name]!.push(s.state));
        }
        const send = (name: string, text: string) => {
          const settled: string[] = [];
          app.settled[text] = settled;
          client
            .room(name)
            .send(text)
            .then(
              (m) => settled.push(`stored ${m.seq}`),
              (e: { code: string }) => settled.push(`refused ${e.code}`),
            );
        };
        Object.assign(window, { app, client, send });
        return Promise.all(rooms.map((room) => room.connect().then((j) => j.room)));
      },
      { url: server.url, a, b },
    );
    expect(joined).toEqual([a, b]);

    const app = () => page.evaluate(() => (window as unknown as { app: AppState }).app);
    const send = (room: string, text: string) =>
      page.evaluate(([room, text]) => (window as unknown as { send(r: string, t: string): void }).send(room!, text!), [room, text]);

    // The page sends in each room; a Node client of the same built package, and an HTTP post, are heard.
    await send(a, "page to a");
    await send(b, "page to b");
    // Stored before the others speak, so each room's order is known.
    await until(page, "the page heard itself", async () => {
      const { heard } = await app();
      return heard[a]!.length === 1 && heard[b]!.length === 1;
    });
    const built = (await import("parley/client" as string)) as typeof Source;
    const node = new built.ParleyClient({ url: server.url, nick: "node" });
    const nodeRoom = node.room(b);
    await nodeRoom.connect();
    const fromNode: MessageEvent = await nodeRoom.send("node to b");
    const posted = await fetch(`${server.url}/api/rooms/${encodeURIComponent(a)}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ nick: "poster", text: "posted to a" }),
    });
    expect(posted.status).toBe(201);
    await until(page, "the page heard everyone", async () => {
      const { heard } = await app();
      return heard[a]!.length === 2 && heard[b]!.length === 2;
    });
    expect((await app()).heard).toEqual({
      [a]: ["1 web: page to a", "2 poster: posted to a"],
      [b]: ["1 web: page to b", `2 node: node to b`],
    });
    expect(fromNode.seq).toBe(2);
    node.close();

    // The server restarts; what the page sends meanwhile waits, and is stored once when it is back.
    const restarted = server.restart();
    await until(page, "the page noticed the server is gone", async () => (await app()).signals.includes("offline"), 20_000);
    for (let i = 1; i <= 3; i++) await send(a, `while down ${i}`);
    await restarted;
    await until(
      page,
      "the page is back and its sends are stored",
      async () => {
        const state = await app();
        return ["while down 1", "while down 2", "while down 3"].every((t) => state.settled[t]!.length > 0) && state.heard[a]!.length === 5;
      },
      30_000,
    );

    const state = await app();
    expect(state.heard[a]).toEqual([
      "1 web: page to a",
      "2 poster: posted to a",
      "3 web: while down 1",
      "4 web: while down 2",
      "5 web: while down 3",
    ]);
    expect(state.heard[b]).toEqual(["1 web: page to b", "2 node: node to b"]);
    expect(state.settled).toEqual({
      "page to a": ["stored 1"],
      "page to b": ["stored 1"],
      "while down 1": ["stored 3"],
      "while down 2": ["stored 4"],
      "while down 3": ["stored 5"],
    });
    expect(state.signals).toEqual(["offline", "online"]);
    expect(state.states[a]).toContain("reconnecting");
    expect(state.states[a]!.at(-1)).toBe("open");
    const history = (await (await fetch(`${server.url}/api/rooms/${encodeURIComponent(a)}/messages`)).json()) as {
      messages: MessageEvent[];
    };
    expect(history.messages.map((m) => m.text)).toEqual(["page to a", "posted to a", "while down 1", "while down 2", "while down 3"]);

    // Leaving closes the room's connection; the page saw no error.
    expect(
      await page.evaluate((room) => {
        const r = (window as unknown as { client: Source.ParleyClient }).client.room(room);
        r.leave();
        return r.state;
      }, a),
    ).toBe("closed");
    expect(errors).toEqual([]);
  });
});
