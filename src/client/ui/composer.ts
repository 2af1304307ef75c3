/**
 * The composer: writing and sending a message, replying to one, editing
 * your own, telling the room you are typing, and showing who else is.
 */
import type { TypingEvent } from "../../shared/events";
import { connection } from "./connection";
import {
  composer,
  composerError,
  composerHelp,
  contextBox,
  contextCancel,
  contextText,
  log,
  messageInput,
  sendButton,
  typingLine,
} from "./dom";
import { forgetMentions, mentionsIn } from "./mentions";
import { mayTalk } from "./moderation";
import { scrollToBottom } from "./notices";
import { isMine } from "./storage";
import { authorOf, clip, shownMessage, textOf } from "./view";

// ------------------------------------------------------------ reply and edit

/** What the composer is doing besides writing a new message. */
type Mode =
  | { kind: "none" }
  | { kind: "reply"; seq: number }
  /** `draft`: what the composer held before, given back when the edit ends. */
  | { kind: "edit"; seq: number; draft: string };

/** The composer's mode, and when it last told the room the reader is typing. */
const state: { mode: Mode; typingSentAt: number } = { mode: { kind: "none" }, typingSentAt: 0 };

const HELP = {
  none: "Enter sends · Shift+Enter adds a line",
  reply: "Enter sends the reply · Esc cancels it",
  edit: "Enter saves · Esc cancels",
} as const;

function setMode(next: Mode): void {
  log.querySelector(".editing")?.classList.remove("editing");
  state.mode = next;
  composerError.hidden = true;
  contextBox.hidden = next.kind === "none";
  composerHelp.textContent = HELP[next.kind];
  sendButton.textContent = next.kind === "edit" ? "Save" : "Send";
  if (next.kind === "reply") {
    const nick = document.createElement("b");
    nick.textContent = authorOf(log, next.seq);
    const answered = shownMessage(log, next.seq);
    contextText.replaceChildren("Replying to ", nick, `: ${clip(answered ? textOf(answered) : "", 100)}`);
    contextCancel.setAttribute("aria-label", "Cancel reply");
  } else if (next.kind === "edit") {
    contextText.textContent = "Editing your message";
    contextCancel.setAttribute("aria-label", "Cancel editing");
    shownMessage(log, next.seq)?.classList.add("editing");
  } else contextText.textContent = "";
}

/** Ends a reply or an edit without sending; an edit gives the composer back what it held before. */
export function cancelMode(): void {
  if (state.mode.kind === "edit") messageInput.value = state.mode.draft;
  setMode({ kind: "none" });
}

/** A message was deleted: a reply to it or an edit of it ends, saying why. */
export function messageDeleted(seq: number): void {
  if (state.mode.kind === "none" || state.mode.seq !== seq) return;
  cancelMode();
  composerSays("That message was deleted.");
}

export function startReply(seq: number): void {
  if (state.mode.kind === "edit") cancelMode();
  setMode({ kind: "reply", seq });
  messageInput.focus();
}

export function startEdit(seq: number): void {
  const item = shownMessage(log, seq);
  if (!item) return;
  const draft = state.mode.kind === "edit" ? state.mode.draft : messageInput.value;
  setMode({ kind: "edit", seq, draft });
  const text = textOf(item);
  messageInput.value = text;
  messageInput.focus();
  messageInput.setSelectionRange(text.length, text.length);
}

function composerSays(text: string): void {
  composerError.textContent = text;
  composerError.hidden = false;
}

/** Saves an edit: checked by the server's rules first; an unchanged text just ends the edit. */
function saveEdit(seq: number, text: string): void {
  const item = shownMessage(log, seq);
  if (!item || text === textOf(item)) {
    cancelMode();
    return;
  }
  const problem =
    connection.check(text) ?? (connection.command({ action: "edit", seq, msg: text }) ? null : "not connected. Try again in a moment");
  if (problem) composerSays(`Not saved: ${problem}.`);
  else cancelMode();
}

function send(): void {
  const text = messageInput.value;
  const { mode } = state;
  if (mode.kind === "edit") {
    saveEdit(mode.seq, text);
    return;
  }
  if (!text.trim()) return;
  const problem = connection.send(text, mode.kind === "reply" ? mode.seq : undefined, mentionsIn(text));
  if (problem) {
    composerSays(`Not sent: ${problem}.`);
    return;
  }
  setMode({ kind: "none" });
  messageInput.value = "";
  forgetMentions();
  // The next message's typing is told at once.
  state.typingSentAt = 0;
  scrollToBottom();
}

// ------------------------------------------------------------ typing

/** "Typing" goes out at most this often while the user types. */
const TYPING_EVERY_MS = 3_000;
/** Someone's "typing" shows this long after their last one. */
const TYPING_SHOWN_MS = 5_000;
/** Who is typing, by member id, with the timer that ends it. */
const typists = new Map<string, { nick: string; timer: number }>();

export function onTyping(event: TypingEvent): void {
  const { id, nick } = event.member;
  if (isMine(id)) return;
  const had = typists.get(id);
  if (had) window.clearTimeout(had.timer);
  typists.set(id, { nick, timer: window.setTimeout(() => stopTyping(id), TYPING_SHOWN_MS) });
  showTyping();
}

/** Someone stopped typing (they sent, left, or went quiet); without an id, everyone. */
export function stopTyping(id?: string): void {
  for (const [key, typist] of typists) {
    if (id !== undefined && key !== id) continue;
    window.clearTimeout(typist.timer);
    typists.delete(key);
  }
  showTyping();
}

/** Whether this member is shown as typing. */
export function isTyping(id: string): boolean {
  return typists.has(id);
}

function showTyping(): void {
  const names = [...typists.values()].map((t) => t.nick);
  const last = names.pop();
  typingLine.textContent =
    last === undefined
      ? ""
      : names.length === 0
        ? `${last} is typing…`
        : names.length < 3
          ? `${names.join(", ")} and ${last} are typing…`
          : "Several people are typing…";
}

// ------------------------------------------------------------ keys and clicks

contextCancel.addEventListener("click", () => {
  cancelMode();
  messageInput.focus();
});

composer.addEventListener("submit", (event) => {
  event.preventDefault();
  send();
  messageInput.focus();
});

messageInput.addEventListener("keydown", (event) => {
  if (event.isComposing || event.keyCode === 229) return;
  // Enter sends (or saves an edit); Shift+Enter is a new line; Enter that confirms an IME composition is not a send.
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    send();
  } else if (event.key === "Escape" && state.mode.kind !== "none") {
    event.preventDefault();
    cancelMode();
  } else if (event.key === "ArrowUp" && state.mode.kind === "none" && messageInput.value === "") {
    // Up in an empty composer edits your last message, as in most chat apps.
    const last = [...log.querySelectorAll<HTMLElement>(".msg[data-seq]")].reverse().find((m) => m.querySelector(".action-edit"));
    if (!last) return;
    event.preventDefault();
    startEdit(Number(last.dataset.seq));
  }
});

messageInput.addEventListener("input", () => {
  composerError.hidden = true;
  if (state.mode.kind === "edit" || !messageInput.value.trim() || !mayTalk()) return;
  const now = Date.now();
  if (now - state.typingSentAt >= TYPING_EVERY_MS && connection.command({ action: "typing" })) state.typingSentAt = now;
});
