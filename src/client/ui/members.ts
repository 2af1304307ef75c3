/**
 * The member list: who is in the room (the reader first, then by nick), the
 * exact count, and the next page of members as the list scrolls to its end.
 */
import type { JoinedEvent, MembersEvent, PresenceChangesEvent, PresentMember } from "../../shared/events";
import { isTyping, stopTyping } from "./composer";
import { connection } from "./connection";
import { memberCount, membersEmpty, membersHeading, membersList } from "./dom";
import { controlsFor } from "./moderation";
import { noticeAloud } from "./notices";
import { memberItem } from "./view";

/**
 * The members known (the first page, then those that came and the pages
 * scrolled to), the room's exact count, and where the next page starts
 * (undefined: after the last one known).
 */
const list: { members: Map<string, PresentMember>; total: number; after: string | undefined } = {
  members: new Map(),
  total: 0,
  after: undefined,
};

/** The members the page knows (for the composer's `@` autocomplete). */
export function knownMembers(): PresentMember[] {
  return [...list.members.values()];
}

function renderMembers(count?: number): void {
  const self = connection.self?.id;
  const items = [...list.members.values()].sort((a, b) => {
    const selfA = a.id === self ? 0 : 1;
    const selfB = b.id === self ? 0 : 1;
    return selfA - selfB || a.nick.localeCompare(b.nick);
  });
  const focused = focusedTool();
  membersList.replaceChildren(...items.map((m) => memberItem(m, m.id === self, controlsFor(m))));
  if (focused) refocus(focused);
  membersEmpty.hidden = items.length > 0;
  const n = count ?? list.members.size;
  memberCount.textContent = String(n);
  memberCount.setAttribute("aria-label", `${n} ${n === 1 ? "member" : "members"} online`);
}

/** The moderation button that has the focus: its member, that member's place in the list, and its action. */
interface FocusedTool {
  id: string;
  index: number;
  action: string;
}

function focusedTool(): FocusedTool | null {
  const active = document.activeElement;
  const item = active instanceof HTMLElement && membersList.contains(active) ? active.closest<HTMLElement>(".member") : null;
  if (!item || !(active instanceof HTMLElement)) return null;
  return { id: item.dataset.id ?? "", index: [...membersList.children].indexOf(item), action: active.dataset.action ?? "" };
}

/**
 * The list is drawn anew on every change: the focus goes back to the same
 * button, or (its member gone: kicked, banned, left) to the same button of
 * the member now in that place, or else to the list's heading; never lost to
 * the page.
 */
function refocus({ id, index, action }: FocusedTool): void {
  const items = [...membersList.querySelectorAll<HTMLElement>(".member")];
  const item = items.find((m) => m.dataset.id === id) ?? items[Math.min(index, items.length - 1)];
  const button = item?.querySelector<HTMLElement>(`[data-action="${action}"]`) ?? item?.querySelector<HTMLElement>("button");
  (button ?? membersHeading).focus();
}

/** Empties the list: out of the room, or into another. */
export function clearMembers(): void {
  list.members = new Map();
  renderMembers(0);
}

/** The members a `joined` names, the reader among them. */
export function membersJoined(event: JoinedEvent): void {
  list.members = new Map(event.members.map((m) => [m.id, m]));
  list.members.set(event.self.id, event.self);
  list.total = event.count;
  list.after = undefined;
  renderMembers(event.count);
}

/** Who came and went over one presence window: the list follows, the count is the room's exact one. */
export function onPresenceChanges(event: PresenceChangesEvent): void {
  const self = connection.self?.id;
  for (const m of event.joined) list.members.set(m.id, m);
  for (const m of event.left) {
    list.members.delete(m.id);
    if (isTyping(m.id)) stopTyping(m.id);
  }
  list.total = event.count;
  renderMembers(event.count);
  const names = (members: PresentMember[]) => members.filter((m) => m.id !== self).map((m) => m.nick);
  const came = names(event.joined);
  const went = names(event.left);
  if (came.length) noticeAloud(`${came.join(", ")}${event.more ? " and others" : ""} joined.`);
  if (went.length) noticeAloud(`${went.join(", ")}${event.more ? " and others" : ""} left.`);
}

/** A page of the member list, asked for as the list scrolled to its end. */
export function onMembers(event: MembersEvent): void {
  for (const m of event.members) list.members.set(m.id, m);
  list.total = event.count;
  list.after = event.next;
  renderMembers(event.count);
}

/** The member list shows the first page; scrolling to its end asks for the next. */
function loadMoreMembers(): void {
  if (list.members.size >= list.total || connection.status.state !== "open") return;
  const after = list.after ?? [...list.members.keys()].sort().at(-1);
  connection.command({ action: "members", after });
}

membersList.addEventListener("scroll", () => {
  if (membersList.scrollHeight - membersList.scrollTop - membersList.clientHeight < 64) loadMoreMembers();
});
