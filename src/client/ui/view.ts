/**
 * Building the message list. Every piece of user text (nicks, messages,
 * room names) goes in with `textContent`, never as HTML.
 */
import type { DeleteEvent, EditEvent, MessageEvent, ModerationAction, ModerationEvent, PresentMember } from "../../shared/events";
import { colorSlot, initials } from "../core/address";

/** Messages from the same sender within this span share one header. */
const GROUP_MS = 5 * 60_000;

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "medium" });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", month: "long", day: "numeric" });

/** Creates an element with classes and, optionally, text. */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = "", text?: string): HTMLElementTagNameMap[K] {
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
  const item = el("article", own ? "msg own" : "msg");
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
  if (message.replyTo) {
    const quote = el("blockquote", "reply-to");
    quote.append(el("span", "reply-nick", message.replyTo.nick), " ", el("span", "reply-snippet", message.replyTo.snippet));
    body.append(meta, quote, text);
  } else body.append(meta, text);
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

/** Shows a shown message's new text, marked as edited. */
export function markEdited(log: HTMLElement, event: EditEvent): void {
  const item = log.querySelector<HTMLElement>(`[data-seq="${event.target}"]`);
  const text = item?.querySelector(".text");
  if (!text || text.classList.contains("deleted")) return;
  text.textContent = event.text;
  if (!item?.querySelector(".edited")) item?.querySelector(".meta")?.append(el("span", "edited", "(edited)"));
}

/** Turns a shown message into its tombstone, if it is in the list; returns whether it was. */
export function markDeleted(log: HTMLElement, event: DeleteEvent): boolean {
  const item = log.querySelector<HTMLElement>(`[data-seq="${event.target}"]`);
  const text = item?.querySelector(".text");
  if (!text) return false;
  text.className = "text deleted";
  text.textContent = "Message deleted";
  item?.querySelector(".delete")?.remove();
  return true;
}

/** A line in the flow that is not a message: joins, leaves, connection changes. */
export function noticeItem(text: string, ts: number, tone: "info" | "warn" | "error" = "info"): HTMLElement {
  const item = el("p", `notice ${tone}`);
  item.append(el("span", "notice-text", text), " ", timeElement(ts));
  data.set(item, { ts });
  return item;
}

/** A message still waiting for the server. */
export function pendingItem(id: string, nick: string, text: string, ts: number): HTMLElement {
  const item = el("li", "msg own pending");
  item.dataset.id = id;
  const body = el("div", "bubble");
  const meta = el("div", "meta");
  meta.append(el("span", `nick c${colorSlot(nick)}`, nick), el("span", "state", "Sending…"), timeElement(ts));
  body.append(meta, el("div", "text", text));
  item.append(body);
  return item;
}

/** A member of the list, one `listitem` each. */
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
      button.addEventListener("click", () => act(action));
      tools.append(button);
    }
    item.append(tools);
  }
  return item;
}

/** Adds a delete button to a shown message. */
export function addDeleteButton(item: HTMLElement, onDelete: () => void): void {
  const meta = item.querySelector(".meta");
  if (!meta || meta.querySelector(".delete")) return;
  const button = el("button", "link-button delete", "Delete");
  button.type = "button";
  button.setAttribute("aria-label", "Delete this message");
  button.addEventListener("click", onDelete);
  meta.append(button);
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
