/**
 * The timeline: the room's messages in seq order (replies, reactions, edits
 * and deletes shown as they happen), moderation events among them, the
 * pending outbox below, loading earlier messages, and each message's actions.
 */
import type { DeleteEvent, EditEvent, ErrorEvent, MessageEvent, ModerationEvent, ReactionEvent, StoredEvent } from "../../shared/events";
import { Reactions } from "../core/reactions";
import { cancelMode, messageDeleted, startEdit, startReply, stopTyping } from "./composer";
import { connection, type OutboxEntry, type StoredFrom } from "./connection";
import { emptyState, jumpButton, log, messageInput, olderButton, outboxList, scroller } from "./dom";
import { mayDeleteAny, mayTalk } from "./moderation";
import { announce, announceMessage, atBottom, countUnread, notConnected, noticeAloud, scrollToBottom, updateList } from "./notices";
import { closePicker, showReactions, togglePicker } from "./reactions-view";
import { isMine } from "./storage";
import {
  addActions,
  authorOf,
  clip,
  el,
  insertMessage,
  type MessageAction,
  markDeleted,
  markEdited,
  messageItem,
  moderationItem,
  pendingItem,
  requoteEdited,
  shownMessage,
  textOf,
  unquoteDeleted,
} from "./view";

/**
 * Whether earlier messages are being loaded (they go in above, with no "new
 * messages" hint); the reactions of the room's messages, from its `reaction`
 * events (see Reactions: they are enough, after a reload too); and per shown
 * message, the newest seq its text reflects (an edit event not newer than
 * that is already in it).
 */
const shown = { reactions: new Reactions(), textAsOf: new Map<number, number>() };

function isOwn(message: MessageEvent): boolean {
  return isMine(message.from.id);
}

/**
 * Shows events of the seq stream, as the client tells them (`from`): live
 * ones happened just now, so changes by others are also announced and
 * counted; older ones (loaded on request) go in above without a word.
 */
export function onMessages(events: StoredEvent[], from: StoredFrom): void {
  if (!events.length) return;
  const older = from === "older";
  const tell = from === "live";
  // A message's stored text is its latest as of now: every seq up to the cursor is already in it.
  const asOf = connection.cursor ?? 0;
  updateList(() => {
    for (const event of events) {
      const byOther = tell && !isMine(event.type === "moderation" ? event.by.id : event.from.id);
      if (event.type === "message") showMessage(event, asOf, byOther);
      else if (event.type === "moderation") showModeration(event, byOther);
      else if (event.type === "delete") showDelete(event, byOther);
      else if (event.type === "edit") showEdit(event, byOther);
      else onReaction(event, byOther);
    }
  }, !older);
  if (older) return;
  countUnread(events.filter((e) => e.type === "message" && !isOwn(e)).length);
}

function showMessage(message: MessageEvent, asOf: number, byOther: boolean): void {
  const item = messageItem(message, isOwn(message));
  if (!message.deleted && message.mentions?.some(isMine)) markMentioned(item);
  if (byOther && !message.deleted) announceMessage(message.from.nick, message.text);
  if (!message.deleted) {
    shown.textAsOf.set(message.seq, asOf);
    addMessageActions(item, message);
    showChips(item, message.seq);
  }
  insertMessage(log, item);
  if (message.replyTo && shownMessage(log, message.replyTo.seq)?.querySelector(".text.deleted")) unquoteDeleted(log, message.replyTo.seq);
  stopTyping(message.from.id);
}

/** A message that mentions the reader stands out, and says so to a screen reader. */
function markMentioned(item: HTMLElement): void {
  item.classList.add("mentioned");
  item.querySelector(".meta")?.append(el("span", "mention-flag", "mentions you"));
}

function showModeration(event: ModerationEvent, byOther: boolean): void {
  const item = moderationItem(event);
  insertMessage(log, item);
  // The reader removed from the room hears it once, from the join form's alert.
  const endsMyVisit = isMine(event.member) && (event.action === "kick" || event.action === "ban");
  if (byOther && !endsMyVisit) announce(item.querySelector(".notice-text")?.textContent ?? "");
}

function showDelete(event: DeleteEvent, byOther: boolean): void {
  shown.reactions.clear(event.target);
  const author = authorOf(log, event.target);
  unquoteDeleted(log, event.target);
  if (markDeleted(log, event) && byOther) {
    announce(`${event.from.nick} deleted ${author === event.from.nick ? "a message" : `a message by ${author}`}`);
  }
  messageDeleted(event.target);
}

function showEdit(event: EditEvent, byOther: boolean): void {
  // Its message was deleted since: the delete event, later on the stream, shows the tombstone.
  if (event.deleted) return;
  requoteEdited(log, event);
  // An edit older than the text shown (a page of older events arriving late) would only take it back.
  const shownAsOf = shown.textAsOf.get(event.target);
  if (shownAsOf === undefined || event.seq <= shownAsOf) return;
  shown.textAsOf.set(event.target, event.seq);
  if (markEdited(log, event) && byOther) announce(`${event.from.nick} edited a message: ${clip(event.text, 80)}`);
}

/** Shows the messages not yet confirmed, each saying whether it is on its way or waits for the connection. */
export function showOutbox(pending: OutboxEntry[]): void {
  updateList(() => {
    const online = connection.status.state === "open";
    const keep = new Set(pending.map((p) => p.id));
    for (const node of [...outboxList.children]) {
      if (!keep.has((node as HTMLElement).dataset.id ?? "")) node.remove();
    }
    for (const entry of pending) {
      let node = outboxList.querySelector<HTMLElement>(`[data-id="${CSS.escape(entry.id)}"]`);
      if (!node) {
        const answered = entry.replyTo === undefined ? null : shownMessage(log, entry.replyTo);
        const reply = answered && { nick: authorOf(log, entry.replyTo ?? 0), snippet: clip(textOf(answered), 100) };
        node = pendingItem(entry.id, connection.nick, entry.text, entry.createdAt, reply ?? undefined);
        outboxList.append(node);
      }
      const state = node.querySelector(".state");
      if (state) state.textContent = online ? "Sending…" : "Queued: sends when reconnected";
      node.classList.toggle("queued", !online);
    }
  }, false);
}

/** A queued message the server refused for good: it left the outbox, and the flow says why. */
export function onFailed(entry: OutboxEntry, error: ErrorEvent): void {
  noticeAloud(`Not sent: “${entry.text.length > 60 ? `${entry.text.slice(0, 60)}…` : entry.text}” (${error.message}).`, "error");
}

/** Empties the timeline, for another room. */
export function clearList(): void {
  shown.reactions = new Reactions();
  shown.textAsOf.clear();
  stopTyping();
  cancelMode();
  log.replaceChildren();
  outboxList.replaceChildren();
  olderButton.hidden = true;
  jumpButton.hidden = true;
  emptyState.hidden = false;
}

/** A `joined`: its history goes in; a first join (not a reconnect) starts at the bottom, with earlier messages a click away. */
export function timelineJoined(history: StoredEvent[], resumed: boolean): void {
  // A new connection is a new member: "mine" on the chips shown follows it.
  for (const item of log.querySelectorAll<HTMLElement>(".msg[data-seq] .reactions")) {
    const msg = item.closest<HTMLElement>(".msg");
    if (msg) showChips(msg, Number(msg.dataset.seq));
  }
  onMessages(history, "joined");
  if (!resumed) {
    const first = history[0];
    olderButton.hidden = !first || first.seq <= 1;
    scrollToBottom();
  }
}

// ------------------------------------------------------------ reactions and actions

function react(seq: number, emoji: string): void {
  if (!connection.command({ action: "react", seq, emoji })) notConnected();
}

/** Shows a message's chips as the tally has them; "mine" is what a click would take back: this connection's member. */
function showChips(item: HTMLElement, seq: number): void {
  showReactions(item, shown.reactions.of(seq, connection.self?.id), mayTalk() ? (emoji) => react(seq, emoji) : undefined);
}

function onReaction(event: ReactionEvent, byOther: boolean): void {
  if (!shown.reactions.apply(event)) return;
  const item = shownMessage(log, event.target);
  if (!item) return;
  showChips(item, event.target);
  if (byOther && event.on) {
    const whose = item.classList.contains("own") ? "your message" : `${authorOf(log, event.target)}'s message`;
    announce(`${event.from.nick} reacted ${event.emoji} to ${whose}`);
  }
}

/** Reply, React, Edit, Delete: what the reader may do to this message. */
function addMessageActions(item: HTMLElement, message: MessageEvent): void {
  const own = isOwn(message);
  const actions: MessageAction[] = [];
  if (mayTalk()) {
    actions.push(["Reply", own ? "Reply to your message" : `Reply to ${message.from.nick}`, () => startReply(message.seq)]);
    actions.push([
      "React",
      own ? "React to your message" : `React to ${message.from.nick}'s message`,
      (button) => togglePicker(item, button, (emoji) => react(message.seq, emoji)),
    ]);
  }
  if (own) actions.push(["Edit", "Edit your message", () => startEdit(message.seq)]);
  if (own || mayDeleteAny()) {
    actions.push(["Delete", "Delete this message", () => connection.command({ action: "delete", seq: message.seq }) || notConnected()]);
  }
  if (!actions.length) return;
  addActions(item, actions);
  item.querySelector(".action-react")?.setAttribute("aria-expanded", "false");
}

// On a touch screen (no hover), tapping a message shows its actions ("open"); an action, or a tap
// elsewhere, hides them again (React keeps them while its picker is open). Only clicks do: see style.css.
const touch = window.matchMedia("(hover: none)");
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  const item = target?.closest<HTMLElement>(".msg[data-seq]") ?? null;
  for (const picker of log.querySelectorAll(".picker")) if (!picker.closest(".msg")?.contains(target)) closePicker(picker);
  for (const open of log.querySelectorAll(".msg.open")) if (open !== item) open.classList.remove("open");
  if (!item || !touch.matches) return;
  if (target?.closest(".action-react")) item.classList.add("open");
  else if (target?.closest("button")) item.classList.remove("open");
  else if (item.querySelector(".actions")) item.classList.toggle("open");
});
// A keyboard (or a picker giving the focus back) that reaches a touch screen's hidden actions shows them.
log.addEventListener("focusin", (event) => {
  if (touch.matches && event.target instanceof Element) event.target.closest(".actions")?.closest(".msg")?.classList.add("open");
});

// ------------------------------------------------------------ scrolling and earlier messages

scroller.addEventListener("scroll", () => {
  if (atBottom()) jumpButton.hidden = true;
});
jumpButton.addEventListener("click", () => {
  scrollToBottom();
  messageInput.focus();
});

olderButton.addEventListener("click", async () => {
  olderButton.disabled = true;
  const height = scroller.scrollHeight;
  try {
    const more = await connection.loadOlder(50);
    // Keep the message that was at the top where it was.
    scroller.scrollTop += scroller.scrollHeight - height;
    olderButton.hidden = !more;
  } catch {
    noticeAloud("Could not load earlier messages.", "error");
  } finally {
    olderButton.disabled = false;
  }
});
