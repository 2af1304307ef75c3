/**
 * Where the reader is in each room: the "new messages" divider at their
 * marker, messages marked read as they are seen (on screen, in a visible
 * and focused window: an IntersectionObserver on the messages), and each
 * room's place (the first message on screen), kept when the reader switches
 * rooms and found again when they come back.
 */
import { connection } from "./connection";
import { log, scroller } from "./dom";
import { listedMarker, readHere, refreshRooms } from "./rooms";
import { el } from "./view";

/** Each room's place when the reader left it: the seq of the first message on screen. */
const places = new Map<string, number>();
/** The messages on screen now, by seq. */
const onScreen = new Set<number>();
const watched = new WeakSet<Element>();
/** While a first join waits for the marker to place its divider at, nothing is marked read. */
const hold = { room: null as string | null };

/** Half a message on screen counts as seen (or half the screen, for a message taller than it). */
const observer = new IntersectionObserver(
  (entries) => {
    for (const entry of entries) {
      const seq = Number((entry.target as HTMLElement).dataset.seq);
      const root = entry.rootBounds?.height ?? 0;
      const seen = entry.intersectionRatio >= 0.5 || (root > 0 && entry.intersectionRect.height >= root / 2);
      if (seen) onScreen.add(seq);
      else onScreen.delete(seq);
    }
    markSeen();
  },
  { root: scroller, threshold: [0, 0.5, 1] },
);

function messages(): HTMLElement[] {
  return [...log.querySelectorAll<HTMLElement>(".msg[data-seq]")];
}

/** Watches the messages shown that are not watched yet (call after the list changes). */
export function watchMessages(): void {
  for (const item of messages()) {
    if (watched.has(item)) continue;
    watched.add(item);
    observer.observe(item);
  }
}

/** Marks the current room read up to the newest message on screen, if the reader can see the window. */
function markSeen(): void {
  const room = connection.room;
  if (room === null || hold.room === room || document.hidden || !document.hasFocus() || onScreen.size === 0) return;
  const seq = Math.max(...onScreen);
  connection.markRead(seq);
  readHere(room, seq);
}

/** The reader leaves `room` for another: its place is kept (the first message on screen). */
export function keepPlace(room: string | null): void {
  if (room === null) return;
  const top = scroller.getBoundingClientRect().top;
  const first = messages().find((item) => item.getBoundingClientRect().bottom > top);
  if (first) places.set(room, Number(first.dataset.seq));
  onScreen.clear();
  hold.room = null;
}

/**
 * A first join of a room in this page (not a reconnect): the divider goes
 * before the first message by someone else after the marker, and the view
 * goes back to the reader's place in the room, else to the divider (else it
 * stays at the bottom, where the timeline put it).
 */
export function readingJoined(room: string, resumed: boolean): void {
  watchMessages();
  if (resumed) return;
  log.querySelector(".new-divider")?.remove();
  if (listedMarker(room) !== undefined) {
    placeDivider(room);
    return;
  }
  // Not listed yet (the page has just loaded): the list is read first, and nothing is marked read meanwhile.
  hold.room = room;
  void refreshRooms().then(() => {
    if (hold.room !== room) return;
    hold.room = null;
    if (connection.room === room) placeDivider(room);
    markSeen();
  });
}

function placeDivider(room: string): void {
  const marker = listedMarker(room);
  const firstNew =
    marker === undefined ? undefined : messages().find((item) => Number(item.dataset.seq) > marker && !item.classList.contains("own"));
  let divider: HTMLElement | null = null;
  if (firstNew) {
    divider = el("div", "new-divider", "New messages");
    divider.setAttribute("role", "separator");
    firstNew.before(divider);
  }
  const place = places.get(room);
  const back = place === undefined ? null : log.querySelector<HTMLElement>(`.msg[data-seq="${place}"]`);
  if (back) back.scrollIntoView({ block: "start" });
  else divider?.scrollIntoView({ block: "center" });
  markSeen();
}

window.addEventListener("focus", markSeen);
document.addEventListener("visibilitychange", markSeen);
