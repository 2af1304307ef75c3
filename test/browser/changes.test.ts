// Issue 13, "messages that change", on Parley's own chat page: edits, deletes,
// reactions, replies and "is typing" between two pages in one room, in
// Debian's Chromium driven by playwright-core against a real `wrangler dev`.
// Page A acts by mouse and by keyboard; page B shows each change live, and
// again after a reload (from the room's history alone); a phone acts by touch
// and must not scroll sideways.
import type { BrowserContextOptions, Locator, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { uniqueRoom } from "../node/ws-client";
import { ChatPage } from "./chat-page";
import { browserSuite, screenshot, until } from "./harness";

/** How long the page shows someone's "typing" after the last one (the page's TYPING_SHOWN_MS), and some slack. */
const TYPING_GONE_MS = 5_000 + 3_000;

/** What a page shows of one message. */
interface Shown {
  text: string;
  edited: boolean;
  deleted: boolean;
  /** The quote of the message it answers: "nick: snippet". */
  quote: string | null;
  /** Its reaction chips as their accessible names ("👍 2"), a "*" after the ones that are the reader's own. */
  chips: string[];
}

class Person extends ChatPage {
  constructor(
    page: Page,
    readonly nick: string,
  ) {
    super(page, nick);
  }

  /** The frames the page sent that are not messages or pings (edits, reactions, deletes, typing), for failure messages. */
  get commands(): string[] {
    return this.frames.filter((f) => f.includes('"action"') && !f.includes("send_to_room"));
  }

  get composer() {
    return this.textbox("Message");
  }

  async join(room: string): Promise<void> {
    await this.pressJoin(room, this.nick);
    await this.connected();
  }

  /** Types into the composer key by key (so the page hears input, and says "typing"), then Enter. */
  async say(text: string): Promise<void> {
    await this.page.bringToFront();
    await this.composer.focus();
    await this.page.keyboard.type(text);
    await this.page.keyboard.press("Enter");
  }

  /** The message with this seq. */
  message(seq: number): Locator {
    return this.log.locator(`.msg[data-seq="${seq}"]`);
  }

  /** Waits until a message with exactly this text is shown, and returns its seq. */
  async seqOf(text: string): Promise<number> {
    const item = this.log.getByRole("article").filter({ has: this.page.locator(".text").getByText(text, { exact: true }) });
    await until(
      `${this.nick}'s page shows ${JSON.stringify(text)}`,
      async () => (await item.count()) === 1,
      () => this.describe(),
    );
    return Number(await item.getAttribute("data-seq"));
  }

  async shown(seq: number): Promise<Shown | null> {
    const item = this.message(seq);
    if ((await item.count()) === 0) return null;
    return item.evaluate((node) => {
      const quote = node.querySelector(".reply-to");
      return {
        text: node.querySelector(".text")?.textContent ?? "",
        edited: node.querySelector(".edited") !== null,
        deleted: node.querySelector(".text.deleted") !== null,
        quote: quote ? `${quote.querySelector(".reply-nick")?.textContent}: ${quote.querySelector(".reply-snippet")?.textContent}` : null,
        chips: Array.from(node.querySelectorAll(".chip")).map(
          (chip) => `${chip.textContent}${chip.getAttribute("aria-pressed") === "true" ? "*" : ""}`,
        ),
      };
    });
  }

  /** Waits until message `seq` shows as `expected` (the fields given). (Not `sees`: ChatPage's `sees(text)` waits for a text.) */
  async seesMessage(seq: number, expected: Partial<Shown>, what = JSON.stringify(expected)): Promise<void> {
    let last: Shown | null = null;
    await until(
      `${this.nick}'s page shows message ${seq} as ${what}`,
      async () => {
        last = await this.shown(seq);
        return last !== null && Object.entries(expected).every(([k, v]) => JSON.stringify(last?.[k as keyof Shown]) === JSON.stringify(v));
      },
      async () => `message ${seq}: ${JSON.stringify(last)}\n${await this.describe()}`,
    );
  }

  async typing(): Promise<string> {
    return ((await this.page.locator("#typing").textContent()) ?? "").trim();
  }

  async announced(): Promise<string> {
    return (await this.page.locator("#announcer").textContent()) ?? "";
  }

  override async describe(): Promise<string> {
    return `${this.nick}'s page: status ${JSON.stringify(await this.status())}, list ${JSON.stringify(await this.listed())}, commands sent ${JSON.stringify(this.commands.slice(-8))}, errors ${JSON.stringify(this.errors)}`;
  }
}

describe("messages that change, on the chat page", () => {
  const suite = browserSuite();
  const room = uniqueRoom("changes");
  let alice: Person;
  let bob: Person;
  /** Seqs of the messages the first test leaves behind for the phone. */
  let question = 0;
  let answer = 0;

  const open = (nick: string, options?: BrowserContextOptions) =>
    suite.open(`${suite.dev.url}/`, (page) => new Person(page, nick), options);

  it("A edits, deletes, reacts and replies; B shows each change live, and again after a reload; B sees A typing", {
    timeout: 120_000,
  }, async () => {
    [alice, bob] = await Promise.all([open("alice"), open("bob")]);
    await alice.join(room);
    await bob.join(room);

    // Typing: B sees it while A types, and it goes when A's message arrives.
    await alice.page.bringToFront();
    await alice.composer.focus();
    await alice.page.keyboard.type("first draft");
    await until(
      "bob sees alice typing",
      async () => (await bob.typing()) === "alice is typing…",
      () => bob.describe(),
    );
    await alice.page.keyboard.press("Enter");
    const first = await bob.seqOf("first draft");
    expect(await alice.seqOf("first draft")).toBe(first);
    await until("bob no longer sees alice typing once her message is in", async () => (await bob.typing()) === "");

    // Edit by mouse, then Escape: nothing changes, and the composer gets back the draft it held.
    await alice.composer.fill("a draft of something else");
    await alice.message(first).hover();
    await alice.message(first).getByRole("button", { name: "Edit your message" }).click();
    expect(await alice.composer.inputValue()).toBe("first draft");
    expect(await alice.page.locator("#context-text").textContent()).toBe("Editing your message");
    await alice.page.keyboard.press("Escape");
    expect(await alice.composer.inputValue()).toBe("a draft of something else");
    expect(await alice.page.locator("#composer-context").isHidden()).toBe(true);
    await alice.composer.fill("");

    // Edit by keyboard: Up in the empty composer edits one's last message; Enter saves.
    await alice.composer.press("ArrowUp");
    expect(await alice.composer.inputValue()).toBe("first draft");
    await alice.page.keyboard.press("ControlOrMeta+A");
    await alice.page.keyboard.type("final text");
    await alice.page.keyboard.press("Enter");
    for (const p of [alice, bob]) await p.seesMessage(first, { text: "final text", edited: true });
    expect(await alice.composer.inputValue()).toBe("");
    // B heard it, in words, once.
    await until("bob's page announces the edit", async () => (await bob.announced()).includes("alice edited a message: final text."));

    // Reactions. A reacts 👍 with the mouse, through the picker.
    await alice.message(first).hover();
    await alice.message(first).getByRole("button", { name: "React to your message" }).click();
    await alice.message(first).getByRole("group", { name: "Pick a reaction" }).getByRole("button", { name: "👍" }).click();
    await alice.seesMessage(first, { chips: ["👍 1*"] });
    await bob.seesMessage(first, { chips: ["👍 1"] });
    await until("bob's page announces the reaction", async () => (await bob.announced()).includes("alice reacted 👍 to alice's message."));
    // B adds his by clicking the chip.
    await bob.page.bringToFront();
    await bob.message(first).getByRole("button", { name: "👍 1" }).click();
    await bob.seesMessage(first, { chips: ["👍 2*"] });
    await alice.seesMessage(first, { chips: ["👍 2*"] });
    // B reacts 🎉 with the keyboard: Enter on React opens the picker on its first emoji; Escape closes it, focus back on React.
    const react = bob.message(first).getByRole("button", { name: "React to alice's message" });
    await react.focus();
    await bob.page.keyboard.press("Enter");
    await until("bob's picker has the focus", async () => (await bob.page.evaluate(() => document.activeElement?.textContent)) === "👍");
    await bob.page.keyboard.press("Escape");
    expect(await bob.message(first).getByRole("group", { name: "Pick a reaction" }).count()).toBe(0);
    expect(await react.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await react.getAttribute("aria-expanded")).toBe("false");
    await bob.page.keyboard.press("Enter");
    for (let i = 0; i < 3; i++) await bob.page.keyboard.press("Tab");
    expect(await bob.page.evaluate(() => document.activeElement?.textContent)).toBe("🎉");
    await bob.page.keyboard.press("Enter");
    await bob.seesMessage(first, { chips: ["👍 2*", "🎉 1*"] });
    await alice.seesMessage(first, { chips: ["👍 2*", "🎉 1"] });
    // A takes hers back by clicking her chip.
    await alice.page.bringToFront();
    await alice.message(first).getByRole("button", { name: "👍 2" }).click();
    for (const [p, chips] of [
      [alice, ["👍 1", "🎉 1"]],
      [bob, ["👍 1*", "🎉 1*"]],
    ] as const) {
      await p.seesMessage(first, { chips: [...chips] });
    }

    // Reply: A answers B's question; the composer says what it answers, the sent message quotes it.
    await bob.say("question from bob");
    question = await alice.seqOf("question from bob");
    await alice.message(question).hover();
    await alice.message(question).getByRole("button", { name: "Reply to bob" }).click();
    expect(await alice.page.locator("#context-text").textContent()).toBe("Replying to bob: question from bob");
    await alice.say("answer from alice");
    answer = await bob.seqOf("answer from alice");
    for (const p of [alice, bob]) await p.seesMessage(answer, { quote: "bob: question from bob" });
    expect(await alice.page.locator("#composer-context").isHidden()).toBe(true);

    // Delete: A deletes her own message; both show a tombstone in its place.
    await alice.say("to be deleted");
    const doomed = await bob.seqOf("to be deleted");
    await alice.seqOf("to be deleted");
    await alice.message(doomed).hover();
    await alice.message(doomed).getByRole("button", { name: "Delete this message" }).click();
    for (const p of [alice, bob]) await p.seesMessage(doomed, { text: "Message deleted", deleted: true, chips: [] });
    await until("bob's page announces the delete", async () => (await bob.announced()).includes("alice deleted a message."));
    expect(await bob.log.getByText("to be deleted").count()).toBe(0);
    expect(await bob.message(doomed).getByRole("button").count()).toBe(0);

    // B reloads: the same, from the room's history alone.
    const before = await Promise.all([first, question, answer, doomed].map((seq) => bob.shown(seq)));
    await bob.page.reload();
    await bob.connected();
    await bob.seesMessage(first, { text: "final text", edited: true, deleted: false, quote: null });
    await bob.seesMessage(answer, { text: "answer from alice", quote: "bob: question from bob" });
    await bob.seesMessage(doomed, { text: "Message deleted", deleted: true, chips: [] });
    // The counts are the room's: `GET …/messages/:seq` says the same.
    const state = (await (await fetch(`${suite.dev.url}/api/rooms/${encodeURIComponent(room)}/messages/${first}`)).json()) as {
      reactions: Record<string, number>;
    };
    expect(state.reactions).toEqual({ "👍": 1, "🎉": 1 });
    const after = await Promise.all([first, question, answer, doomed].map((seq) => bob.shown(seq)));
    // Counts and everything else as before the reload. ("*", his own, follows his connection: see the report.)
    const counts = (s: Shown | null) => s && { ...s, chips: s.chips.map((c) => c.replace("*", "")) };
    expect(after.map(counts)).toEqual(before.map(counts));
    expect(after[0]?.chips.map((c) => c.replace("*", ""))).toEqual(["👍 1", "🎉 1"]);

    // Typing goes away by itself when A stops without sending.
    await alice.page.bringToFront();
    await alice.composer.focus();
    await alice.page.keyboard.type("hmm");
    await until(
      "bob sees alice typing again",
      async () => (await bob.typing()) === "alice is typing…",
      () => bob.describe(),
    );
    const seen = Date.now();
    await until(
      "alice's typing fades on bob's page",
      async () => (await bob.typing()) === "",
      () => bob.describe(),
      TYPING_GONE_MS,
    );
    expect(Date.now() - seen).toBeGreaterThan(2_000);
    expect(await alice.composer.inputValue()).toBe("hmm");
    await alice.composer.fill("");

    for (const p of [alice, bob]) expect(p.errors, `${p.nick}'s page errors`).toEqual([]);
  });

  it("on a 390×844 phone: two typists, a reply and a reaction by touch, chips and quotes, no sideways scroll", {
    timeout: 90_000,
  }, async () => {
    expect(answer).toBeGreaterThan(0);
    const dana = await open("dana", { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    await dana.join(room);
    // What she joined into: the reply's quote and the chips.
    await dana.seesMessage(answer, { quote: "bob: question from bob" });

    // Two people typing.
    for (const p of [alice, bob]) {
      await p.page.bringToFront();
      await p.composer.focus();
      await p.page.keyboard.type("…");
    }
    await until(
      "dana sees both typing",
      async () => /^(alice and bob|bob and alice) are typing…$/.test(await dana.typing()),
      () => dana.describe(),
    );
    for (const p of [alice, bob]) await p.composer.fill("");

    // Touch: a tap on a message shows its actions; Reply; the composer says what it answers.
    await dana.page.bringToFront();
    const asked = dana.message(question);
    await asked.locator(".text").tap();
    await asked.getByRole("button", { name: "Reply to bob" }).tap();
    expect(await dana.page.locator("#context-text").textContent()).toBe("Replying to bob: question from bob");
    const long =
      "a rather long answer typed on a phone, with a-very-long-word-that-has-no-spaces-and-must-wrap-instead-of-widening-the-page";
    await dana.composer.fill(long);
    await dana.composer.press("Enter");
    const mine = await dana.seqOf(long);
    await dana.seesMessage(mine, { quote: "bob: question from bob" });
    await bob.seesMessage(mine, { quote: "bob: question from bob" });

    // A reaction by touch: tap the message, React, an emoji; then tap the chip to take it back and put it again.
    await asked.locator(".text").tap();
    await asked.getByRole("button", { name: "React to bob's message" }).tap();
    await asked.getByRole("group", { name: "Pick a reaction" }).getByRole("button", { name: "❤️" }).tap();
    await dana.seesMessage(question, { chips: ["❤️ 1*"] });
    await bob.seesMessage(question, { chips: ["❤️ 1"] });
    await asked.getByRole("button", { name: "❤️ 1" }).tap();
    await dana.seesMessage(question, { chips: [] });
    await asked.locator(".text").tap();
    await asked.getByRole("button", { name: "React to bob's message" }).tap();
    await asked.getByRole("group", { name: "Pick a reaction" }).getByRole("button", { name: "😂" }).tap();
    await dana.seesMessage(question, { chips: ["😂 1*"] });
    // And the first message's chips from the other test.
    const first = await dana.seqOf("final text");
    await dana.seesMessage(first, { chips: ["👍 1", "🎉 1"], edited: true });

    const widths = await dana.noHorizontalScroll();
    expect(widths.scrollWidth, JSON.stringify(widths)).toBeLessThanOrEqual(widths.clientWidth);
    expect(widths.body).toBeLessThanOrEqual(widths.clientWidth);
    // Nothing in the list sticks out sideways either (the list clips what would).
    const overflow = await dana.log.evaluate((log) => {
      const right = log.getBoundingClientRect().right;
      return Array.from(log.querySelectorAll(".bubble, .reactions, .reply-to")).filter((n) => n.getBoundingClientRect().right > right + 1)
        .length;
    });
    expect(overflow).toBe(0);

    await asked.locator(".text").tap();
    await screenshot(dana.page, "changes-phone");
    await alice.page.bringToFront();
    await alice.message(question).hover();
    await screenshot(alice.page, "changes-desktop");
    for (const p of [alice, bob, dana]) expect(p.errors, `${p.nick}'s page errors`).toEqual([]);
  });

  it("a quote follows what it answers: an edit changes it, a delete makes it say so, live and after a reload", {
    timeout: 60_000,
  }, async () => {
    await bob.say("a question to redact");
    const asked = await alice.seqOf("a question to redact");
    await alice.message(asked).hover();
    await alice.message(asked).getByRole("button", { name: "Reply to bob" }).click();
    await alice.say("an answer to it");
    const answered = await bob.seqOf("an answer to it");
    await bob.message(asked).hover();
    await bob.message(asked).getByRole("button", { name: "Edit your message" }).click();
    await bob.composer.fill("redacted");
    await bob.composer.press("Enter");
    for (const p of [alice, bob]) await p.seesMessage(answered, { quote: "bob: redacted" });
    await bob.message(asked).hover();
    await bob.message(asked).getByRole("button", { name: "Delete this message" }).click();
    for (const p of [alice, bob]) await p.seesMessage(answered, { quote: "bob: Message deleted" });
    await alice.page.reload();
    await alice.connected();
    await alice.seesMessage(answered, { quote: "bob: Message deleted" });
    expect(await alice.log.getByText("a question to redact").count()).toBe(0);
    for (const p of [alice, bob]) expect(p.errors, `${p.nick}'s page errors`).toEqual([]);
  });
});
