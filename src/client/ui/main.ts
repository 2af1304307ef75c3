/**
 * The chat page: wires the DOM in public/index.html to a {@link ChatSession}.
 * The session does the protocol, reconnects and the outbox; this file shows
 * what it reports and turns clicks and keys into calls.
 */

// The page's client is the package apps use (package.json "exports"), built from the same source.
import {
  ChatSession,
  CLIENT_BACKOFF,
  type ConnState,
  checkOutgoing,
  newMessageId,
  type OutboxEntry,
  parseOutbox,
  refusalOf,
  type SocketHandle,
  type SocketHandlers,
} from "parley/client";
import { atLeast, isPrivateRoom, mayModerate, type Role } from "../../shared/auth";
import type {
  ErrorEvent,
  JoinedEvent,
  Member,
  MembersEvent,
  MessageEvent,
  ModerationAction,
  PresenceChangesEvent,
  PresentMember,
  ReactionEvent,
  StoredEvent,
  TypingEvent,
} from "../../shared/events";
import type { PublicLimits } from "../../shared/limits";
import { validateKey, validateNick, validateRoom } from "../../shared/validate";
import { hashForRoom, inviteFromHash, roomFromHash, tokenName } from "../core/address";
import { Reactions } from "../core/reactions";
import {
  addActions,
  appendNotice,
  closePicker,
  insertMessage,
  type MessageAction,
  markDeleted,
  markEdited,
  memberItem,
  messageItem,
  moderationItem,
  noticeItem,
  pendingItem,
  shownMessage,
  showReactions,
  togglePicker,
  unquoteDeleted,
} from "./view";

// ------------------------------------------------------------ elements

function $<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing from the page`);
  return node as T;
}

const joinForm = $<HTMLFormElement>("join-form");
const roomInput = $<HTMLInputElement>("room");
const nickInput = $<HTMLInputElement>("nick");
const leaveButton = $<HTMLButtonElement>("leave");
const joinError = $<HTMLElement>("join-error");
const statusBox = $<HTMLElement>("status");
const statusText = $<HTMLElement>("status-text");
const statusDetail = $<HTMLElement>("status-detail");
const retryButton = $<HTMLButtonElement>("retry");
const roomTitle = $<HTMLElement>("room-title");
const scroller = $<HTMLElement>("scroller");
const log = $<HTMLElement>("log");
const outboxList = $<HTMLElement>("outbox");
const emptyState = $<HTMLElement>("empty");
const olderButton = $<HTMLButtonElement>("older");
const jumpButton = $<HTMLButtonElement>("jump");
const composer = $<HTMLFormElement>("composer");
const messageInput = $<HTMLTextAreaElement>("message");
const sendButton = $<HTMLButtonElement>("send");
const composerError = $<HTMLElement>("composer-error");
const composerHelp = $<HTMLElement>("composer-help");
const contextBox = $<HTMLElement>("composer-context");
const contextText = $<HTMLElement>("context-text");
const contextCancel = $<HTMLButtonElement>("context-cancel");
const typingLine = $<HTMLElement>("typing");
const announcer = $<HTMLElement>("announcer");
const membersList = $<HTMLUListElement>("members");
const memberCount = $<HTMLElement>("member-count");
const membersEmpty = $<HTMLElement>("members-empty");

// ------------------------------------------------------------ storage

/** localStorage / sessionStorage can throw (private modes, disabled storage): never let that break the page. */
function read(store: () => Storage, key: string): string | null {
  try {
    return store().getItem(key);
  } catch {
    return null;
  }
}

function write(store: () => Storage, key: string, value: string | null): void {
  try {
    if (value === null) store().removeItem(key);
    else store().setItem(key, value);
  } catch {
    // Not remembered this time.
  }
}

const local = () => window.localStorage;
const tab = () => window.sessionStorage;
const KEY_NICK = "parley.nick";
const KEY_ROOM = "parley.room";
const KEY_OUTBOX = "parley.outbox";
const KEY_SENDER = "parley.key";
const KEY_ME = "parley.me";
const KEY_INVITE = "parley.invite";

/** The token of the invite this tab was opened with, if it is for `room`. */
function inviteTokenFor(room: string): string | undefined {
  try {
    const invite = JSON.parse(read(tab, KEY_INVITE) ?? "null") as { room?: unknown; token?: unknown } | null;
    return invite?.room === room && typeof invite.token === "string" ? invite.token : undefined;
  } catch {
    return undefined;
  }
}

/** Member ids this tab has had (one per connection), so its own messages stand out after a reconnect. */
const myIds = new Set<string>(readIds(read(tab, KEY_ME)));

function readIds(raw: string | null): string[] {
  try {
    const ids: unknown = JSON.parse(raw ?? "[]");
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

function rememberSelf(self: Member): void {
  myIds.add(self.id);
  write(tab, KEY_ME, JSON.stringify([...myIds].slice(-100)));
}

// ------------------------------------------------------------ session

const wsBase = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;

function connect(url: string, protocol: string, handlers: SocketHandlers): SocketHandle {
  const ws = new WebSocket(url, protocol);
  ws.onmessage = (event) => {
    if (typeof event.data === "string") handlers.message(event.data);
  };
  ws.onclose = (event) => handlers.close(event.code, event.reason);
  // An error is always followed by close.
  return ws;
}

/** Request headers for the HTTP API, with the room's token (a private room's reads need it). */
function apiHeaders(token: string | undefined): Record<string, string> {
  return token === undefined ? { Accept: "application/json" } : { Accept: "application/json", Authorization: `Bearer ${token}` };
}

async function fetchMessages(room: string, since: number, limit: number, token?: string): Promise<MessageEvent[]> {
  const response = await fetch(`/api/rooms/${encodeURIComponent(room)}/messages?since=${since}&limit=${limit}`, {
    headers: apiHeaders(token),
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const body = (await response.json()) as { messages?: MessageEvent[] };
  return Array.isArray(body.messages) ? body.messages : [];
}

/** Longest wait for the answer of checkAdmission (the session gives up on it after its connect timeout anyway). */
const ADMISSION_TIMEOUT_MS = 5_000;

/** Whether the server refuses this page the room (see SessionDeps.checkAdmission): `GET /api/rooms/:room`, bounded. */
async function checkAdmission(room: string, token: string | undefined): Promise<ErrorEvent | null> {
  const response = await fetch(`/api/rooms/${encodeURIComponent(room)}`, {
    headers: apiHeaders(token),
    signal: AbortSignal.timeout(ADMISSION_TIMEOUT_MS),
  });
  return refusalOf(response.status, await response.json().catch(() => null));
}

/**
 * This browser's sender key (see SessionOptions.key): made once, kept in
 * localStorage, so that messages resent after a reload or a reconnect are
 * known as this browser's.
 */
function senderKey(): string {
  const kept = read(local, KEY_SENDER);
  if (kept && validateKey(kept).ok) return kept;
  const key = newMessageId((n) => crypto.getRandomValues(new Uint8Array(n)));
  write(local, KEY_SENDER, key);
  return key;
}

const session = new ChatSession(
  {
    connect,
    fetchMessages,
    checkAdmission,
    setTimer: (fn, ms) => window.setTimeout(fn, ms),
    clearTimer: (timer) => window.clearTimeout(timer as number),
    now: () => Date.now(),
    random: () => Math.random(),
    newId: () => newMessageId((n) => crypto.getRandomValues(new Uint8Array(n))),
    saveOutbox: (entries) => write(tab, KEY_OUTBOX, entries.length ? JSON.stringify(entries) : null),
  },
  { wsBase, key: senderKey(), backoff: CLIENT_BACKOFF, outbox: parseOutbox(read(tab, KEY_OUTBOX)) },
  {
    state: showState,
    joined: onJoined,
    messages: onMessages,
    presenceChanges: onPresenceChanges,
    members: onMembers,
    typing: onTyping,
    outbox: showOutbox,
    failed: onFailed,
    error: onError,
    ended: onEnded,
    dropped: () => {
      stopTyping();
      notice("Connection lost. Reconnecting…", "warn");
    },
  },
);

// ------------------------------------------------------------ limits

/** Longest wait for `GET /api/limits` before the page goes on with the defaults. */
const LIMITS_TIMEOUT_MS = 5_000;
const LIMIT_KEYS = ["maxMessageChars", "maxNickChars", "rateLimitBurst", "rateLimitPerSecond"] as const;

/** The server's limits from `GET /api/limits`, or null (unreachable, slow, or not the expected shape): the defaults stay. */
async function fetchLimits(): Promise<PublicLimits | null> {
  try {
    const response = await fetch("/api/limits", {
      headers: { Accept: "application/json" },
      signal: AbortSignal.timeout(LIMITS_TIMEOUT_MS),
    });
    if (!response.ok) return null;
    const body = (await response.json()) as Partial<Record<(typeof LIMIT_KEYS)[number], unknown>> | null;
    if (typeof body !== "object" || body === null) return null;
    const valid = LIMIT_KEYS.every((key) => {
      const value = body[key];
      return typeof value === "number" && Number.isFinite(value) && value >= 0;
    });
    return valid ? (body as PublicLimits) : null;
  } catch {
    return null;
  }
}

/**
 * Sizes the nick and message inputs by the limits the session knows (the
 * server's, once learned). `maxlength` counts UTF-16 code units while the
 * server counts code points, and an emoji is two units but one point: a
 * maxlength of the limit itself would refuse text the server accepts. So the
 * inputs get twice the limit, which never refuses anything valid and only
 * stops absurd pastes; the exact rule is the server's (it alone stores or
 * refuses), checked in code points by the shared validators before sending.
 */
function sizeInputs(): void {
  nickInput.maxLength = 2 * session.limits.MAX_NICK_CHARS;
  messageInput.maxLength = 2 * session.limits.MAX_MESSAGE_CHARS;
}

// ------------------------------------------------------------ the message list

/** Whether the list is scrolled to (nearly) the bottom, so new messages should keep it there. */
function atBottom(): boolean {
  return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
}

function scrollToBottom(): void {
  scroller.scrollTop = scroller.scrollHeight;
  jumpButton.hidden = true;
}

/** Runs a change to the list, keeping the view pinned to the bottom if it was. */
function updateList(change: () => void, announceNew = true): void {
  const pinned = atBottom();
  change();
  emptyState.hidden = log.childElementCount > 0 || outboxList.childElementCount > 0;
  if (pinned) scrollToBottom();
  else if (announceNew) jumpButton.hidden = false;
}

function notice(text: string, tone: "info" | "warn" | "error" = "info"): void {
  updateList(() => appendNotice(log, noticeItem(text, Date.now(), tone)));
}

function isOwn(message: MessageEvent): boolean {
  return myIds.has(message.from.id);
}

/** Set while earlier messages are being loaded: they go in above, with no "new messages" hint. */
let loadingOlder = false;

/**
 * Shows events of the seq stream. `live` = they happened just now (one event
 * as it arrived, not history): changes by others are then also announced.
 */
function onMessages(events: StoredEvent[], live = events.length === 1): void {
  const messages = events.filter((e): e is MessageEvent => e.type === "message");
  if (!events.length) return;
  const older = loadingOlder;
  const tell = live && !older;
  // A message's stored text is its latest as of now: every seq up to the cursor is already in it.
  const asOf = session.cursor ?? 0;
  updateList(() => {
    for (const event of events) {
      const byOther = tell && event.type !== "message" && !myIds.has(event.type === "moderation" ? event.by.id : event.from.id);
      switch (event.type) {
        case "message": {
          const item = messageItem(event, isOwn(event));
          if (!event.deleted) {
            textAsOf.set(event.seq, asOf);
            addMessageActions(item, event);
            showChips(item, event.seq);
          }
          insertMessage(log, item);
          if (event.replyTo && shownMessage(log, event.replyTo.seq)?.querySelector(".text.deleted")) unquoteDeleted(log, event.replyTo.seq);
          stopTyping(event.from.id);
          break;
        }
        case "moderation":
          insertMessage(log, moderationItem(event));
          break;
        case "delete": {
          reactions.clear(event.target);
          const author = authorOf(event.target);
          unquoteDeleted(log, event.target);
          if (markDeleted(log, event) && byOther) {
            announce(`${event.from.nick} deleted ${author === event.from.nick ? "a message" : `a message by ${author}`}`);
          }
          if (mode.kind !== "none" && mode.seq === event.target) {
            cancelMode();
            composerError.textContent = "That message was deleted.";
            composerError.hidden = false;
          }
          break;
        }
        case "edit": {
          // An edit older than the text shown (a page of older events arriving late) would only take it back.
          const shownAsOf = textAsOf.get(event.target);
          if (shownAsOf === undefined || event.seq <= shownAsOf) break;
          textAsOf.set(event.target, event.seq);
          if (markEdited(log, event) && byOther) announce(`${event.from.nick} edited a message: ${clip(event.text, 80)}`);
          break;
        }
        case "reaction":
          onReaction(event, byOther);
          break;
      }
    }
  }, !older);
  if (older) return;
  const fromOthers = messages.filter((m) => !isOwn(m)).length;
  if (document.hidden && fromOthers) {
    unread += fromOthers;
    updateTitle();
  }
}

function showOutbox(pending: OutboxEntry[]): void {
  updateList(() => {
    const online = session.state.kind === "online";
    const keep = new Set(pending.map((p) => p.id));
    for (const node of [...outboxList.children]) {
      if (!keep.has((node as HTMLElement).dataset.id ?? "")) node.remove();
    }
    for (const entry of pending) {
      let node = outboxList.querySelector<HTMLElement>(`[data-id="${CSS.escape(entry.id)}"]`);
      if (!node) {
        const answered = entry.replyTo === undefined ? null : shownMessage(log, entry.replyTo);
        const reply = answered && { nick: authorOf(entry.replyTo ?? 0), snippet: clip(textOf(answered), 100) };
        node = pendingItem(entry.id, session.nick, entry.text, entry.createdAt, reply ?? undefined);
        outboxList.append(node);
      }
      const state = node.querySelector(".state");
      if (state) state.textContent = online ? "Sending…" : "Queued: sends when reconnected";
      node.classList.toggle("queued", !online);
    }
  }, false);
}

function clearList(): void {
  reactions = new Reactions();
  textAsOf.clear();
  stopTyping();
  cancelMode();
  log.replaceChildren();
  outboxList.replaceChildren();
  olderButton.hidden = true;
  jumpButton.hidden = true;
  emptyState.hidden = false;
}

// ------------------------------------------------------------ messages that change

/** The reactions of this room's messages, from its `reaction` events (see Reactions: they are enough, after a reload too). */
let reactions = new Reactions();
/** Per shown message, the newest seq its text reflects: an edit event not newer than that is already in it. */
const textAsOf = new Map<number, number>();

function clip(text: string, max: number): string {
  const points = [...text];
  return points.length > max ? `${points.slice(0, max).join("")}…` : text;
}

function textOf(item: Element): string {
  return item.querySelector(".text")?.textContent ?? "";
}

/** The nick on a shown message, or "someone". */
function authorOf(seq: number): string {
  return shownMessage(log, seq)?.querySelector(".nick")?.textContent ?? "someone";
}

function mayTalk(): boolean {
  return atLeast(myRole(), "member");
}

function react(seq: number, emoji: string): void {
  if (!session.command({ action: "react", seq, emoji })) notice("Not connected: try again in a moment.", "warn");
}

/** Shows a message's chips as the tally has them; "mine" is what a click would take back: this connection's member. */
function showChips(item: HTMLElement, seq: number): void {
  showReactions(item, reactions.of(seq, session.self?.id), mayTalk() ? (emoji) => react(seq, emoji) : undefined);
}

function onReaction(event: ReactionEvent, byOther: boolean): void {
  if (!reactions.apply(event)) return;
  const item = shownMessage(log, event.target);
  if (!item) return;
  showChips(item, event.target);
  if (byOther && event.on) {
    const whose = item.classList.contains("own") ? "your message" : `${authorOf(event.target)}'s message`;
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
  if (own || atLeast(myRole(), "moderator")) {
    actions.push([
      "Delete",
      "Delete this message",
      () => session.command({ action: "delete", seq: message.seq }) || notice("Not connected: try again in a moment.", "warn"),
    ]);
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

// ------------------------------------------------------------ the composer: reply and edit

/** What the composer is doing besides writing a new message. */
type Mode =
  | { kind: "none" }
  | { kind: "reply"; seq: number }
  /** `draft`: what the composer held before, given back when the edit ends. */
  | { kind: "edit"; seq: number; draft: string };

let mode: Mode = { kind: "none" };

const HELP = {
  none: "Enter sends · Shift+Enter adds a line",
  reply: "Enter sends the reply · Esc cancels it",
  edit: "Enter saves · Esc cancels",
} as const;

function setMode(next: Mode): void {
  log.querySelector(".editing")?.classList.remove("editing");
  mode = next;
  composerError.hidden = true;
  contextBox.hidden = next.kind === "none";
  composerHelp.textContent = HELP[next.kind];
  sendButton.textContent = next.kind === "edit" ? "Save" : "Send";
  if (next.kind === "reply") {
    const nick = document.createElement("b");
    nick.textContent = authorOf(next.seq);
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
function cancelMode(): void {
  if (mode.kind === "edit") messageInput.value = mode.draft;
  setMode({ kind: "none" });
}

function startReply(seq: number): void {
  if (mode.kind === "edit") cancelMode();
  setMode({ kind: "reply", seq });
  messageInput.focus();
}

function startEdit(seq: number): void {
  const item = shownMessage(log, seq);
  if (!item) return;
  const draft = mode.kind === "edit" ? mode.draft : messageInput.value;
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
    checkOutgoing(text, "edit", session.limits) ??
    (session.command({ action: "edit", seq, msg: text }) ? null : "not connected. Try again in a moment");
  if (problem) composerSays(`Not saved: ${problem}.`);
  else cancelMode();
}

contextCancel.addEventListener("click", () => {
  cancelMode();
  messageInput.focus();
});

// ------------------------------------------------------------ typing

/** "Typing" goes out at most this often while the user types. */
const TYPING_EVERY_MS = 3_000;
/** Someone's "typing" shows this long after their last one. */
const TYPING_SHOWN_MS = 5_000;
let typingSentAt = 0;
const typists = new Map<string, { nick: string; timer: number }>();

function onTyping(event: TypingEvent): void {
  const { id, nick } = event.member;
  if (myIds.has(id)) return;
  const had = typists.get(id);
  if (had) window.clearTimeout(had.timer);
  typists.set(id, { nick, timer: window.setTimeout(() => stopTyping(id), TYPING_SHOWN_MS) });
  showTyping();
}

/** Someone stopped typing (they sent, left, or went quiet); without an id, everyone. */
function stopTyping(id?: string): void {
  for (const [key, typist] of typists) {
    if (id !== undefined && key !== id) continue;
    window.clearTimeout(typist.timer);
    typists.delete(key);
  }
  showTyping();
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

// ------------------------------------------------------------ announcements

/**
 * Tells screen readers what changed (edits, deletes, reactions by others) in
 * words, through one polite live region: what arrives within a second is
 * said once, at most three things and how many more.
 */
let heard: string[] = [];
let silenceTimer: number | undefined;

function announce(text: string): void {
  // The first of a burst sets the timer; what follows within the second joins it.
  if (heard.push(text) > 1) return;
  window.setTimeout(() => {
    const more = heard.length - 3;
    announcer.textContent = `${heard.slice(0, 3).join(". ")}.${more > 0 ? ` And ${more} more ${more === 1 ? "change" : "changes"}.` : ""}`;
    heard = [];
    // Emptied after a while, so that the same words next time are heard again.
    window.clearTimeout(silenceTimer);
    silenceTimer = window.setTimeout(() => {
      announcer.textContent = "";
    }, 5_000);
  }, 1_000);
}

// ------------------------------------------------------------ members

let members = new Map<string, PresentMember>();

/** The reader's role in the current room (from `joined`). */
function myRole(): Role {
  return session.self?.role ?? "member";
}
/** The nick of the last `joined`, to tell a nick change from a reconnect. */
let joinedAs = "";

function renderMembers(count?: number): void {
  const items = [...members.values()].sort((a, b) => {
    const selfA = a.id === session.self?.id ? 0 : 1;
    const selfB = b.id === session.self?.id ? 0 : 1;
    return selfA - selfB || a.nick.localeCompare(b.nick);
  });
  const role = myRole();
  membersList.replaceChildren(
    ...items.map((m) => {
      const self = m.id === session.self?.id;
      const act = !self && mayModerate(role, m.role) ? (action: ModerationAction) => moderate(action, m) : undefined;
      return memberItem(m, self, act);
    }),
  );
  membersEmpty.hidden = items.length > 0;
  const n = count ?? members.size;
  memberCount.textContent = String(n);
  memberCount.setAttribute("aria-label", `${n} ${n === 1 ? "member" : "members"} online`);
}

// ------------------------------------------------------------ session events

/** A moderator's button: the action goes to the room, which answers with a moderation event (or an error). */
function moderate(action: ModerationAction, member: PresentMember): void {
  if (!session.command({ action, member: member.id })) notice("Not connected: try again in a moment.", "warn");
}

function onJoined(event: JoinedEvent, history: StoredEvent[], resumed: boolean): void {
  // The session has adopted `event.limits`; the inputs follow.
  sizeInputs();
  rememberSelf(event.self);
  members = new Map(event.members.map((m) => [m.id, m]));
  members.set(event.self.id, event.self);
  memberTotal = event.count;
  membersAfter = undefined;
  renderMembers(event.count);
  if (!resumed) {
    notice(`You joined ${event.room} as ${event.self.nick}.`);
  } else if (event.self.nick !== joinedAs) {
    notice(`You are now ${event.self.nick}.`);
  } else {
    const missed = history.length;
    notice(missed ? `Reconnected. ${missed} new ${missed === 1 ? "message" : "messages"} while you were away.` : "Reconnected.");
  }
  joinedAs = event.self.nick;
  // A new connection is a new member: "mine" on the chips shown follows it.
  for (const item of log.querySelectorAll<HTMLElement>(".msg[data-seq] .reactions")) {
    const msg = item.closest<HTMLElement>(".msg");
    if (msg) showChips(msg, Number(msg.dataset.seq));
  }
  onMessages(history, false);
  if (!resumed) {
    const first = history[0];
    olderButton.hidden = !first || first.seq <= 1;
    scrollToBottom();
  }
}

/** Who came and went over one presence window: the list follows, the count is the room's exact one. */
function onPresenceChanges(event: PresenceChangesEvent): void {
  const self = session.self?.id;
  for (const m of event.joined) members.set(m.id, m);
  for (const m of event.left) {
    members.delete(m.id);
    if (typists.has(m.id)) stopTyping(m.id);
  }
  memberTotal = event.count;
  renderMembers(event.count);
  const names = (list: PresentMember[]) => list.filter((m) => m.id !== self).map((m) => m.nick);
  const came = names(event.joined);
  const went = names(event.left);
  if (came.length) notice(`${came.join(", ")}${event.more ? " and others" : ""} joined.`);
  if (went.length) notice(`${went.join(", ")}${event.more ? " and others" : ""} left.`);
}

/** A page of the member list, asked for as the list scrolled to its end. */
function onMembers(event: MembersEvent): void {
  for (const m of event.members) members.set(m.id, m);
  memberTotal = event.count;
  membersAfter = event.next;
  renderMembers(event.count);
}

/** The exact member count, and where the next page of the list starts (undefined: the list is complete). */
let memberTotal = 0;
let membersAfter: string | undefined;

/** The member list shows the first page; scrolling to its end asks for the next. */
function loadMoreMembers(): void {
  if (members.size >= memberTotal || session.state.kind !== "online") return;
  const after = membersAfter ?? [...members.keys()].sort().at(-1);
  session.command({ action: "members", after });
}

membersList.addEventListener("scroll", () => {
  if (membersList.scrollHeight - membersList.scrollTop - membersList.clientHeight < 64) loadMoreMembers();
});

function onFailed(entry: OutboxEntry, error: ErrorEvent): void {
  notice(`Not sent: “${entry.text.length > 60 ? `${entry.text.slice(0, 60)}…` : entry.text}” (${error.message}).`, "error");
}

function onError(error: ErrorEvent): void {
  notice(`Server: ${error.message}`, "error");
  // Told why before the room closes on us: say it where the join form is too.
  if (error.code === "kicked" || error.code === "banned" || error.code === "unauthenticated" || error.code === "forbidden") {
    showJoinError(null, error.message.charAt(0).toUpperCase() + error.message.slice(1));
  }
}

/** The room ended the visit (kicked, banned, refused): no reconnect; the reason was shown by onError. */
function onEnded(): void {
  stopTyping();
  members = new Map();
  renderMembers(0);
  showRoomTitle(null);
  updateTitle();
}

function showRoomTitle(room: string | null): void {
  roomTitle.textContent = room === null ? "No room" : isPrivateRoom(room) ? `🔒 ${room}` : room;
  if (room !== null && isPrivateRoom(room)) roomTitle.title = "Private room: members need an invite";
  else roomTitle.removeAttribute("title");
}

function showState(state: ConnState): void {
  statusBox.dataset.state = state.kind;
  retryButton.hidden = state.kind !== "waiting";
  if (countdown !== undefined) window.clearInterval(countdown);
  countdown = undefined;
  // The live region changes only when the state does; the countdown beside it is hidden from screen readers.
  statusDetail.textContent = "";
  switch (state.kind) {
    case "idle":
      statusText.textContent = "Not in a room";
      break;
    case "connecting":
      statusText.textContent = state.attempt ? "Reconnecting…" : "Connecting…";
      break;
    case "online":
      statusText.textContent = "Connected";
      break;
    case "waiting": {
      if (navigator.onLine === false) {
        statusText.textContent = "Offline: waiting for the network";
        break;
      }
      statusText.textContent = "Reconnecting…";
      const tick = () => {
        const s = Math.max(1, Math.ceil((state.retryAt - Date.now()) / 1000));
        statusDetail.textContent = `next try in ${s} s`;
      };
      tick();
      countdown = window.setInterval(tick, 1000);
      break;
    }
  }
  const inRoom = session.room !== null;
  leaveButton.disabled = !inRoom;
  messageInput.disabled = !inRoom;
  sendButton.disabled = !inRoom;
  messageInput.placeholder = inRoom ? `Message ${session.room}` : "Join a room to start chatting";
  // Pending messages say whether they are on their way or waiting.
  if (state.kind === "online" || state.kind === "waiting") showOutbox(session.pending());
}

let countdown: number | undefined;

// ------------------------------------------------------------ title and address

let unread = 0;

function updateTitle(): void {
  const room = session.room;
  const base = room ? `${room} · Parley` : "Parley · chat rooms";
  document.title = unread ? `(${unread}) ${base}` : base;
}

document.addEventListener("visibilitychange", () => {
  if (!document.hidden) {
    unread = 0;
    updateTitle();
    session.retryNow();
  }
});

// ------------------------------------------------------------ actions

function showJoinError(input: HTMLInputElement | null, message: string): void {
  for (const field of [roomInput, nickInput]) field.removeAttribute("aria-invalid");
  joinError.textContent = message;
  joinError.hidden = !message;
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

/** Joins the room in the form (or `roomName`), after checking both fields with the protocol's own rules. */
function join(roomName = roomInput.value): void {
  const room = validateRoom(roomName);
  if (!room.ok) {
    showJoinError(roomInput, `Room: ${room.error.message}.`);
    return;
  }
  // An invite's token names the member: the nick field shows its name, locked.
  const token = inviteTokenFor(room.value);
  if (token) nickInput.value = tokenName(token) ?? nickInput.value;
  nickInput.readOnly = token !== undefined;
  const nick = validateNick(nickInput.value, session.limits);
  if (!nick.ok) {
    showJoinError(nickInput, `Nick: ${nick.error.message}.`);
    return;
  }
  showJoinError(null, "");
  roomInput.value = room.value;
  nickInput.value = nick.value;
  write(local, KEY_NICK, nick.value);
  write(local, KEY_ROOM, room.value);
  if (session.room === room.value && session.nick === nick.value && session.state.kind !== "idle") {
    messageInput.focus();
    return;
  }
  if (session.room !== room.value) {
    clearList();
    members = new Map();
    renderMembers(0);
  }
  session.join(room.value, nick.value, token);
  showRoomTitle(room.value);
  if (roomFromHash(location.hash) !== room.value) history.pushState(null, "", hashForRoom(room.value));
  unread = 0;
  updateTitle();
  messageInput.focus();
}

function leave(): void {
  const room = session.room;
  if (room === null) return;
  session.leave();
  stopTyping();
  cancelMode();
  members = new Map();
  renderMembers(0);
  notice(`You left ${room}.`);
  showRoomTitle(null);
  history.replaceState(null, "", location.pathname + location.search);
  updateTitle();
  roomInput.focus();
}

function send(): void {
  const text = messageInput.value;
  if (mode.kind === "edit") {
    saveEdit(mode.seq, text);
    return;
  }
  if (!text.trim()) return;
  const result = session.send(text, mode.kind === "reply" ? { replyTo: mode.seq } : {});
  if (typeof result === "string") {
    composerSays(`Not sent: ${result}.`);
    return;
  }
  setMode({ kind: "none" });
  messageInput.value = "";
  // The next message's typing is told at once.
  typingSentAt = 0;
  scrollToBottom();
}

joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  join();
});
leaveButton.addEventListener("click", leave);
retryButton.addEventListener("click", () => session.retryNow());

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
  } else if (event.key === "Escape" && mode.kind !== "none") {
    event.preventDefault();
    cancelMode();
  } else if (event.key === "ArrowUp" && mode.kind === "none" && messageInput.value === "") {
    // Up in an empty composer edits your last message, as in most chat apps.
    const last = [...log.querySelectorAll<HTMLElement>(".msg[data-seq]")].reverse().find((m) => m.querySelector(".action-edit"));
    if (!last) return;
    event.preventDefault();
    startEdit(Number(last.dataset.seq));
  }
});

messageInput.addEventListener("input", () => {
  composerError.hidden = true;
  if (mode.kind === "edit" || !messageInput.value.trim() || !mayTalk()) return;
  const now = Date.now();
  if (now - typingSentAt >= TYPING_EVERY_MS && session.command({ action: "typing" })) typingSentAt = now;
});

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
  loadingOlder = true;
  try {
    const more = await session.loadOlder(50);
    // Keep the message that was at the top where it was.
    scroller.scrollTop += scroller.scrollHeight - height;
    olderButton.hidden = !more;
  } catch {
    notice("Could not load earlier messages.", "error");
  } finally {
    loadingOlder = false;
    olderButton.disabled = false;
  }
});

window.addEventListener("online", () => session.retryNow());
window.addEventListener("offline", () => session.state.kind === "waiting" && showState(session.state));

window.addEventListener("hashchange", () => {
  const room = roomFromHash(location.hash);
  if (room === null || room === session.room) return;
  roomInput.value = room;
  if (nickInput.value.trim()) join(room);
  else nickInput.focus();
});

// ------------------------------------------------------------ start

async function start(): Promise<void> {
  // An invite link: keep its token for this tab, and take it out of the address bar.
  const invite = inviteFromHash(location.hash);
  if (invite) {
    write(tab, KEY_INVITE, JSON.stringify(invite));
    history.replaceState(null, "", hashForRoom(invite.room));
  }
  const fromHash = roomFromHash(location.hash);
  const room = fromHash ?? read(local, KEY_ROOM) ?? "";
  const nick = read(local, KEY_NICK) ?? "";
  roomInput.value = room;
  nickInput.value = nick;
  renderMembers(0);
  showState(session.state);
  updateTitle();
  sizeInputs();
  const autoJoin = fromHash !== null && (nick !== "" || inviteTokenFor(fromHash) !== undefined);
  if (!autoJoin) (room ? nickInput : roomInput).focus();
  // The form works meanwhile, with the defaults; a joined that came first carries the limits already.
  const limits = await fetchLimits();
  if (limits && joinedAs === "") {
    session.learnLimits(limits);
    sizeInputs();
  }
  // A link to a room opens it (once the limits are known, so the remembered nick is checked by them).
  if (autoJoin && session.room === null) join(fromHash);
}

void start();
