/**
 * Building the message list. Every piece of user text (nicks, messages,
 * room names) goes in with `textContent`, never as HTML.
 */
import {
  type DeleteEvent,
  type EditEvent,
  type MessageEvent,
  type ModerationAction,
  type ModerationEvent,
  type PresentMember,
  type ReplyRef,
  snippetOf,
} from "../../shared/events";
import { colorSlot, initials } from "../core/address";

/** Messages from the same sender within this span share one header. */
const GROUP_MS = 5 * 60_000;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });

/** Creates an element with classes and, optionally, text. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = "", text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function dayKey(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

function dayLabel(ts: number, now = Date.now()): string {
  const key = dayKey(ts);
  if (key === dayKey(now)) return "Today";
  if (key === dayKey(now - 86_400_000)) return "Yesterday";
  return dayFormat.format(ts);
}

function timeElement(ts: number): HTMLTimeElement {
  const time = el("time", "time", timeFormat.format(ts));
  time.dateTime = new Date(ts).toISOString();
  time.title = fullFormat.format(ts);
  return time;
}

function avatar(nick: string): HTMLElement {
  const node = el("span", `avatar c${colorSlot(nick)}`, initials(nick));
  node.setAttribute("aria-hidden", "true");
  return node;
}

/** What the list needs to know about an item to group it and keep seq order. */
interface ItemData {
  seq?: number;
  ts: number;
  nick?: string;
  own?: boolean;
}

const data = new WeakMap<Element, ItemData>();

/** A chat message. `own` marks the reader's messages. */
export function messageItem(message: MessageEvent, own: boolean): HTMLElement {
  const item = el("article", `msg${own ? " own" : ""}${message.deleted ? " deleted" : ""}`);
  item.dataset.seq = String(message.seq);
  item.dataset.id = message.id;
  item.append(avatar(message.from.nick));
  const body = el("div", "bubble");
  const meta = el("div", "meta");
  const nick = el("span", `nick c${colorSlot(message.from.nick)}`, message.from.nick);
  meta.append(nick);
  if (own) meta.append(el("span", "you", "(you)"));
  meta.append(timeElement(message.ts));
  if (message.edited && !message.deleted) meta.append(el("span", "edited", "(edited)"));
  const text = message.deleted ? el("div", "text deleted", "Message deleted") : el("div", "text", message.text);
  // A tombstone keeps nothing of what it said, nor what it answered.
  if (message.replyTo && !message.deleted) body.append(meta, replyQuote(message.replyTo), text);
  else body.append(meta, text);
  item.append(body);
  data.set(item, { seq: message.seq, ts: message.ts, nick: message.from.nick, own });
  return item;
}

const ACTED = { kick: "was removed", ban: "was banned", unban: "was unbanned", mute: "was muted" } as const;

/** A moderation event, in seq order with the messages around it. */
export function moderationItem(event: ModerationEvent): HTMLElement {
  const length = event.seconds ? ` for ${Math.round(event.seconds / 60)} min` : "";
  const reason = event.reason ? `: ${event.reason}` : "";
  const item = noticeItem(`${event.nick ?? event.member} ${ACTED[event.action]} by ${event.by.nick}${length}${reason}`, event.ts, "warn");
  data.set(item, { seq: event.seq, ts: event.ts });
  return item;
}

/** What a reply shows of the message it answers: its author and the start of its text, or that it was deleted. */
function replyQuote(ref: Pick<ReplyRef, "nick" | "snippet" | "deleted"> & { seq?: number }): HTMLElement {
  const quote = el("blockquote", "reply-to");
  if (ref.seq !== undefined) quote.dataset.seq = String(ref.seq);
  quote.append(
    el("span", "visually-hidden", "In reply to "),
    el("span", "reply-nick", ref.nick),
    el("span", "visually-hidden", ": "),
    " ",
    ref.deleted ? el("span", "reply-snippet deleted", "Message deleted") : el("span", "reply-snippet", ref.snippet),
  );
  return quote;
}

/** The message with this seq in the list (a tombstone too), or null. */
export function shownMessage(log: HTMLElement, seq: number): HTMLElement | null {
  return log.querySelector<HTMLElement>(`.msg[data-seq="${seq}"]`);
}

/** A shown message's text ("Message deleted" for a tombstone). */
export function textOf(item: Element): string {
  return item.querySelector(".text")?.textContent ?? "";
}

/** The nick on a shown message, or "someone". */
export function authorOf(log: HTMLElement, seq: number): string {
  return shownMessage(log, seq)?.querySelector(".nick")?.textContent ?? "someone";
}

/** The first `max` code points of `text`, with "…" if it had more. */
export function clip(text: string, max: number): string {
  const points = [...text];
  return points.length > max ? `${points.slice(0, max).join("")}…` : text;
}

/** Shows a shown message's new text, marked as edited; returns whether it was shown (and no tombstone). */
export function markEdited(log: HTMLElement, event: EditEvent): boolean {
  const item = shownMessage(log, event.target);
  const text = item?.querySelector(".text");
  if (!item || !text || text.classList.contains("deleted")) return false;
  text.textContent = event.text;
  if (!item.querySelector(".edited")) item.querySelector(".meta")?.append(el("span", "edited", "(edited)"));
  return true;
}

/** Turns a shown message into its tombstone, if it is in the list; returns whether it was. */
export function markDeleted(log: HTMLElement, event: DeleteEvent): boolean {
  const item = shownMessage(log, event.target);
  const text = item?.querySelector(".text");
  if (!item || !text) return false;
  // Focus on one of its actions (Delete, most likely) stays on the message, not lost to the page when they go.
  if (item.contains(document.activeElement) && item !== document.activeElement) {
    item.tabIndex = -1;
    item.focus();
  }
  text.className = "text deleted";
  text.textContent = "Message deleted";
  for (const part of item.querySelectorAll(".actions, .reactions, .picker, .reply-to, .edited")) part.remove();
  item.classList.remove("open", "editing");
  item.classList.add("deleted");
  return true;
}

/** Replies quote the start of what they answered as it stands now: an edit changes the quotes shown. */
export function requoteEdited(log: HTMLElement, event: EditEvent): void {
  for (const snippet of log.querySelectorAll(`.reply-to[data-seq="${event.target}"] .reply-snippet:not(.deleted)`)) {
    snippet.textContent = snippetOf(event.text);
  }
}

/** Replies quote what they answered; once that is deleted, the quotes shown say so instead of repeating it. */
export function unquoteDeleted(log: HTMLElement, seq: number): void {
  for (const snippet of log.querySelectorAll(`.reply-to[data-seq="${seq}"] .reply-snippet`)) {
    snippet.textContent = "Message deleted";
    snippet.classList.add("deleted");
  }
}

/** One action on a message: its visible label, its accessible name (which contains the label), what it does. */
export type MessageAction = [label: string, name: string, run: (button: HTMLButtonElement) => void];

/**
 * A message's actions (reply, react, edit, delete): a small toolbar that
 * shows on hover, on keyboard focus, or when the message is tapped.
 */
export function addActions(item: HTMLElement, actions: readonly MessageAction[]): void {
  const bar = el("div", "actions");
  for (const [label, name, run] of actions) {
    const button = el("button", `action action-${label.toLowerCase()}`, label);
    button.type = "button";
    button.setAttribute("aria-label", name);
    button.addEventListener("click", () => run(button));
    bar.append(button);
  }
  item.querySelector(".bubble")?.append(bar);
}

/** A line in the flow that is not a message: joins, leaves, connection changes. */
export function noticeItem(text: string, ts: number, tone: "info" | "warn" | "error" = "info"): HTMLElement {
  const item = el("p", `notice ${tone}`);
  item.append(el("span", "notice-text", text), " ", timeElement(ts));
  data.set(item, { ts });
  return item;
}

/** A message still waiting for the server; `reply`, what it answers. */
export function pendingItem(id: string, nick: string, text: string, ts: number, reply?: Pick<ReplyRef, "nick" | "snippet">): HTMLElement {
  const item = el("li", "msg own pending");
  item.dataset.id = id;
  const body = el("div", "bubble");
  const meta = el("div", "meta");
  meta.append(el("span", `nick c${colorSlot(nick)}`, nick), el("span", "state", "Sending…"), timeElement(ts));
  if (reply) body.append(meta, replyQuote(reply), el("div", "text", text));
  else body.append(meta, el("div", "text", text));
  item.append(body);
  return item;
}

/** A member of the list; with `act`, the moderation buttons the reader may use on it. */
export function memberItem(member: PresentMember, self: boolean, act?: (action: ModerationAction) => void): HTMLLIElement {
  const item = el("li", self ? "member self" : "member");
  item.dataset.id = member.id;
  item.append(avatar(member.nick), el("span", "member-nick", member.nick));
  if (self) item.append(el("span", "you", "(you)"));
  if (member.role !== "member") item.append(el("span", "role", member.role));
  if (act) {
    const tools = el("span", "member-tools");
    for (const action of ["kick", "mute", "ban"] as const) {
      const button = el("button", "link-button", action[0]?.toUpperCase() + action.slice(1));
      button.type = "button";
      button.setAttribute("aria-label", `${action} ${member.nick}`);
      button.dataset.action = action;
      button.addEventListener("click", () => act(action));
      tools.append(button);
    }
    item.append(tools);
  }
  return item;
}

/**
 * Puts a message into the list in seq order (a page of older or missed
 * messages can arrive after newer ones), with a day divider where the date
 * changes, grouped with its neighbours.
 */
export function insertMessage(log: HTMLElement, item: HTMLElement): void {
  const seq = data.get(item)?.seq ?? Number.MAX_SAFE_INTEGER;
  // Walk back from the end over messages with a larger seq; notices keep their place.
  let before: Element | null = null;
  for (let node = log.lastElementChild; node; node = node.previousElementSibling) {
    const other = data.get(node)?.seq;
    if (other === undefined) continue;
    if (other > seq) before = node;
    else break;
  }
  // Go in before the later message's day divider, not between the two.
  if (before?.previousElementSibling?.classList.contains("day")) before = before.previousElementSibling;
  log.insertBefore(item, before);
  settle(item);
}

/** Appends a notice at the end of the flow. */
export function appendNotice(log: HTMLElement, item: HTMLElement): void {
  log.append(item);
  settle(item);
}

function settle(item: Element): void {
  placeDay(item);
  regroup(item);
  let next = item.nextElementSibling;
  while (next?.classList.contains("day")) next = next.nextElementSibling;
  if (next) {
    placeDay(next);
    regroup(next);
  }
}

/** Exactly one "Today" / date divider before the first item of each day. */
function placeDay(item: Element): void {
  const info = data.get(item);
  if (!info) return;
  let prev = item.previousElementSibling;
  while (prev?.classList.contains("day")) {
    const divider = prev;
    prev = prev.previousElementSibling;
    divider.remove();
  }
  const prevInfo = prev ? data.get(prev) : undefined;
  const key = dayKey(info.ts);
  if (prevInfo && dayKey(prevInfo.ts) === key) return;
  const day = el("div", "day");
  day.setAttribute("role", "separator");
  day.append(el("span", "", dayLabel(info.ts)));
  item.before(day);
}

/** Marks a message that continues its sender's run (same sender, within a few minutes, nothing between). */
function regroup(node: Element): void {
  const info = data.get(node);
  if (!info || info.seq === undefined) return;
  const prev = node.previousElementSibling;
  const prevInfo = prev ? data.get(prev) : undefined;
  const continued =
    prevInfo?.seq !== undefined && prevInfo.nick === info.nick && prevInfo.own === info.own && info.ts - prevInfo.ts < GROUP_MS;
  node.classList.toggle("cont", continued);
}
