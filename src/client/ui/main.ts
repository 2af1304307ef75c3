/**
 * The chat page: wires the DOM in public/index.html to a {@link ChatSession}.
 * The session does the protocol, reconnects and the outbox; this file shows
 * what it reports and turns clicks and keys into calls.
 */

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
  StoredEvent,
} from "../../shared/events";
import type { PublicLimits } from "../../shared/limits";
import { validateKey, validateNick, validateRoom } from "../../shared/validate";
import { hashForRoom, inviteFromHash, newMessageId, roomFromHash, tokenName } from "../core/address";
import { type OutboxEntry, parseOutbox } from "../core/outbox";
import { ChatSession, type ConnState, refusalOf, type SocketHandle, type SocketHandlers } from "../core/session";
import {
  addDeleteButton,
  appendNotice,
  insertMessage,
  markDeleted,
  markEdited,
  memberItem,
  messageItem,
  moderationItem,
  noticeItem,
  pendingItem,
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
  { wsBase, key: senderKey(), outbox: parseOutbox(read(tab, KEY_OUTBOX)) },
  {
    state: showState,
    joined: onJoined,
    messages: onMessages,
    presenceChanges: onPresenceChanges,
    members: onMembers,
    outbox: showOutbox,
    failed: onFailed,
    error: onError,
    ended: onEnded,
    dropped: () => notice("Connection lost. Reconnecting…", "warn"),
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

function onMessages(events: StoredEvent[]): void {
  const messages = events.filter((e): e is MessageEvent => e.type === "message");
  if (!events.length) return;
  const older = loadingOlder;
  updateList(() => {
    for (const event of events) {
      if (event.type === "message") {
        const item = messageItem(event, isOwn(event));
        if (!event.deleted && (isOwn(event) || atLeast(myRole(), "moderator"))) {
          addDeleteButton(item, () => session.command({ action: "delete", seq: event.seq }));
        }
        insertMessage(log, item);
      } else if (event.type === "moderation") insertMessage(log, moderationItem(event));
      else if (event.type === "delete") markDeleted(log, event);
      else if (event.type === "edit") markEdited(log, event);
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
        node = pendingItem(entry.id, session.nick, entry.text, entry.createdAt);
        outboxList.append(node);
      }
      const state = node.querySelector(".state");
      if (state) state.textContent = online ? "Sending…" : "Queued: sends when reconnected";
      node.classList.toggle("queued", !online);
    }
  }, false);
}

function clearList(): void {
  log.replaceChildren();
  outboxList.replaceChildren();
  olderButton.hidden = true;
  jumpButton.hidden = true;
  emptyState.hidden = false;
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
  onMessages(history);
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
  for (const m of event.left) members.delete(m.id);
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
  if (!text.trim()) return;
  const result = session.send(text);
  if (typeof result === "string") {
    composerError.textContent = `Not sent: ${result}.`;
    composerError.hidden = false;
    return;
  }
  composerError.hidden = true;
  messageInput.value = "";
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
  // Enter sends; Shift+Enter is a new line; Enter that confirms an IME composition is not a send.
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
    event.preventDefault();
    send();
  }
});

messageInput.addEventListener("input", () => {
  composerError.hidden = true;
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
