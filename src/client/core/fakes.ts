/**
 * Test doubles for the client's unit tests (client.test.ts, room.test.ts):
 * a WebSocket the test speaks for, an HTTP API answering from a store, and
 * events to say. Not part of the package (src/client/index.ts does not
 * reach it).
 */

import { vi } from "vitest";
import { CloseCode } from "../../shared/codes";
import type { ErrorEvent, JoinedEvent, Member, MessageEvent, ServerEvent, StoredEvent } from "../../shared/events";
import { DEFAULT_LIMITS, type PublicLimits, publicLimits } from "../../shared/limits";
import type { MyRoom } from "../../shared/my-rooms";
import { ParleyClient } from "./client";
import type { FetchFunction, ParleyClientOptions } from "./types";

/** What a browser reports for a socket that closed without a close frame (a lost connection, an upgrade answered with HTTP). */
export const NO_CLOSE_FRAME = 1006;

/** A WebSocket the test speaks for: the server's events in, the client's frames out. */
export class FakeSocket {
  static all: FakeSocket[] = [];
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readonly sent: string[] = [];
  closed: { code?: number; reason?: string } | null = null;

  constructor(
    readonly url: string,
    readonly protocol?: string | string[],
  ) {
    FakeSocket.all.push(this);
  }

  static last(): FakeSocket {
    const socket = FakeSocket.all.at(-1);
    if (!socket) throw new Error("no socket yet");
    return socket;
  }

  static inRoom(room: string): FakeSocket[] {
    return FakeSocket.all.filter((s) => new URLSearchParams(s.url.split("?")[1]).get("room") === room);
  }

  send(data: string): void {
    if (this.closed) throw new Error("closed");
    this.sent.push(data);
  }

  /** The client closes: the close event follows, as a real socket's does. */
  close(code: number = CloseCode.NORMAL, reason = ""): void {
    if (this.closed) return;
    this.closed = { code, reason };
    setTimeout(() => this.onclose?.({ code, reason }), 0);
  }

  /** The server says these events, in one parley.v2 frame. */
  say(...events: ServerEvent[]): void {
    this.onmessage?.({ data: JSON.stringify(events) });
  }

  /** The server sends this text frame as it is. */
  raw(data: string): void {
    this.onmessage?.({ data });
  }

  /** The connection is lost (or closed by the server with `code`). */
  drop(code = NO_CLOSE_FRAME): void {
    this.closed = { code };
    this.onclose?.({ code, reason: "" });
  }

  /** Every JSON frame sent but pings. */
  frames(): Record<string, unknown>[] {
    return this.sent.filter((s) => s.startsWith("{")).map((s) => JSON.parse(s) as Record<string, unknown>);
  }

  sends(): { action: string; msg: string; id: string; replyTo?: number }[] {
    return this.frames().filter((f) => f.action === "send_to_room") as { action: string; msg: string; id: string }[];
  }
}

export const me: Member = { id: "me1", nick: "robin" };
export const other: Member = { id: "u9", nick: "batman" };

export function message(seq: number, id = `srv-${seq}`, from: Member = other, text = `text ${seq}`, room = "8888"): MessageEvent {
  return { type: "message", room, seq, id, from, text, ts: 1_000 + seq };
}

export function joined(
  history: StoredEvent[],
  lastSeq: number,
  options: { more?: boolean; room?: string; self?: Member; limits?: PublicLimits } = {},
): JoinedEvent {
  const self = { ...(options.self ?? me), role: "member" as const };
  return {
    type: "joined",
    room: options.room ?? "8888",
    self,
    members: [self],
    count: 1,
    history,
    lastSeq,
    limits: options.limits ?? publicLimits(DEFAULT_LIMITS),
    ...(options.more ? { more: true } : {}),
  };
}

/** The room stores a sent frame under `seq` and echoes it. */
export function echo(frame: { msg: string; id: string }, seq: number, room = "8888", from: Member = me): MessageEvent {
  return message(seq, frame.id, from, frame.msg, room);
}

export const seqs = (events: readonly StoredEvent[]) => events.map((e) => e.seq);

/** Lets promise callbacks run (fake timers leave microtasks alone). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

/** The HTTP API a fake fetch answers from: a room's stored events, and what each request asked. */
export interface FakeApi {
  store: StoredEvent[];
  /** Each page asked for, with the token it carried. */
  pages: { since: number; limit: number; token?: string }[];
  /** Pages fail (the network is down). */
  failPages?: boolean;
  /** A page answers only when the test calls the function left here (see `slowPages`). */
  slowPages?: boolean;
  answer?: (() => void) | null;
  /** `GET /api/rooms/:room`: the refusal to answer with, or null (admitted); a rejection is a network failure. */
  admission?: (room: string, token: string | undefined) => Promise<ErrorEvent | null>;
  /** `GET /api/limits`. */
  limits?: PublicLimits;
  /** `GET /api/me/rooms`: the list, answered to a request with this `token` (else 401). */
  me?: { token: string; rooms: MyRoom[] };
  /** Each `DELETE /api/me/rooms/:room` asked, as `room token`. */
  forgotten?: string[];
}

export function fakeApi(store: StoredEvent[] = []): FakeApi {
  return { store, pages: [] };
}

const answer = (status: number, body: unknown) => ({ ok: status < 300, status, json: async () => body });

/** A `fetch` answering the client's GETs from `api`. */
export function fakeFetch(api: FakeApi): FetchFunction {
  return async (url, init) => {
    const { pathname, searchParams } = new URL(url);
    const token = init.headers.Authorization?.replace(/^Bearer /, "");
    if (pathname === "/api/limits") return answer(api.limits ? 200 : 404, api.limits ?? {});
    if (pathname.startsWith("/api/me/rooms")) return answerMe(api, pathname, token, init.method ?? "GET");
    if (pathname.endsWith("/messages")) {
      const since = Number(searchParams.get("since"));
      const limit = Number(searchParams.get("limit"));
      api.pages.push(token === undefined ? { since, limit } : { since, limit, token });
      if (api.slowPages) await new Promise<void>((resolve) => (api.answer = resolve));
      if (api.failPages) throw new Error("network down");
      return answer(200, { messages: api.store.filter((m) => m.seq > since).slice(0, limit) });
    }
    const refusal = (await api.admission?.(decodeURIComponent(pathname.split("/").at(-1) ?? ""), token)) ?? null;
    if (!refusal) return answer(200, { room: "x", members: 0, lastSeq: 0 });
    return answer(refusal.code === "forbidden" ? 403 : 401, { error: { code: refusal.code, message: refusal.message } });
  };
}

function answerMe(api: FakeApi, pathname: string, token: string | undefined, method: string) {
  if (!api.me || token !== api.me.token) return answer(401, { error: { code: "unauthenticated", message: "no" } });
  if (method === "GET") return answer(200, { rooms: api.me.rooms });
  api.forgotten = [...(api.forgotten ?? []), `${decodeURIComponent(pathname.split("/").at(-1) ?? "")} ${token}`];
  return answer(204, null);
}

/** A client of fake sockets and a fake API; fixed backoff (`backoffMs`, no jitter, no spacing) unless `options` say otherwise. */
export function client(options: Partial<ParleyClientOptions> & { api?: FakeApi; backoffMs?: number } = {}): ParleyClient {
  const { api = fakeApi(), backoffMs = 100, ...rest } = options;
  return new ParleyClient({
    url: "http://127.0.0.1:8787",
    nick: "robin",
    key: "k".repeat(20),
    WebSocket: FakeSocket,
    fetch: fakeFetch(api),
    watchNetwork: false,
    backoff: { baseMs: backoffMs, maxMs: backoffMs, factor: 1, jitter: 0 },
    reconnectSpacingMs: 0,
    ...rest,
  });
}

/** Fresh sockets and fake timers (Date included) for each test. */
export function useFakes(): void {
  FakeSocket.all = [];
  vi.useFakeTimers();
}
