/**
 * How the page tells the reader what happened: notice lines in the message
 * flow (and the scroll pinning every change to the flow goes through), words
 * for screen readers, the join form's error, and the unread count in the
 * tab's title.
 */
import { connection } from "./connection";
import { announcer, emptyState, joinError, jumpButton, log, nickInput, outboxList, roomInput, scroller } from "./dom";
import { appendNotice, clip, noticeItem } from "./view";

// ------------------------------------------------------------ the flow

/** Whether the list is scrolled to (nearly) the bottom, so new messages should keep it there. */
export function atBottom(): boolean {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
}

export function scrollToBottom(): void {
  scroller.scrollTop = scroller.scrollHeight;
  jumpButton.hidden = true;
}

/** Runs a change to the list, keeping the view pinned to the bottom if it was. */
export function updateList(change: () => void, announceNew = true): void {
  const pinned = atBottom();
  change();
  emptyState.hidden = log.childElementCount > 0 || outboxList.childElementCount > 0;
  if (pinned) scrollToBottom();
  else if (announceNew) jumpButton.hidden = false;
}

export function notice(text: string, tone: "info" | "warn" | "error" = "info"): void {
  updateList(() => appendNotice(log, noticeItem(text, Date.now(), tone)));
}

/** A notice that screen readers hear as well (the list itself is quiet): what the reader would otherwise miss. */
export function noticeAloud(text: string, tone: "info" | "warn" | "error" = "info"): void {
  notice(text, tone);
  announce(text);
}

/** A command that did not go out: the reader may try again. */
export function notConnected(): void {
  noticeAloud("Not connected: try again in a moment.", "warn");
}

// ------------------------------------------------------------ announcements

/**
 * What screen readers hear of the room goes through the announcer, one
 * polite live region; the message list itself is not live (role=log, with
 * aria-live="off"), which in a busy room would read out every line. The
 * rule: the announcer speaks at most once every SPEAK_EVERY_MS. The first
 * news after a quiet spell waits GATHER_MS for what comes with it; news that
 * arrives meanwhile waits for the next turn. A turn says, in one go, the new
 * messages by others — one alone as "alice: its text", several as "5 new
 * messages from alice, bob and 3 others" — then up to three other changes
 * (edits, deletes, reactions, who came and went, refusals) and how many more.
 * The connection's state is not said here: the status line is a live region
 * of its own, whose words change only when the state does; a visit the room
 * ended is said once, by the join form's alert.
 */
const GATHER_MS = 1_000;
const SPEAK_EVERY_MS = 5_000;
/** The announcer is emptied this long after it spoke (before it speaks again), so the same words next time are heard again. */
const SILENCE_MS = 3_000;
/** A lone message is read up to this many characters. */
const SPOKEN_CHARS = 140;
/** At most this many names, or changes, are read in one turn. */
const SPOKEN_ITEMS = 3;

/** What waits to be said, the timer of the next turn, when the last one spoke, and the timer that empties the region. */
const speech = {
  messages: [] as { nick: string; text: string }[],
  changes: [] as string[],
  turn: undefined as number | undefined,
  spokeAt: Number.NEGATIVE_INFINITY,
  silence: undefined as number | undefined,
};

/** A new message by someone else, for the next turn. */
export function announceMessage(nick: string, text: string): void {
  speech.messages.push({ nick, text });
  nextTurn();
}

/** Something else that happened (an edit, a delete or a reaction by someone else, a join, a refusal), in words, for the next turn. */
export function announce(text: string): void {
  speech.changes.push(text);
  nextTurn();
}

function nextTurn(): void {
  if (speech.turn !== undefined) return;
  const wait = Math.max(GATHER_MS, speech.spokeAt + SPEAK_EVERY_MS - Date.now());
  speech.turn = window.setTimeout(speak, wait);
}

function speak(): void {
  const { messages, changes } = speech;
  const more = changes.length - SPOKEN_ITEMS;
  const said = [
    ...(messages.length ? [messagesSaid(messages)] : []),
    ...changes.slice(0, SPOKEN_ITEMS),
    ...(more > 0 ? [`And ${more} more ${more === 1 ? "change" : "changes"}`] : []),
  ];
  Object.assign(speech, { messages: [], changes: [], turn: undefined, spokeAt: Date.now() });
  announcer.textContent = said.map((s) => (/[.!?…]$/.test(s) ? s : `${s}.`)).join(" ");
  window.clearTimeout(speech.silence);
  speech.silence = window.setTimeout(() => {
    announcer.textContent = "";
  }, SILENCE_MS);
}

/** "alice: hi", or "5 new messages from alice, bob and 3 others". */
function messagesSaid(messages: { nick: string; text: string }[]): string {
  const [only] = messages;
  if (messages.length === 1 && only) return `${only.nick}: ${clip(only.text, SPOKEN_CHARS)}`;
  const nicks = [...new Set(messages.map((m) => m.nick))];
  const named = nicks.length > SPOKEN_ITEMS ? [...nicks.slice(0, SPOKEN_ITEMS - 1), `${nicks.length - SPOKEN_ITEMS + 1} others`] : nicks;
  const last = named.pop();
  return `${messages.length} new messages from ${named.length ? `${named.join(", ")} and ${last}` : last}`;
}

// ------------------------------------------------------------ the join form

/** Says what is wrong under the join form ("": nothing), marking `input` as the field to fix. */
export function showJoinError(input: HTMLInputElement | null, message: string): void {
  for (const field of [roomInput, nickInput]) field.removeAttribute("aria-invalid");
  joinError.textContent = message;
  joinError.hidden = !message;
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

// ------------------------------------------------------------ the title

/** Messages by others that arrived while the tab was hidden. */
const title = { unread: 0 };

/** Counts messages by others; only while the tab is hidden, where the title is what shows them. */
export function countUnread(messages: number): void {
  if (!document.hidden || !messages) return;
  title.unread += messages;
  updateTitle();
}

export function clearUnread(): void {
  title.unread = 0;
  updateTitle();
}

export function updateTitle(): void {
  const room = connection.room;
  const base = room ? `${room} · Parley` : "Parley · chat rooms";
  document.title = title.unread ? `(${title.unread}) ${base}` : base;
}
