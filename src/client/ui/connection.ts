/**
 * The page's one link to the room: the page is an app of `parley/client`
 * (package.json "exports", built from the same source), with one
 * {@link ParleyClient} and the {@link ParleyRoom} it is in. Sockets,
 * reconnects, the outbox, resume and paging are the client's; what is left
 * here is the page's own: which room is current, this browser's sender key,
 * and the outbox saved for the tab. The rest of the page calls
 * {@link connection} and hears the current room through the
 * {@link ConnectionEvents} given to `connection.listen`.
 */
import {
  type CommandFrame,
  type LocalRoom,
  type MyRoom,
  newMessageId,
  type OutboxEntry,
  ParleyClient,
  type ParleyError,
  type ParleyRoom,
  parseLocalRooms,
  parseOutbox,
  type RoomJoinedEvent,
  type StateEvent,
  type StoredBatchEvent,
} from "parley/client";
import type { ErrorEvent, MembersEvent, PresenceChangesEvent, PresentMember, StoredEvent, TypingEvent } from "../../shared/events";
import type { Limits } from "../../shared/limits";
import { validateKey } from "../../shared/validate";
import { KEY_MARKERS, KEY_OUTBOX, KEY_SENDER, local, tab } from "./storage";

export type { MyRoom, OutboxEntry, ParleyError, RoomJoinedEvent, StateEvent };

/** Where a batch of stored events comes from (see StoredBatchEvent). */
export type StoredFrom = StoredBatchEvent["from"];

/** What the page hears from the current room. */
export interface ConnectionEvents {
  /** The connection state changed (the client's own vocabulary: closed, connecting, open, reconnecting). */
  state(status: StateEvent): void;
  /** A `joined` arrived (`resumed`: a reconnect, or a new nick), with the events of its history not told before. */
  joined(event: RoomJoinedEvent, history: StoredEvent[]): void;
  /** Events of the seq stream (each seq once), in seq order, and where they come from (live, a page, older ones). */
  messages(events: StoredEvent[], from: StoredFrom): void;
  /** Who came and went over one presence window, and the exact count. */
  presence(event: PresenceChangesEvent): void;
  /** A page of the member list, answering a `members` command. */
  members(event: MembersEvent): void;
  /** Someone is typing. */
  typing(event: TypingEvent): void;
  /** The unconfirmed messages of the current room changed. */
  outbox(pending: OutboxEntry[]): void;
  /** The server refused a queued message for good; it left the outbox. */
  failed(entry: OutboxEntry, error: ErrorEvent): void;
  /** An error the server sent that no `failed` tells. */
  error(error: ErrorEvent): void;
  /** The server ended the visit (kicked, banned, refused): no reconnect. Its error event, if it sent one, came first. */
  ended(error: ParleyError): void;
  /** The connection dropped while in the room; a reconnect follows. */
  dropped(): void;
}

/** The page's whole interface to the room. */
export interface Connection {
  /** The room joined (or being rejoined), or null when in none. */
  readonly room: string | null;
  /** The nick last joined with. */
  readonly nick: string;
  /** This connection's member, while the room is open. */
  readonly self: PresentMember | null;
  /** The current room's connection; `closed` when in none. */
  readonly status: StateEvent;
  /** Every seq up to this was told; undefined before the first `joined`. */
  readonly cursor: number | undefined;
  /** The limits text is checked by: the server's as last learned, else the defaults. */
  readonly limits: Limits;
  /** Gives the page's listeners (once, before anything else). */
  listen(events: ConnectionEvents): void;
  /** Joins `room` as `nick` (both already validated); the same room again resumes where it was. */
  join(room: string, nick: string, token?: string): void;
  /** Leaves the room; queued messages stay (saved) for a later visit. */
  leave(): void;
  /** Queues a message (with `replyTo`, as an answer to that seq, and the member ids it mentions); returns why nothing was queued, or null. */
  send(text: string, replyTo?: number, mentions?: string[]): string | null;
  /** Marks the current room read up to `seq` (forward only; kept in this browser for an anonymous member). */
  markRead(seq: number): void;
  /** The person's rooms: the server's list with `token`, else the rooms joined anonymously in this browser. */
  myRooms(token: string | undefined): Promise<MyRoom[]>;
  /** Takes a room off that list. */
  forgetRoom(room: string, token: string | undefined): Promise<void>;
  /** Sends a command when connected; returns whether it went out. */
  command(frame: CommandFrame): boolean;
  /** Reconnects at once if waiting to. */
  retryNow(): void;
  /** Loads up to `limit` messages older than the oldest shown; resolves whether still older ones may exist. */
  loadOlder(limit: number): Promise<boolean>;
  /** The current room's unconfirmed messages, oldest first. */
  pending(): OutboxEntry[];
  /** Why `text` cannot be a message's (new) text, or null when it can. */
  check(text: string): string | null;
  /** Adopts the limits of `GET /api/limits`, unless a `joined` brought them first. */
  loadLimits(): Promise<void>;
}

/**
 * This browser's sender key (see ParleyClientOptions.key): made once, kept in
 * localStorage, so that messages resent after a reload or a reconnect are
 * known as this browser's.
 */
function senderKey(): string {
  const kept = local.get(KEY_SENDER);
  if (kept && validateKey(kept).ok) return kept;
  const key = newMessageId((n) => crypto.getRandomValues(new Uint8Array(n)));
  local.set(KEY_SENDER, key);
  return key;
}

/** Every room's unconfirmed messages, in this tab's sessionStorage: one list, each entry naming its room. */
const outboxStore = {
  load: (room: string) => parseOutbox(tab.get(KEY_OUTBOX)).filter((entry) => entry.room === room),
  save: (room: string, entries: OutboxEntry[]) => {
    const all = [...parseOutbox(tab.get(KEY_OUTBOX)).filter((entry) => entry.room !== room), ...entries];
    tab.set(KEY_OUTBOX, all.length ? JSON.stringify(all) : null);
  },
};

/** The rooms joined anonymously, with their markers, in localStorage: kept across visits, as the nick is. */
const markers = {
  load: () => parseLocalRooms(local.get(KEY_MARKERS)),
  save: (rooms: LocalRoom[]) => local.set(KEY_MARKERS, rooms.length ? JSON.stringify(rooms) : null),
};

const client = new ParleyClient({ url: location.origin, key: senderKey(), outbox: outboxStore, markers });

/** The room the page is in (connecting, open or reconnecting), who listens, and the rooms already wired. */
const page: { current: ParleyRoom | null; events: ConnectionEvents | null; wired: WeakSet<ParleyRoom> } = {
  current: null,
  events: null,
  wired: new WeakSet(),
};

const CLOSED: StateEvent = { type: "state", room: "", state: "closed", attempt: 0 };

/** The room object for `name`, its events wired to the page once: each is told only while it is the current room. */
function roomFor(name: string): ParleyRoom {
  const room = client.room(name);
  if (page.wired.has(room)) return room;
  page.wired.add(room);
  const hear = (): ConnectionEvents | null => (room === page.current ? page.events : null);
  room.on("state", (status) => hear()?.state(status));
  // The client tells a join's new history as a `stored` batch right after `joined`, in the same turn (none
  // when nothing is new): the page takes them together, so the history is in before it scrolls.
  let greeting: RoomJoinedEvent | null = null;
  const greet = (history: StoredEvent[]) => {
    const event = greeting;
    greeting = null;
    if (event) hear()?.joined(event, history);
  };
  room.on("joined", (event) => {
    greeting = event;
    queueMicrotask(() => greet([]));
  });
  room.on("stored", (batch) => {
    if (batch.from === "joined" && greeting) greet(batch.events);
    else hear()?.messages(batch.events, batch.from);
  });
  room.on("presence_changes", (event) => hear()?.presence(event));
  room.on("members", (event) => hear()?.members(event));
  room.on("typing", (event) => hear()?.typing(event));
  room.on("outbox", (event) => hear()?.outbox(event.entries));
  room.on("failed", (event) => hear()?.failed(event.entry, event.error));
  // A refused send comes as `error` and then as `failed`, with the message: the page says it once.
  room.on("error", (error) => error.ref === undefined && hear()?.error(error));
  room.on("dropped", () => hear()?.dropped());
  room.on("ended", ({ error }) => {
    const events = hear();
    if (!events) return;
    page.current = null;
    events.ended(error);
    events.state(CLOSED);
    // Its unconfirmed messages stay saved for a later visit, but the page is in no room now.
    events.outbox([]);
  });
  return room;
}

export const connection: Connection = {
  get room() {
    return page.current?.name ?? null;
  },
  get nick() {
    return page.current?.nick ?? "";
  },
  get self() {
    return page.current?.self ?? null;
  },
  get status() {
    return page.current?.status ?? CLOSED;
  },
  get cursor() {
    return page.current?.cursor;
  },
  get limits() {
    return client.limits;
  },
  listen: (events) => {
    page.events = events;
  },
  join: (name, nick, token) => {
    // Another room: what this one has not confirmed stays queued (and saved) for a later visit. It stops
    // being current first, so nothing it says while it goes reaches the page.
    const leaving = page.current && page.current.name !== name ? page.current : null;
    page.current = roomFor(name);
    leaving?.leave({ keepQueued: true });
    // A refusal comes as `error` and `ended`.
    page.current.connect({ nick, token }).catch(() => {});
  },
  leave: () => {
    const leaving = page.current;
    page.current = null;
    leaving?.leave({ keepQueued: true });
    page.events?.state(CLOSED);
    page.events?.outbox([]);
  },
  send: (text, replyTo, mentions) => {
    const room = page.current;
    if (!room) return "not in a room";
    const options = { ...(replyTo === undefined ? {} : { replyTo }), ...(mentions?.length ? { mentions } : {}) };
    const problem = room.check(text, options);
    if (problem) return problem.message;
    // The outbox shows the message until it is stored, and a refusal comes as `failed`: the promise adds nothing.
    room.send(text, options).catch(() => {});
    return null;
  },
  command: (frame) => page.current?.command(frame) ?? false,
  markRead: (seq) => page.current?.markRead(seq),
  myRooms: (token) => client.myRooms(token),
  forgetRoom: (room, token) => client.forgetRoom(room, token),
  retryNow: () => page.current?.retryNow(),
  loadOlder: async (limit) => (await page.current?.loadOlder(limit)) ?? false,
  pending: () => page.current?.outbox ?? [],
  check: (text) => page.current?.check(text)?.message ?? null,
  loadLimits: async () => {
    await client.loadLimits();
  },
};
