/**
 * The room list: the rooms the reader is in (the server's list for the
 * tab's token, else the rooms joined anonymously in this browser), each with
 * its unread and mention badges; a sidebar on wide screens, a drawer on
 * phones. Arrow keys, Home and End move along it; Enter opens a room.
 *
 * Live without a stream per listed room (docs/client.md, "Your rooms"): the
 * list is read again when the window comes back (focus, visible), every
 * REFRESH_MS while visible, and soon after the current room says something
 * or the reader reads it (debounced to one read per SOON_MS).
 */
import { hashForRoom } from "../core/address";
import { connection, type MyRoom } from "./connection";
import { roomList, roomsEmpty, roomsPanel, roomsToggle, roomsTotal } from "./dom";
import { personToken } from "./storage";
import { el } from "./view";

/** How often a visible page reads the list again. */
const REFRESH_MS = 30_000;
/** After something happens in the current room, the list is read again this soon (once for a burst). */
const SOON_MS = 1_000;

/** The list as last read, the token it was read with, and the timers. */
const listed: {
  rooms: MyRoom[];
  token: string | undefined;
  soon: number | undefined;
  reading: { promise: Promise<void>; token: string | undefined } | null;
} = { rooms: [], token: undefined, soon: undefined, reading: null };

/**
 * Reads the list now. A read already under way is not doubled (its promise
 * is the answer), unless it was for another person (the tab has joined with
 * a token since): then this one follows it.
 */
export function refreshRooms(): Promise<void> {
  const token = personToken();
  const under = listed.reading;
  if (under && under.token === token) return under.promise;
  const promise = (under?.promise ?? Promise.resolve()).then(() => readRooms(token));
  const reading = { promise, token };
  listed.reading = reading;
  void promise.finally(() => {
    if (listed.reading === reading) listed.reading = null;
  });
  return promise;
}

async function readRooms(token: string | undefined): Promise<void> {
  try {
    listed.rooms = await connection.myRooms(token);
    listed.token = token;
    render();
  } catch {
    // Unreachable or refused this time: the list shown stays until the next read.
  }
}

/** Reads the list again within SOON_MS. */
export function refreshSoon(): void {
  if (listed.soon !== undefined) return;
  listed.soon = window.setTimeout(() => {
    listed.soon = undefined;
    void refreshRooms();
  }, SOON_MS);
}

/** The reader's marker in `room` as the list last said, if it lists the room (and is the tab's person's). */
export function listedMarker(room: string): number | undefined {
  if (listed.token !== personToken()) return undefined;
  return listed.rooms.find((r) => r.room === room)?.lastRead;
}

/** The token to open a listed room with: the person's, for a room on their server list. */
export function listedToken(room: string): string | undefined {
  return listed.token !== undefined && listed.rooms.some((r) => r.room === room) ? listed.token : undefined;
}

/** The reader has read `room` up to `seq` here: its badges go at once, without waiting for the next read. */
export function readHere(room: string, seq: number): void {
  const kept = listed.rooms.find((r) => r.room === room);
  if (!kept || seq <= kept.lastRead) return;
  kept.lastRead = seq;
  if (kept.access === "ok" && seq >= kept.lastSeq) Object.assign(kept, { unread: 0, mentions: 0 });
  render();
  refreshSoon();
}

/** What a room that is not counted says instead of its counts. */
const UNCOUNTED = { lost: "no longer reachable", unavailable: "not counted just now" } as const;

/**
 * A room's button: its name, then its badges. Its accessible name is its
 * text ("8888, 3 unread, 1 mention"): the words a badge's number stands for
 * are there for screen readers only, so what shows is all in what is said.
 */
function roomItem(room: MyRoom, current: boolean): HTMLLIElement {
  const item = el("li", "room-item");
  const button = el("button", `room-link${room.access === "ok" ? "" : ` ${room.access}`}`);
  button.type = "button";
  button.dataset.room = room.room;
  button.tabIndex = -1;
  if (current) button.setAttribute("aria-current", "true");
  button.append(el("span", "room-name", room.room));
  if (room.access !== "ok") button.append(hidden(`, ${UNCOUNTED[room.access]}`));
  else {
    if (room.unread) button.append(hidden(", "), badge("unread-badge", room.unread, " unread"));
    if (room.mentions) button.append(hidden(", "), badge("mention-badge", room.mentions, room.mentions === 1 ? " mention" : " mentions"));
  }
  item.append(button);
  return item;
}

function hidden(text: string): HTMLElement {
  return el("span", "visually-hidden", text);
}

function badge(className: string, n: number, words: string): HTMLElement {
  const node = el("span", `badge ${className}`, String(n));
  node.append(hidden(words));
  return node;
}

/** Draws the list anew; the focus stays on the same room. */
export function render(): void {
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.room : undefined;
  const current = connection.room;
  roomList.replaceChildren(...listed.rooms.map((room) => roomItem(room, room.room === current)));
  roomsEmpty.hidden = listed.rooms.length > 0;
  const buttons = roomButtons();
  const stop = buttons.find((b) => b.dataset.room === focused) ?? buttons.find((b) => b.dataset.room === current) ?? buttons[0];
  if (stop) stop.tabIndex = 0;
  if (focused !== undefined && stop?.dataset.room === focused) stop.focus();
  const elsewhere = listed.rooms.reduce((n, r) => n + (r.access === "ok" && r.room !== current ? r.unread : 0), 0);
  roomsTotal.textContent = elsewhere ? String(elsewhere) : "";
  roomsTotal.hidden = elsewhere === 0;
  roomsToggle.setAttribute("aria-label", elsewhere ? `Rooms, ${elsewhere} unread elsewhere` : "Rooms");
}

function roomButtons(): HTMLButtonElement[] {
  return [...roomList.querySelectorAll<HTMLButtonElement>("button.room-link")];
}

/** Moves the list's one tab stop to `button`, and the focus with it. */
function moveTo(button: HTMLButtonElement | undefined): void {
  if (!button) return;
  for (const b of roomButtons()) b.tabIndex = b === button ? 0 : -1;
  button.focus();
}

const MOVES: Record<string, (index: number, last: number) => number> = {
  ArrowDown: (i, last) => Math.min(i + 1, last),
  ArrowUp: (i) => Math.max(i - 1, 0),
  Home: () => 0,
  End: (_, last) => last,
};

roomList.addEventListener("keydown", (event) => {
  const move = MOVES[event.key];
  const buttons = roomButtons();
  const index = buttons.indexOf(event.target as HTMLButtonElement);
  if (!move || index < 0) return;
  event.preventDefault();
  moveTo(buttons[move(index, buttons.length - 1)]);
});

roomList.addEventListener("click", (event) => {
  const button = (event.target as HTMLElement).closest<HTMLButtonElement>("button.room-link");
  const room = button?.dataset.room;
  if (!button || room === undefined) return;
  moveTo(button);
  setDrawer(false);
  // Routing opens the room the address names, as it does for a link.
  if (room !== connection.room) location.hash = hashForRoom(room);
});

/** Opens or closes the drawer (phones; on wide screens the list is always shown). */
function setDrawer(open: boolean): void {
  roomsPanel.classList.toggle("open", open);
  roomsToggle.setAttribute("aria-expanded", String(open));
}

roomsToggle.addEventListener("click", () => {
  const open = !roomsPanel.classList.contains("open");
  setDrawer(open);
  if (open) moveTo(roomButtons().find((b) => b.tabIndex === 0));
});

roomsPanel.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !roomsPanel.classList.contains("open")) return;
  setDrawer(false);
  roomsToggle.focus();
});

window.addEventListener("focus", () => void refreshRooms());
document.addEventListener("visibilitychange", () => !document.hidden && void refreshRooms());
window.setInterval(() => !document.hidden && void refreshRooms(), REFRESH_MS);
