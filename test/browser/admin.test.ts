// The operator's /admin page (issue 23) in Debian's Chromium, against a real
// wrangler dev with an API_KEY: a wrong key is refused and forgotten; the
// right one signs in and is kept in the tab's sessionStorage only; a room with
// a member is listed; its detail shows an owner's ban, shown as text (the room
// name and the reason carry markup); Lift removes it; axe passes signed out
// and signed in with a room open, at a desktop's and a phone's width, in the
// light and the dark theme; the list is read on demand and every 10 s while
// the tab is visible.
import type { Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { isEvent } from "../events";
import { mintToken } from "../node/e2e";
import { connect, uniqueRoom, type WsClient } from "../node/ws-client";
import { expectNothingFor } from "../wait";
import { audit, report } from "./axe";
import { browserSuite, TestPage, until } from "./harness";

const AUTH_SECRET = "admin-auth-secret-0123456789abcdef";
const API_KEY = "admin-api-key-0123456789";
/** Where the page keeps the key (src/client/admin/session.ts). */
const STORED = "parley.admin.key";

class AdminPage extends TestPage {
  get key(): Locator {
    return this.page.getByLabel("API key", { exact: true });
  }

  button(name: string): Locator {
    return this.page.getByRole("button", { name, exact: true });
  }

  async signIn(key: string): Promise<void> {
    await this.key.fill(key);
    await this.key.press("Enter");
  }

  alerts(): Promise<string[]> {
    return this.page.getByRole("alert").allTextContents();
  }

  /** The rows of the active rooms' table, as their cells' text. */
  rooms(): Promise<string[][]> {
    return this.page
      .getByRole("table", { name: /^Active rooms/ })
      .locator("tbody tr")
      .evaluateAll((rows) => rows.map((r) => Array.from(r.children, (c) => (c.textContent ?? "").trim())));
  }

  get sanctions(): Locator {
    return this.page.getByRole("table", { name: "Bans and mutes in force" }).locator("tbody tr");
  }

  /** What the tab keeps: its sessionStorage and localStorage, and its address. */
  kept(): Promise<{ session: string | null; local: number; url: string }> {
    return this.page.evaluate((k) => ({ session: sessionStorage.getItem(k), local: localStorage.length, url: location.href }), STORED);
  }

  async describe(): Promise<string> {
    const text = (await this.page.locator("body").textContent()) ?? "";
    return `page: ${JSON.stringify(text.slice(0, 1500))}, errors ${JSON.stringify(this.errors)}`;
  }
}

/** Audits `page` as it is at a desktop's and a phone's width, in the light and the dark theme. */
async function auditEveryView(page: Page, state: string): Promise<void> {
  for (const { width, height } of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    await page.setViewportSize({ width, height });
    for (const colorScheme of ["light", "dark"] as const) {
      await page.emulateMedia({ colorScheme });
      const found = await audit(page);
      expect(found, report(found, `${state}, ${width} px, ${colorScheme}`)).toEqual([]);
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: null });
}

describe("the /admin page", () => {
  const suite = browserSuite({ vars: { AUTH_SECRET, API_KEY } });
  // User text in the room name and the ban's reason: the page must show it as text.
  const room = uniqueRoom("<b>ops");
  const REASON = '<img src=x id="injected"> spam & more';
  let tab: AdminPage;
  const members: WsClient[] = [];

  async function join(sub: string, role: "owner" | "member"): Promise<WsClient> {
    const token = await mintToken(suite.dev, API_KEY, { sub, name: sub, room, role });
    const c = await connect(`${suite.dev.wsUrl}/ws?room=${encodeURIComponent(room)}&token=${token}`, { json: true });
    members.push(c);
    await c.until(isEvent("joined"));
    return c;
  }

  it("is served at /admin (without .html), under the chat page's Content-Security-Policy", async () => {
    const res = await fetch(`${suite.dev.url}/admin`, { redirect: "manual" });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<script type="module" src="/admin.js">');
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self';");
  });

  it("a wrong key is refused, said, and not kept", { timeout: 60_000 }, async () => {
    tab = await suite.open(`${suite.dev.url}/admin`, (page) => new AdminPage(page));
    await tab.signIn("not-the-key");
    await until(
      "the page says the key is wrong",
      async () => (await tab.alerts()).some((a) => /wrong key/i.test(a)),
      () => tab.describe(),
    );
    expect(await tab.key.isVisible()).toBe(true);
    expect(await tab.button("Sign out").isVisible()).toBe(false);
    expect(await tab.kept()).toEqual({ session: null, local: 0, url: `${suite.dev.url}/admin` });
    expect(tab.errors).toEqual([]);
  });

  it("signs in with the key, kept in the tab's sessionStorage only, and lists a room with a member", { timeout: 60_000 }, async () => {
    const owner = await join("olga", "owner");
    await join("troll", "member");
    owner.send({ action: "send_to_room", msg: "hello" });
    await owner.until(isEvent("message"));
    await tab.signIn(API_KEY);
    await until(
      "the room is listed with its two members",
      async () => (await tab.rooms()).some(([name, count]) => name === room && count === "2"),
      () => tab.describe(),
    );
    const row = (await tab.rooms()).find(([name]) => name === room);
    expect(row?.slice(0, 4)).toEqual([room, "2", "1", "1"]);
    expect(await tab.kept()).toEqual({ session: API_KEY, local: 0, url: `${suite.dev.url}/admin` });
    expect(await tab.key.isVisible()).toBe(false);
    expect(tab.errors).toEqual([]);
  });

  it("a room's detail shows its counters and an owner's ban, with the reason as text", { timeout: 60_000 }, async () => {
    const [owner] = members;
    owner?.send({ action: "ban", member: "troll", reason: REASON });
    await owner?.until((e) => e.type === "moderation" && e.action === "ban");
    await tab.button(room).press("Enter");
    await until(
      "the detail shows the ban",
      async () => (await tab.sanctions.count()) === 1,
      () => tab.describe(),
    );
    const cells = await tab.sanctions.first().locator("th, td").allTextContents();
    expect(cells.slice(0, 5)).toEqual(["troll", "ban", "no end", REASON, "owner"]);
    expect(await tab.page.getByRole("heading", { name: `Room ${room}`, exact: true }).isVisible()).toBe(true);
    expect(await tab.page.getByRole("heading", { name: "Counters" }).isVisible()).toBe(true);
    // This server has no WEBHOOK_URL: the section says webhooks are off.
    const webhooks = tab.page.getByRole("region", { name: "Webhooks" });
    await until(
      "the webhooks section says they are off",
      async () => (await webhooks.getByRole("paragraph").first().textContent())?.startsWith("Off") === true,
      () => tab.describe(),
    );
    // Nothing of the user text became markup.
    expect(await tab.page.locator("#injected, #detail b, #rooms-body b").count()).toBe(0);
    expect(tab.errors).toEqual([]);
  });

  it("the page passes axe signed in, with a room open", { timeout: 60_000 }, async () => {
    await auditEveryView(tab.page, "signed in, a room open");
  });

  it("Lift removes the ban (by keyboard), says so, and the server agrees", { timeout: 60_000 }, async () => {
    await tab.button("Lift the ban on troll").focus();
    await tab.page.keyboard.press("Enter");
    await until(
      "the page says the ban is lifted",
      async () => (await tab.page.getByRole("status").textContent()) === "Lifted the ban on troll.",
      () => tab.describe(),
    );
    await until(
      "the ban is gone from the detail",
      async () => (await tab.sanctions.count()) === 0,
      () => tab.describe(),
    );
    const res = await fetch(`${suite.dev.url}/api/admin/rooms/${encodeURIComponent(room)}`, {
      headers: { Authorization: `Bearer ${API_KEY}` },
    });
    expect(((await res.json()) as { sanctions: unknown[] }).sanctions).toEqual([]);
    // The focus went somewhere a keyboard user can carry on from, not to the page's top.
    expect(await tab.page.evaluate(() => document.activeElement?.id)).toBe("detail-heading");
    expect(tab.errors).toEqual([]);
  });

  it("shows a room's webhook backlog and dead letters, and sends the dead letters again", { timeout: 60_000 }, async () => {
    // This server sends no webhooks: its routes are answered here with a backlog, as docs/webhooks.md gives them.
    const replays: string[] = [];
    await tab.page.route(/\/api\/admin\/rooms\/[^/]+\/webhooks$/, (route) =>
      route.fulfill({
        json: {
          enabled: true,
          backlog: 3,
          dead: 1,
          deadLetters: [{ id: "msg_1", type: "message.created", attempts: 9, error: "<b>HTTP 500</b>", failedAt: Date.now() }],
        },
      }),
    );
    await tab.page.route(/\/webhooks\/replay$/, (route) => {
      replays.push(`${route.request().method()} ${new URL(route.request().url()).pathname}`);
      return route.fulfill({ json: { replayed: 1 } });
    });
    await tab.button("Refresh").click();
    const webhooks = tab.page.getByRole("region", { name: "Webhooks" });
    await until(
      "the webhooks section shows the backlog",
      async () => (await webhooks.getByRole("paragraph").first().textContent()) === "On · waiting to be sent: 3 · dead letters: 1",
      () => tab.describe(),
    );
    expect(await webhooks.locator("tbody td").nth(2).textContent()).toBe("<b>HTTP 500</b>");
    await webhooks.getByRole("button", { name: "Send the dead letters again" }).press("Enter");
    await until(
      "the page says they are due again",
      async () => (await tab.page.getByRole("status").textContent()) === "Dead letters due again: 1.",
      () => tab.describe(),
    );
    expect(replays).toEqual([`POST /api/admin/rooms/${encodeURIComponent(room)}/webhooks/replay`]);
    await tab.page.unrouteAll();
    expect(tab.errors).toEqual([]);
  });

  /** A second tab on a fake clock, signed in, counting its calls to the list. */
  let timed: AdminPage;
  const listCalls: string[] = [];

  it("reads the list again on demand: a room that gains a member shows up on Refresh", { timeout: 60_000 }, async () => {
    const context = await suite.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    timed = new AdminPage(page, "timed");
    page.on("request", (req) => {
      if (new URL(req.url()).pathname === "/api/admin/rooms") listCalls.push(req.url());
    });
    await page.clock.install();
    await page.goto(`${suite.dev.url}/admin`);
    await timed.signIn(API_KEY);
    await until(
      "the list is read",
      async () => (await timed.rooms()).some(([name]) => name === room),
      () => timed.describe(),
    );
    const other = uniqueRoom("later");
    const c = await connect(`${suite.dev.wsUrl}/ws?room=${other}&nick=ann`, { json: true });
    members.push(c);
    await c.until(isEvent("joined"));
    await timed.button("Refresh").click();
    await until(
      "the new room is listed",
      async () => (await timed.rooms()).some(([name]) => name === other),
      () => timed.describe(),
    );
  });

  it("reads the list every 10 s while the tab is visible, never while it is hidden", { timeout: 60_000 }, async () => {
    const before = listCalls.length;
    await timed.page.clock.fastForward(10_000);
    await until(
      "the list is read again after 10 s",
      async () => listCalls.length === before + 1,
      async () => `${listCalls.length - before} reads`,
    );
    await timed.page.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    await timed.page.clock.fastForward(30_000);
    await expectNothingFor("the hidden tab read the list", () => listCalls.length > before + 1, 500);
    await timed.page.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    // Shown again, it reads the list at once rather than at the next tick.
    await until(
      "the list is read when the tab shows again",
      async () => listCalls.length === before + 2,
      async () => `${listCalls.length - before} reads`,
    );
    expect(timed.errors).toEqual([]);
  });

  it("signing out forgets the key; the page passes axe signed out", { timeout: 60_000 }, async () => {
    await tab.button("Sign out").click();
    await until(
      "the sign-in form is back",
      () => tab.key.isVisible(),
      () => tab.describe(),
    );
    expect(await tab.kept()).toEqual({ session: null, local: 0, url: `${suite.dev.url}/admin` });
    expect(await tab.page.getByRole("table", { name: /^Active rooms/ }).isVisible()).toBe(false);
    await auditEveryView(tab.page, "signed out");
    for (const c of members) c.close();
    expect(tab.errors).toEqual([]);
  });
});
