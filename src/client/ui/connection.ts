/**
 * The page's one connection to the client core: the only module that knows
 * {@link ChatSession}. The rest of the page calls {@link connection} and hears
 * the room through the {@link ConnectionEvents} given to `connection.listen`,
 * so that moving the page to another client stack is a rewrite of this file
 * alone. Here too: the browser's socket adapter, the HTTP API calls the
 * session needs, this browser's sender key and the outbox saved for the tab.
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
import type {
  ErrorEvent,
  JoinedEvent,
  MembersEvent,
  MessageEvent,
  PresenceChangesEvent,
  PresentMember,
  StoredEvent,
  TypingEvent,
} from "../../shared/events";
import type { DeleteFrame, EditFrame, MembersFrame, ModerationFrame, ReactFrame, TypingFrame } from "../../shared/frames";
import type { Limits, PublicLimits } from "../../shared/limits";
import { validateKey } from "../../shared/validate";
import { KEY_OUTBOX, KEY_SENDER, local, tab } from "./storage";

export type { ConnState, OutboxEntry };

/** What the page may ask of the room besides sending a message: answered with events, never queued. */
export type Command = ModerationFrame | DeleteFrame | MembersFrame | EditFrame | ReactFrame | TypingFrame;

/** What the page hears from the room. */
export interface ConnectionEvents {
  /** The connection state changed. */
  state(state: ConnState): void;
  /** A `joined` arrived; `history` holds only messages not shown before. `resumed` = a reconnect. */
  joined(event: JoinedEvent, history: StoredEvent[], resumed: boolean): void;
  /** New events of the seq stream (each seq once), in seq order; a page of older ones may come after newer. */
  messages(events: StoredEvent[]): void;
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
  /** An error not tied to a queued message. */
  error(error: ErrorEvent): void;
  /** The server ended the visit (kicked, banned, refused): no reconnect. The reason came as an error. */
  ended(): void;
  /** The connection dropped while in the room; a reconnect follows. */
  dropped(): void;
}

/** The page's whole interface to the room. */
export interface Connection {
  /** The room joined (or being rejoined), or null when in none. */
  readonly room: string | null;
  /** The nick last joined with. */
  readonly nick: string;
  /** This connection's member, once `joined` arrived. */
  readonly self: PresentMember | null;
  readonly state: ConnState;
  /** Every seq up to this was received (or skipped, being pruned); undefined before the first `joined`. */
  readonly cursor: number | undefined;
  /** The limits text is checked by: the server's as last learned, else the defaults. */
  readonly limits: Limits;
  /** Gives the page's listeners (once, before anything else). */
  listen(events: ConnectionEvents): void;
  /** Joins `room` as `nick` (both already validated); the same room again resumes where it was. */
  join(room: string, nick: string, token?: string): void;
  /** Leaves the room; queued messages stay for a later visit. */
  leave(): void;
  /** Queues a message (with `replyTo`, as an answer to that seq): the entry, or why nothing was queued. */
  send(text: string, replyTo?: number): OutboxEntry | string;
  /** Sends a command when connected; returns whether it went out. */
  command(frame: Command): boolean;
  /** Reconnects at once if waiting to. */
  retryNow(): void;
  /** Loads up to `limit` messages older than the oldest shown; resolves whether still older ones may exist. */
  loadOlder(limit: number): Promise<boolean>;
  /** The current room's unconfirmed messages, oldest first. */
  pending(): OutboxEntry[];
  /** Why `text` cannot be a message's new text, or null when it can. */
  checkEdit(text: string): string | null;
  /** Adopts the limits of `GET /api/limits`, unless a `joined` brought them first; resolves whether it did. */
  loadLimits(): Promise<boolean>;
}

// ------------------------------------------------------------ the browser's side of the session

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
 * This browser's sender key (see SessionOptions.key): made once, kept in
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

// ------------------------------------------------------------ the session

/** Who listens (given by `listen`), and whether a `joined` has come (its limits outrank those of `GET /api/limits`). */
const hearing: { events: ConnectionEvents | null; joined: boolean } = { events: null, joined: false };

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
    saveOutbox: (entries) => tab.set(KEY_OUTBOX, entries.length ? JSON.stringify(entries) : null),
  },
  { wsBase, key: senderKey(), backoff: CLIENT_BACKOFF, outbox: parseOutbox(tab.get(KEY_OUTBOX)) },
  {
    state: (state) => hearing.events?.state(state),
    joined: (event, history, resumed) => {
      hearing.joined = true;
      hearing.events?.joined(event, history, resumed);
    },
    messages: (events) => hearing.events?.messages(events),
    presenceChanges: (event) => hearing.events?.presence(event),
    members: (event) => hearing.events?.members(event),
    typing: (event) => hearing.events?.typing(event),
    outbox: (pending) => hearing.events?.outbox(pending),
    failed: (entry, error) => hearing.events?.failed(entry, error),
    error: (error) => hearing.events?.error(error),
    ended: () => hearing.events?.ended(),
    dropped: () => hearing.events?.dropped(),
  },
);

export const connection: Connection = {
  get room() {
    return session.room;
  },
  get nick() {
    return session.nick;
  },
  get self() {
    return session.self;
  },
  get state() {
    return session.state;
  },
  get cursor() {
    return session.cursor;
  },
  get limits() {
    return session.limits;
  },
  listen: (events) => {
    hearing.events = events;
  },
  join: (room, nick, token) => session.join(room, nick, token),
  leave: () => session.leave(),
  send: (text, replyTo) => session.send(text, replyTo === undefined ? {} : { replyTo }),
  command: (frame) => session.command(frame),
  retryNow: () => session.retryNow(),
  loadOlder: (limit) => session.loadOlder(limit),
  pending: () => session.pending(),
  checkEdit: (text) => checkOutgoing(text, "edit", session.limits),
  loadLimits: async () => {
    const limits = await fetchLimits();
    if (!limits || hearing.joined) return false;
    session.learnLimits(limits);
    return true;
  },
};
