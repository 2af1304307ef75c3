/**
 * What the page remembers: in localStorage (the nick, the last room, this
 * browser's sender key, the rooms joined anonymously) and in sessionStorage
 * (this tab's outbox, invite, person token and member ids).
 */
import type { Member } from "../../shared/events";

/** One of the browser's stores, read and written safely. */
interface Store {
  get(key: string): string | null;
  /** Writes `value`, or removes the key when it is null. */
  set(key: string, value: string | null): void;
}

/** localStorage / sessionStorage can throw (private modes, disabled storage): never let that break the page. */
function store(storage: () => Storage): Store {
  return {
    get(key) {
      try {
        return storage().getItem(key);
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        if (value === null) storage().removeItem(key);
        else storage().setItem(key, value);
      } catch {
        // Not remembered this time.
      }
    },
  };
}

/** Kept across visits. */
export const local = store(() => window.localStorage);
/** Kept for this tab. */
export const tab = store(() => window.sessionStorage);

export const KEY_NICK = "parley.nick";
export const KEY_ROOM = "parley.room";
export const KEY_OUTBOX = "parley.outbox";
export const KEY_SENDER = "parley.key";
/** The rooms joined anonymously and their read markers (see connection.ts). */
export const KEY_MARKERS = "parley.rooms";
/** The token the tab last joined a room with: it names the person whose rooms the list shows. */
const KEY_PERSON = "parley.person";
const KEY_ME = "parley.me";
const KEY_INVITE = "parley.invite";

/** Keeps an invite link's room and token for this tab. */
export function keepInvite(invite: { room: string; token: string }): void {
  tab.set(KEY_INVITE, JSON.stringify(invite));
}

/** The token of the invite this tab was opened with, if it is for `room`. */
export function inviteTokenFor(room: string): string | undefined {
  try {
    const invite = JSON.parse(tab.get(KEY_INVITE) ?? "null") as { room?: unknown; token?: unknown } | null;
    return invite?.room === room && typeof invite.token === "string" ? invite.token : undefined;
  } catch {
    return undefined;
  }
}

/** Member ids this tab has had (one per connection), so its own messages stand out after a reconnect. */
const myIds = new Set<string>(readIds(tab.get(KEY_ME)));

function readIds(raw: string | null): string[] {
  try {
    const ids: unknown = JSON.parse(raw ?? "[]");
    return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}

/** Whether a member id was this tab's (this connection's or an earlier one's). */
export function isMine(id: string): boolean {
  return myIds.has(id);
}

export function rememberSelf(self: Member): void {
  myIds.add(self.id);
  tab.set(KEY_ME, JSON.stringify([...myIds].slice(-100)));
}

/** The token whose person's rooms the room list shows (the tab's last token), if any. */
export function personToken(): string | undefined {
  return tab.get(KEY_PERSON) ?? undefined;
}

export function keepPersonToken(token: string): void {
  tab.set(KEY_PERSON, token);
}
