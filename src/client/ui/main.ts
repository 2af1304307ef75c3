/**
 * The chat page: public/index.html, wired to the room. Each concern is a
 * module of its own: connection.ts (the page's only link to the client
 * core), timeline.ts (the messages), composer.ts (writing, replying, editing,
 * typing), members.ts (the member list), moderation.ts (roles and the
 * moderator's controls), routing.ts (the room, the address and the connection
 * state shown), rooms.ts (the room list), reading.ts (markers, the divider,
 * each room's place), mentions.ts (the `@` autocomplete), notices.ts (what the page tells the reader), view.ts (the
 * elements they build), dom.ts and storage.ts. This file hands each of them
 * what the room says, in the order the page shows it.
 */
import { onTyping, stopTyping } from "./composer";
import { connection } from "./connection";
import { membersJoined, onMembers, onPresenceChanges } from "./members";
import { onError } from "./moderation";
import { notice } from "./notices";
import { readingJoined, watchMessages } from "./reading";
import { refreshRooms, refreshSoon, render as renderRooms } from "./rooms";
import { joinedNotice, onEnded, showState, sizeInputs, start } from "./routing";
import { rememberSelf } from "./storage";
import { onFailed, onMessages, showOutbox, timelineJoined } from "./timeline";

connection.listen({
  state: showState,
  joined: (event, history) => {
    // The connection has adopted `event.limits`; the inputs follow.
    sizeInputs();
    rememberSelf(event.self);
    membersJoined(event);
    joinedNotice(event);
    timelineJoined(history, event.resumed);
    readingJoined(event.room, event.resumed);
    renderRooms();
  },
  messages: (events, from) => {
    onMessages(events, from);
    watchMessages();
    // The current room said something: the list (its counts, and the other rooms') is read again soon.
    if (from === "live") refreshSoon();
  },
  presence: onPresenceChanges,
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
});

void start();
void refreshRooms();
