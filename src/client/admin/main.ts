/**
 * The /admin page: sign in with the API key, see the active rooms (on demand
 * and every 10 s while the tab is visible), open one to see its figures and
 * lift its bans and mutes. Everything it shows is built as text (dom.ts's
 * `el`): room names, members and reasons are user text.
 */
import { AdminApi } from "./api";
import {
  actionStatus,
  detail,
  detailBody,
  detailHeading,
  keepingFocus,
  keyInput,
  refreshButton,
  signedIn,
  signInError,
  signInForm,
  signOutButton,
} from "./dom";
import { roomsFailed, showRooms } from "./rooms-view";
import { SECTIONS, type SectionContext } from "./sections";
import { forgetKey, keepKey, storedKey } from "./session";

/** How often the list (and the open room) is read again while the tab is visible. */
const REFRESH_MS = 10_000;

let api: AdminApi | null = null;
let selected: string | null = null;
let timer: ReturnType<typeof setInterval> | undefined;

function signIn(key: string): void {
  api = new AdminApi(key, () => signOut("Wrong key: the server refused it. Sign in again."));
  keepKey(key);
  signInForm.hidden = true;
  signedIn.hidden = false;
  signOutButton.hidden = false;
  signInError.hidden = true;
  timer = setInterval(() => {
    if (document.visibilityState === "visible") void refresh();
  }, REFRESH_MS);
  void refresh();
}

/** Forgets the key and everything shown with it; `why` (a refused key) is said on the sign-in form. */
function signOut(why?: string): void {
  api = null;
  selected = null;
  clearInterval(timer);
  forgetKey();
  signedIn.hidden = true;
  signOutButton.hidden = true;
  detail.hidden = true;
  detailBody.replaceChildren();
  signInForm.hidden = false;
  keyInput.value = "";
  signInError.textContent = why ?? "";
  signInError.hidden = why === undefined;
  keyInput.focus();
}

async function refresh(): Promise<void> {
  const current = api;
  if (!current) return;
  const listed = await current.rooms();
  if (current !== api) return;
  if (listed.ok) showRooms(listed.value.rooms, selected, choose);
  else roomsFailed(listed.error.message);
  if (selected !== null) await showRoom(selected);
}

function choose(room: string): void {
  selected = room;
  actionStatus.textContent = "";
  void refresh().then(() => detailHeading.focus());
}

/** Reads `room` and shows its sections (each may add itself or not); keeps the focus where it was. */
async function showRoom(room: string): Promise<void> {
  const current = api;
  if (!current) return;
  const read = await current.room(room);
  if (current !== api || room !== selected) return;
  detail.hidden = false;
  detailHeading.textContent = `Room ${room}`;
  if (!read.ok) {
    detailBody.replaceChildren();
    actionStatus.textContent = `Could not read the room: ${read.error.message}`;
    return;
  }
  const ctx: SectionContext = { api: current, room, detail: read.value, done: (message) => void done(room, message) };
  const parts = await Promise.all(SECTIONS.map((s) => s(ctx)));
  if (current !== api || room !== selected) return;
  keepingFocus(detailBody, () => detailBody.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null)), detailHeading);
}

/** After an action: says how it went, and shows the room (and the list) as they are now. */
async function done(room: string, message: string): Promise<void> {
  actionStatus.textContent = message;
  if (room === selected) await refresh();
}

signInForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const key = keyInput.value.trim();
  if (!key) {
    signInError.textContent = "Enter the API key.";
    signInError.hidden = false;
    return;
  }
  signIn(key);
});
signOutButton.addEventListener("click", () => signOut());
refreshButton.addEventListener("click", () => void refresh());
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") void refresh();
});

const kept = storedKey();
if (kept) signIn(kept);
else keyInput.focus();
