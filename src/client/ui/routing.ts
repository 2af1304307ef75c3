/**
 * Which room the page is in, and how the connection to it is doing: the join
 * form (room and nick, checked by the protocol's rules), the address's hash
 * (a link to a room, or an invite), leaving, the connection state shown
 * with its reconnect countdown, and reconnecting at once when the reader
 * asks, comes back to the tab or gets the network back.
 */
import { isPrivateRoom } from "../../shared/auth";
import { validateNick, validateRoom } from "../../shared/validate";
import { hashForRoom, inviteFromHash, roomFromHash, tokenName } from "../core/address";
import { cancelMode, stopTyping } from "./composer";
import { connection, type ParleyError, type RoomJoinedEvent, type StateEvent } from "./connection";
import {
  joinForm,
  leaveButton,
  messageInput,
  nickInput,
  retryButton,
  roomInput,
  roomTitle,
  sendButton,
  statusBox,
  statusDetail,
  statusText,
} from "./dom";
import { clearMembers } from "./members";
import { clearUnread, notice, showJoinError, updateTitle } from "./notices";
import { keepPlace } from "./reading";
import { listedToken, render as renderRooms } from "./rooms";
import { inviteTokenFor, KEY_NICK, KEY_ROOM, keepInvite, keepPersonToken, local } from "./storage";
import { clearList, showOutbox } from "./timeline";

/** The nick of the last `joined` ("" before the first), to tell a nick change from a reconnect; the reconnect countdown's timer. */
const visit: { joinedAs: string; countdown: number | undefined } = { joinedAs: "", countdown: undefined };

/**
 * Sizes the nick and message inputs by the limits the connection knows (the
 * server's, once learned). `maxlength` counts UTF-16 code units while the
 * server counts code points, and an emoji is two units but one point: a
 * maxlength of the limit itself would refuse text the server accepts. So the
 * inputs get twice the limit, which never refuses anything valid and only
 * stops absurd pastes; the exact rule is the server's (it alone stores or
 * refuses), checked in code points by the shared validators before sending.
 */
export function sizeInputs(): void {
  nickInput.maxLength = 2 * connection.limits.MAX_NICK_CHARS;
  messageInput.maxLength = 2 * connection.limits.MAX_MESSAGE_CHARS;
}

function showRoomTitle(room: string | null): void {
  roomTitle.textContent = room === null ? "No room" : isPrivateRoom(room) ? `🔒 ${room}` : room;
  if (room !== null && isPrivateRoom(room)) roomTitle.title = "Private room: members need an invite";
  else roomTitle.removeAttribute("title");
}

/**
 * The status line is a live region (role=status): its words change only
 * when they differ, so a reconnect that tries again and again is said once,
 * and the countdown beside it (aria-hidden) is never read.
 */
function sayStatus(words: string): void {
  if (statusText.textContent !== words) statusText.textContent = words;
}

/** Says how the connection is doing, and lets the composer work only in a room. */
export function showState(status: StateEvent): void {
  // The client's own words: closed, connecting, open, reconnecting (the CSS styles each).
  statusBox.dataset.state = status.state;
  const { retryAt } = status;
  retryButton.hidden = retryAt === undefined;
  if (visit.countdown !== undefined) window.clearInterval(visit.countdown);
  visit.countdown = undefined;
  statusDetail.textContent = "";
  if (status.state === "closed") sayStatus("Not in a room");
  else if (status.state === "open") sayStatus("Connected");
  else if (retryAt === undefined) sayStatus(status.attempt ? "Reconnecting…" : "Connecting…");
  else if (navigator.onLine === false) sayStatus("Offline: waiting for the network");
  else {
    sayStatus("Reconnecting…");
    const tick = () => {
      const s = Math.max(1, Math.ceil((retryAt - Date.now()) / 1000));
      statusDetail.textContent = `next try in ${s} s`;
    };
    tick();
    visit.countdown = window.setInterval(tick, 1000);
  }
  const inRoom = connection.room !== null;
  leaveButton.disabled = !inRoom;
  messageInput.disabled = !inRoom;
  sendButton.disabled = !inRoom;
  messageInput.placeholder = inRoom ? `Message ${connection.room}` : "Join a room to start chatting";
  // Pending messages say whether they are on their way or waiting.
  if (status.state === "open" || retryAt !== undefined) showOutbox(connection.pending());
}

/** Says in the flow what a `joined` means: a first join, a new nick, or a reconnect (and what was missed meanwhile). */
export function joinedNotice(event: RoomJoinedEvent): void {
  if (!event.resumed) {
    notice(`You joined ${event.room} as ${event.self.nick}.`);
  } else if (event.self.nick !== visit.joinedAs) {
    notice(`You are now ${event.self.nick}.`);
  } else {
    const missed = event.unseen;
    notice(missed ? `Reconnected. ${missed} new ${missed === 1 ? "message" : "messages"} while you were away.` : "Reconnected.");
  }
  visit.joinedAs = event.self.nick;
}

/** The room ended the visit (kicked, banned, refused): no reconnect. */
export function onEnded(error: ParleyError): void {
  // An end the server gave no error event for (a close of its own) is said here; the others were, as they came.
  if (error.event === undefined) showJoinError(null, `${error.message.charAt(0).toUpperCase()}${error.message.slice(1)}.`);
  stopTyping();
  clearMembers();
  showRoomTitle(null);
  updateTitle();
}

/** Joins the room in the form (or `roomName`), after checking both fields with the protocol's own rules. */
function join(roomName = roomInput.value): void {
  const room = validateRoom(roomName);
  if (!room.ok) {
    showJoinError(roomInput, `Room: ${room.error.message}.`);
    return;
  }
  // An invite's token names the member: the nick field shows its name, locked. A room on the person's list opens with their token.
  const token = inviteTokenFor(room.value) ?? listedToken(room.value);
  if (token) nickInput.value = tokenName(token) ?? nickInput.value;
  nickInput.readOnly = token !== undefined;
  const nick = validateNick(nickInput.value, connection.limits);
  if (!nick.ok) {
    showJoinError(nickInput, `Nick: ${nick.error.message}.`);
    return;
  }
  showJoinError(null, "");
  roomInput.value = room.value;
  nickInput.value = nick.value;
  local.set(KEY_NICK, nick.value);
  local.set(KEY_ROOM, room.value);
  if (connection.room === room.value && connection.nick === nick.value && connection.status.state !== "closed") {
    messageInput.focus();
    return;
  }
  if (connection.room !== room.value) {
    keepPlace(connection.room);
    clearList();
    clearMembers();
  }
  if (token) keepPersonToken(token);
  connection.join(room.value, nick.value, token);
  renderRooms();
  showRoomTitle(room.value);
  if (roomFromHash(location.hash) !== room.value) history.pushState(null, "", hashForRoom(room.value));
  clearUnread();
  messageInput.focus();
}

function leave(): void {
  const room = connection.room;
  if (room === null) return;
  connection.leave();
  stopTyping();
  cancelMode();
  clearMembers();
  notice(`You left ${room}.`);
  showRoomTitle(null);
  history.replaceState(null, "", location.pathname + location.search);
  updateTitle();
  roomInput.focus();
}

joinForm.addEventListener("submit", (event) => {
  event.preventDefault();
  join();
});
leaveButton.addEventListener("click", leave);
retryButton.addEventListener("click", () => connection.retryNow());

document.addEventListener("visibilitychange", () => {
  if (!document.hidden) {
    clearUnread();
    connection.retryNow();
  }
});
// Back online, the client retries by itself (its watchNetwork); offline, the status says so.
window.addEventListener("offline", () => connection.status.retryAt !== undefined && showState(connection.status));

window.addEventListener("hashchange", () => {
  const room = roomFromHash(location.hash);
  if (room === null || room === connection.room) return;
  roomInput.value = room;
  if (nickInput.value.trim()) join(room);
  else nickInput.focus();
});

/** Fills the form from the address and what was remembered, then opens the room a link names. */
export async function start(): Promise<void> {
  // An invite link: keep its token for this tab, and take it out of the address bar.
  const invite = inviteFromHash(location.hash);
  if (invite) {
    keepInvite(invite);
    history.replaceState(null, "", hashForRoom(invite.room));
  }
  const fromHash = roomFromHash(location.hash);
  const room = fromHash ?? local.get(KEY_ROOM) ?? "";
  const nick = local.get(KEY_NICK) ?? "";
  roomInput.value = room;
  nickInput.value = nick;
  clearMembers();
  showState(connection.status);
  updateTitle();
  sizeInputs();
  const autoJoin = fromHash !== null && (nick !== "" || inviteTokenFor(fromHash) !== undefined);
  if (!autoJoin) (room ? nickInput : roomInput).focus();
  // The form works meanwhile, with the defaults; a joined that came first carries the limits already.
  await connection.loadLimits();
  sizeInputs();
  // A link to a room opens it (once the limits are known, so the remembered nick is checked by them).
  if (autoJoin && connection.room === null) join(fromHash);
}
