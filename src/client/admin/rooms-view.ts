/** The table of active rooms: one row a room, its name a button that opens its detail. */
import type { ActiveRoom } from "./api";
import { el, keepingFocus, roomsBody, roomsEmpty, roomsStatus, when } from "./dom";

/** Fills the table with `rooms`; `selected` is marked, and `choose` is called with the room a button names. */
export function showRooms(rooms: ActiveRoom[], selected: string | null, choose: (room: string) => void): void {
  keepingFocus(roomsBody, () => {
    roomsBody.replaceChildren(...rooms.map((r) => row(r, r.room === selected, choose)));
  });
  roomsEmpty.hidden = rooms.length > 0;
  roomsStatus.textContent = `${rooms.length} active ${rooms.length === 1 ? "room" : "rooms"}, as of ${when(Date.now())}`;
}

/** Says why the list could not be read (the table keeps what it last showed). */
export function roomsFailed(message: string): void {
  roomsStatus.textContent = `Could not read the rooms: ${message}`;
}

function row(r: ActiveRoom, isSelected: boolean, choose: (room: string) => void): HTMLTableRowElement {
  const open = el("button", { type: "button", class: "link-button", "data-key": `room:${r.room}` }, r.room);
  if (isSelected) open.setAttribute("aria-current", "true");
  open.addEventListener("click", () => choose(r.room));
  const tr = el(
    "tr",
    isSelected ? { class: "selected" } : {},
    el("th", { scope: "row" }, open),
    el("td", { class: "num" }, r.members),
    el("td", { class: "num" }, r.lastSeq),
    el("td", { class: "num" }, r.messagesPerMinute),
    el("td", {}, when(r.lastActivity)),
  );
  return tr;
}
