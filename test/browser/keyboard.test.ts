// Issue 25, keyboard alone: a reader who never touches a mouse reaches and
// works every control of the chat page — join, send, reply, react (and take
// a reaction back), edit, delete, switch rooms, leave, and a moderator's kick
// and mute — by Tab, Shift+Tab, Enter and Escape. At every stop a focus ring
// shows (the element matches :focus-visible, with a solid outline of 2 px or
// more at 3:1 or better against what is behind it), and after each action
// the focus is somewhere sensible: the message box after joining, replying
// or editing; the React button after the picker closes; the message itself
// once it is deleted; the member list after a member is removed.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { hashForInvite } from "../../src/client/core/address";
import { mintToken } from "../node/e2e";
import { uniqueRoom } from "../node/ws-client";
import { ChatPage } from "./chat-page";
import { browserSuite, until } from "./harness";

const AUTH_SECRET = "keyboard-auth-secret-0123456789abcdef";
const API_KEY = "keyboard-api-key-0123456789";

/** Where the focus is: roughly its accessible name, its classes, and why no ring shows (null: one does). */
interface Stop {
  name: string;
  classes: string;
  noRing: string | null;
}

/** Runs in the page: describes the focused element and checks its ring. Self-contained (it is sent to the browser). */
function describeFocus(): Stop {
  const el = document.activeElement;
  if (!(el instanceof HTMLElement) || el === document.body) return { name: "(nothing)", classes: "", noRing: "nothing has the focus" };
  const labelled = el.getAttribute("aria-label") ?? (el as HTMLInputElement).labels?.[0]?.textContent ?? el.textContent ?? "";
  const stop: Stop = { name: labelled.replace(/\s+/g, " ").trim(), classes: el.className, noRing: null };
  /** [r, g, b, alpha] of a computed colour: rgb(), rgba() or color(srgb …). */
  const parse = (c: string): number[] => {
    const n = (c.match(/[\d.]+/g) ?? []).map(Number);
    const rgb = c.startsWith("color(") ? n.slice(0, 3).map((v) => v * 255) : n.slice(0, 3);
    return [...rgb, n[3] ?? 1];
  };
  const luminance = ([r = 0, g = 0, b = 0]: number[]) => {
    const lin = (v: number) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const style = getComputedStyle(el);
  if (!el.matches(":focus-visible")) stop.noRing = "not :focus-visible";
  else if (style.outlineStyle === "none" || Number.parseFloat(style.outlineWidth) < 2) {
    stop.noRing = `outline ${style.outlineStyle} ${style.outlineWidth}`;
  } else {
    // The ring is drawn around the element: what is behind it is the first ancestor with an opaque background.
    let behind = [255, 255, 255, 1];
    for (let node = el.parentElement; node; node = node.parentElement) {
      const bg = parse(getComputedStyle(node).backgroundColor);
      if (bg[3] === 1) {
        behind = bg;
        break;
      }
    }
    const [a, b] = [luminance(parse(style.outlineColor)), luminance(behind)].sort((x, y) => y - x) as [number, number];
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < 3) stop.noRing = `ring ${style.outlineColor} on rgb(${behind.slice(0, 3).join(", ")}): ${ratio.toFixed(2)}:1`;
  }
  return stop;
}

/** Someone on a keyboard: every key goes through `key` or `type`, and every place the focus lands is kept. */
class KeyboardUser extends ChatPage {
  readonly stops: Stop[] = [];

  async focused(): Promise<Stop> {
    return this.page.evaluate(describeFocus);
  }

  async key(key: string): Promise<Stop> {
    await this.page.keyboard.press(key);
    const stop = await this.focused();
    this.stops.push(stop);
    return stop;
  }

  async type(text: string): Promise<void> {
    await this.page.keyboard.type(text);
  }

  /** Presses Tab (Shift+Tab, going `back`) until the focus is on `name`. */
  async tabTo(name: string, back = false, max = 60): Promise<void> {
    const passed: string[] = [];
    for (let i = 0; i < max; i++) {
      const stop = await this.key(back ? "Shift+Tab" : "Tab");
      if (stop.name === name) return;
      passed.push(stop.name);
    }
    throw new Error(
      `${this.whose}: ${JSON.stringify(name)} not reached by ${back ? "Shift+Tab" : "Tab"}; passed ${JSON.stringify(passed)}`,
    );
  }

  /** Waits until the focus is where `where` says (the page moves it when the room answers). */
  async focusIs(what: string, where: (stop: Stop) => boolean): Promise<void> {
    await until(
      `${this.whose}: the focus is on ${what}`,
      async () => where(await this.focused()),
      async () => JSON.stringify(await this.focused()),
    );
    this.stops.push(await this.focused());
  }

  focusOn(name: string): Promise<void> {
    return this.focusIs(JSON.stringify(name), (stop) => stop.name === name);
  }

  /** The stops where no ring showed, each with the one before it. */
  ringless(): string[] {
    return this.stops.flatMap((s, i) => (s.noRing === null ? [] : [`${s.name}: ${s.noRing} (after ${this.stops[i - 1]?.name})`]));
  }
}

describe("the chat page by keyboard alone", () => {
  const suite = browserSuite({ vars: { AUTH_SECRET, API_KEY } });
  const open = <T extends ChatPage>(wrap: (page: Page) => T, hash = "", dark = false) =>
    suite.open(`${suite.dev.url}/${hash}`, wrap, dark ? { colorScheme: "dark" } : {});

  it("joins, sends, replies, reacts, edits, deletes and switches rooms; a ring at every stop, the focus kept in place", {
    timeout: 90_000,
  }, async () => {
    const room = uniqueRoom("keys");
    const other = uniqueRoom("keys");
    const bob = await open((page) => new ChatPage(page, "bob"));
    await bob.pressJoin(room, "bob");
    await bob.connected();
    await bob.textbox("Message").fill("hi, anyone here?");
    await bob.textbox("Message").press("Enter");

    const kim = await open((page) => new KeyboardUser(page, "kim"));
    await kim.page.bringToFront();
    // The page starts in the Room field.
    await kim.focusOn("Room");
    await kim.type(room);
    await kim.tabTo("Nick");
    await kim.type("kim");
    await kim.tabTo("Join");
    await kim.key("Enter");
    await kim.connected();
    await kim.focusOn("Message");
    await kim.sees("hi, anyone here?");

    await kim.type("hello bob");
    await kim.key("Enter");
    await kim.sees("hello bob");
    await kim.focusOn("Message");

    // Reply: to the message box, which says what it answers; Escape ends it, so does its Cancel; Enter sends it.
    const replying = () => kim.page.locator("#composer-context").isVisible();
    await kim.tabTo("Reply to bob", true);
    await kim.key("Enter");
    await kim.focusOn("Message");
    expect(await replying()).toBe(true);
    await kim.key("Escape");
    expect(await replying()).toBe(false);
    await kim.focusOn("Message");
    await kim.tabTo("Reply to bob", true);
    await kim.key("Enter");
    await kim.tabTo("Cancel reply", true);
    await kim.key("Enter");
    expect(await replying()).toBe(false);
    await kim.focusOn("Message");
    await kim.tabTo("Reply to bob", true);
    await kim.key("Enter");
    await kim.focusOn("Message");
    expect(await kim.page.locator("#context-text").textContent()).toContain("Replying to bob");
    await kim.type("welcome!");
    await kim.key("Enter");
    await kim.sees("welcome!");
    await bob.sees("welcome!");

    // React: the picker takes the focus; Escape gives it back to React; an emoji picked does too.
    await kim.tabTo("React to bob's message", true);
    await kim.key("Enter");
    await kim.focusOn("👍");
    await kim.key("Escape");
    await kim.focusOn("React to bob's message");
    expect(await kim.page.getByRole("group", { name: "Pick a reaction" }).count()).toBe(0);
    await kim.key("Enter");
    await kim.tabTo("🎉");
    await kim.key("Enter");
    await kim.focusOn("React to bob's message");
    // Its chip (under the text, before the actions), reached by Shift+Tab, takes the reaction back; the focus goes back to React.
    await until("kim's reaction is shown", async () => (await kim.log.locator(".chip").count()) === 1);
    await kim.tabTo("🎉 1", true);
    await kim.key("Enter");
    await kim.focusOn("React to bob's message");
    await until("kim's reaction is taken back", async () => (await kim.log.locator(".chip").count()) === 0);

    // Edit (the next message on, kim's first): the message box holds the text; Enter saves.
    await kim.tabTo("Edit your message");
    await kim.key("Enter");
    await kim.focusOn("Message");
    expect(await kim.textbox("Message").inputValue()).toBe("hello bob");
    await kim.type(", glad you are here");
    await kim.key("Enter");
    await kim.sees("hello bob, glad you are here");
    await kim.focusOn("Message");

    // Delete (going back from the message box, the last message: the reply): the focus stays on the message, now saying it was deleted.
    await kim.tabTo("Delete this message", true);
    await kim.key("Enter");
    await kim.focusIs("the deleted message", (stop) => /\bmsg\b/.test(stop.classes) && stop.name.endsWith("Message deleted"));
    await bob.sees("Message deleted");

    // Switch rooms: back to the Room field, another name, Enter.
    await kim.tabTo("Room", true);
    await kim.key("Control+A");
    await kim.type(other);
    await kim.key("Enter");
    await kim.focusOn("Message");
    await kim.sees(`You joined ${other} as kim.`);
    expect(new URL(kim.page.url()).hash).toBe(`#${other}`);
    // Leave: back to the Room field.
    await kim.tabTo("Leave", true);
    await kim.key("Enter");
    await kim.focusOn("Room");
    expect(await kim.status()).toBe("Not in a room");

    expect(kim.ringless(), JSON.stringify(kim.stops.map((s) => s.name))).toEqual([]);
    expect(kim.stops.length).toBeGreaterThan(20);
    for (const p of [kim, bob]) expect(p.errors).toEqual([]);
  });

  it("a moderator kicks and mutes from the member list; the focus stays in the list", { timeout: 60_000 }, async () => {
    const room = uniqueRoom("private");
    const invite = async (name: string, role?: string) =>
      hashForInvite(room, await mintToken(suite.dev, API_KEY, { sub: name, name, room, ...(role ? { role } : {}) }));
    const bob = await open((page) => new ChatPage(page, "bob"), await invite("bob"));
    const carol = await open((page) => new ChatPage(page, "carol"), await invite("carol"));
    // Ada's page is dark: the rings are checked in both themes.
    const ada = await open((page) => new KeyboardUser(page, "ada"), await invite("ada", "moderator"), true);
    for (const p of [bob, carol, ada]) await p.connected();
    await until(
      "ada's member list shows all three",
      async () => (await ada.members.count()) === 3,
      () => ada.describe(),
    );
    await ada.page.bringToFront();
    await ada.focusOn("Message");

    await ada.tabTo("kick bob");
    await ada.key("Enter");
    await until(
      "bob is out of ada's member list",
      async () => (await ada.members.count()) === 2,
      () => ada.describe(),
    );
    // Bob's place (and button) in the list is carol's now.
    await ada.focusOn("kick carol");
    await ada.tabTo("mute carol");
    await ada.key("Enter");
    await until(
      "ada sees carol muted",
      async () => (await ada.listed()).some((t) => t.startsWith("carol was muted by ada")),
      () => ada.describe(),
    );
    await ada.focusOn("mute carol");

    expect(ada.ringless()).toEqual([]);
    for (const p of [ada, bob, carol]) expect(p.errors).toEqual([]);
  });
});
