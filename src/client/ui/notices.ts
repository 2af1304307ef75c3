/**
 * How the page tells the reader what happened: notice lines in the message
 * flow (and the scroll pinning every change to the flow goes through), words
 * for screen readers, the join form's error, and the unread count in the
 * tab's title.
 */
import { connection } from "./connection";
import { announcer, emptyState, joinError, jumpButton, log, nickInput, outboxList, roomInput, scroller } from "./dom";
import { appendNotice, noticeItem } from "./view";

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

/** A command that did not go out: the reader may try again. */
export function notConnected(): void {
  notice("Not connected: try again in a moment.", "warn");
}

// ------------------------------------------------------------ announcements

/** What was heard within the current second, and the timer that empties the live region after a while. */
const speech: { heard: string[]; silenceTimer: number | undefined } = { heard: [], silenceTimer: undefined };

/**
 * Tells screen readers what changed (edits, deletes, reactions by others) in
 * words, through one polite live region: what arrives within a second is
 * said once, at most three things and how many more.
 */
export function announce(text: string): void {
  // The first of a burst sets the timer; what follows within the second joins it.
  if (speech.heard.push(text) > 1) return;
  window.setTimeout(() => {
    const { heard } = speech;
    const more = heard.length - 3;
    announcer.textContent = `${heard.slice(0, 3).join(". ")}.${more > 0 ? ` And ${more} more ${more === 1 ? "change" : "changes"}.` : ""}`;
    speech.heard = [];
    // Emptied after a while, so that the same words next time are heard again.
    window.clearTimeout(speech.silenceTimer);
    speech.silenceTimer = window.setTimeout(() => {
      announcer.textContent = "";
    }, 5_000);
  }, 1_000);
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
