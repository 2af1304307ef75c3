/**
 * Parley's client (the package entry `parley/client`, see docs/client.md):
 * one {@link ParleyClient} per app or user, and one {@link ParleyRoom}
 * (room.ts) per room it is in, each with its own socket. The chat page is
 * built on it too.
 *
 * The client holds what its rooms share: the server's address, the sender
 * key, the server's limits, one reconnect schedule (so a deploy that drops
 * every socket does not bring them back as one wave) and one online/offline
 * state. No DOM: only WebSocket, fetch, setTimeout and crypto.getRandomValues.
 */

import { DEFAULT_LIMITS, type Limits, limitsFromPublic } from "../../shared/limits";
import type { MyRoom } from "../../shared/my-rooms";
import { validateKey, validateRoom } from "../../shared/validate";
import { newMessageId } from "./address";
import type { SocketLike } from "./connection";
import { type Listener, Listeners } from "./emitter";
import { fetchLimits } from "./http";
import { countLocal, deleteMyRoom, fetchMyRooms, forgetLocal, type MarkerStore, memoryMarkers } from "./my-rooms";
import { ParleyRoom, type RoomHost } from "./room";
import { ReconnectSchedule } from "./schedule";
import {
  CLIENT_BACKOFF,
  type ClientEventMap,
  type FetchFunction,
  type ParleyClientOptions,
  ParleyError,
  type RoomOptions,
  type WebSocketConstructor,
} from "./types";

const DEFAULT_SPACING_MS = 100;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

function randomBytes(n: number): Uint8Array {
  return (globalThis as unknown as { crypto: { getRandomValues(bytes: Uint8Array): Uint8Array } }).crypto.getRandomValues(
    new Uint8Array(n),
  );
}

/**
 * A client of one Parley server: it makes the room objects, and they share
 * its sender key, limits, reconnect schedule and online/offline state.
 *
 *   const client = new ParleyClient({ url: "https://chat.example.com", nick: "batman" });
 *   const room = client.room("8888");
 *   room.on("message", (m) => console.log(`${m.from.nick}: ${m.text}`));
 *   await room.connect();
 *   await room.send("hello");
 */
export class ParleyClient {
  /** `http(s)://host` of the server. */
  readonly url: string;
  private readonly host: RoomHost;
  private readonly rooms = new Map<string, ParleyRoom>();
  private readonly listeners = new Listeners<ClientEventMap>();
  private readonly schedule: ReconnectSchedule;
  private offline = false;
  private learned: Limits = DEFAULT_LIMITS;
  /** Bumped by every `joined`: limits from `loadLimits()` do not overwrite those of a `joined` that came first. */
  private joins = 0;
  private readonly onNetwork = () => this.reconnectNow();
  private readonly fetchImpl: FetchFunction;
  private readonly markers: MarkerStore;

  constructor(private readonly options: ParleyClientOptions) {
    const match = /^(https?|wss?):\/\/([^/?#\s]+)/i.exec(options.url.trim());
    if (!match) throw new TypeError(`url must start with http://, https://, ws:// or wss:// and a host: ${options.url}`);
    const secure = /^(https|wss)$/i.test(match[1] ?? "");
    this.url = `${secure ? "https" : "http"}://${match[2]}`;
    const key = options.key ?? newMessageId(randomBytes);
    const checked = validateKey(key);
    if (!checked.ok) throw new TypeError(`key: ${checked.error.message}`);
    const platform = globalThis as { WebSocket?: unknown; fetch?: unknown };
    const WebSocketImpl = options.WebSocket ?? (platform.WebSocket as WebSocketConstructor | undefined);
    if (typeof WebSocketImpl !== "function") {
      throw new TypeError("no WebSocket here: use Node 22 or newer (or a browser), or pass options.WebSocket (say, from the ws package)");
    }
    // Called on the global object: a browser refuses `fetch` called on anything else ("Illegal invocation").
    this.fetchImpl = options.fetch ?? ((url, init) => (platform.fetch as FetchFunction).call(globalThis, url, init));
    this.schedule = new ReconnectSchedule(
      options.backoff ?? CLIENT_BACKOFF,
      options.reconnectSpacingMs ?? DEFAULT_SPACING_MS,
      () => Date.now(),
      () => Math.random(),
    );
    this.markers = options.markers ?? memoryMarkers();
    this.host = this.makeHost(key, `${secure ? "wss" : "ws"}://${match[2]}`, WebSocketImpl);
    this.watchNetwork();
  }

  /**
   * The room `name` (trimmed, NFC, as the server names it): one object per
   * room, made on the first call, whose options count. Throws a
   * {@link ParleyError} `invalid_room` for a name the server would refuse.
   */
  room(name: string, options: RoomOptions = {}): ParleyRoom {
    const valid = validateRoom(name);
    if (!valid.ok) throw ParleyError.from(valid.error);
    let room = this.rooms.get(valid.value);
    if (!room) {
      room = new ParleyRoom(this.host, valid.value, options);
      this.rooms.set(valid.value, room);
    }
    return room;
  }

  /** The server's limits as last learned (a `joined`, or `loadLimits()`); the defaults before. */
  get limits(): Limits {
    return this.learned;
  }

  /**
   * Asks the server for its limits (`GET /api/limits`), so that nicks and
   * texts are checked by them before any room is joined. Resolves to the
   * limits the client goes by: the server's, or (unreachable, or a `joined`
   * came first with them) the ones it had.
   */
  async loadLimits(): Promise<Limits> {
    const joins = this.joins;
    const limits = await fetchLimits((path, token) => this.request(path, token));
    if (limits && joins === this.joins) this.learned = limitsFromPublic(limits);
    return this.learned;
  }

  /**
   * The rooms this person is in, most recently active first, each with its
   * marker, `unread` and `mentions` (docs/client.md, "Your rooms"). With a
   * token (`token`, else the client's): the server's list, shared by every
   * device of the token's person (`GET /api/me/rooms`). Without one: the
   * rooms this client joined anonymously, from its `markers` store, each
   * counted from one page of its history (at most 100 after the marker).
   * Rejects if the server's list could not be read.
   */
  myRooms(token: string | undefined = this.options.token): Promise<MyRoom[]> {
    const request = (path: string, t: string | undefined, method?: "GET" | "DELETE") => this.request(path, t, method);
    if (token !== undefined) return fetchMyRooms(request, token);
    return countLocal(request, this.markers.load());
  }

  /** Takes `room` off this person's list (the server's with a token, else the local one), its marker with it. */
  async forgetRoom(room: string, token: string | undefined = this.options.token): Promise<void> {
    if (token !== undefined) await deleteMyRoom((path, t, method) => this.request(path, t, method), token, room);
    else forgetLocal(this.markers, room);
  }

  /** False while every room the client is in has lost its connection; see the `online` and `offline` events. */
  get online(): boolean {
    return !this.offline;
  }

  /** Rooms waiting to reconnect try now, one after another (the network is back, the app knows it). */
  reconnectNow(): void {
    for (const room of this.rooms.values()) {
      if (room.state === "reconnecting") setTimeout(() => room.retryNow(), this.schedule.slot(0));
    }
  }

  /** Leaves every room, and stops watching the network. */
  close(): void {
    for (const room of this.rooms.values()) room.leave();
    const events = globalThis as { removeEventListener?: (type: string, listener: () => void) => void };
    try {
      if (typeof events.removeEventListener === "function") events.removeEventListener("online", this.onNetwork);
    } catch {
      // Never added.
    }
  }

  on<K extends keyof ClientEventMap>(type: K, listener: Listener<ClientEventMap[K]>): () => void {
    return this.listeners.on(type, listener);
  }

  off<K extends keyof ClientEventMap>(type: K, listener: Listener<ClientEventMap[K]>): void {
    this.listeners.off(type, listener);
  }

  private makeHost(key: string, wsBase: string, WebSocketImpl: WebSocketConstructor): RoomHost {
    const client = this;
    return {
      key,
      wsBase,
      options: this.options,
      get limits() {
        return client.learned;
      },
      learn: (limits) => {
        this.joins++;
        this.learned = limitsFromPublic(limits);
      },
      backoff: (room, attempt) => {
        const outage = ![...this.rooms.values()].some((other) => other !== room && other.state === "open");
        return this.schedule.delay(attempt, outage);
      },
      markers: this.markers,
      request: (path, token) => this.request(path, token),
      openSocket: (url, protocol) => new WebSocketImpl(url, protocol) as SocketLike,
      newId: () => newMessageId(randomBytes),
      stateChanged: () => this.stateChanged(),
    };
  }

  /** In a browser, the window's `online` event: rooms waiting to reconnect try at once. */
  private watchNetwork(): void {
    const events = globalThis as { addEventListener?: (type: string, listener: () => void) => void };
    try {
      if (this.options.watchNetwork !== false && typeof events.addEventListener === "function")
        events.addEventListener("online", this.onNetwork);
    } catch {
      // A runtime whose global scope takes no such listener: nothing to watch.
    }
  }

  private stateChanged(): void {
    const states = [...this.rooms.values()].map((room) => room.state);
    const offline = !states.includes("open") && states.includes("reconnecting");
    if (offline === this.offline) return;
    this.offline = offline;
    if (offline) {
      this.listeners.emit("offline", { type: "offline" });
      return;
    }
    this.schedule.reset();
    this.listeners.emit("online", { type: "online" });
    // One room got through: the others need not sit out their backoff.
    if (states.includes("open")) this.reconnectNow();
  }

  /** A request (a GET unless `method` says otherwise) of the HTTP API with a token, bounded by `requestTimeoutMs`. */
  private request(path: string, token: string | undefined, method: "GET" | "DELETE" = "GET"): ReturnType<FetchFunction> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    const ms = this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer from ${path} within ${ms} ms`)), ms);
      this.fetchImpl(`${this.url}${path}`, method === "GET" ? { headers } : { headers, method }).then(
        (response) => {
          clearTimeout(timer);
          resolve(response);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
