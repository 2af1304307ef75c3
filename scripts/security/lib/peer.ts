/**
 * The attacks' WebSocket client: a `ws` socket from a client address of its
 * own that records what it receives. Every wait is bounded.
 */
import WebSocket from "ws";
import { now } from "./clock.ts";
import { isType, type ServerEvent } from "./events.ts";
import { MiB } from "./figures.ts";
import { nextAddress } from "./http.ts";
import type { Target } from "./targets.ts";

// As src/shared/format.ts names it; its extensionless imports keep Node from loading it here.
const SUBPROTOCOL = "parley.v1";

/** Sockets still open, closed by {@link closeOpenPeers} whatever an attack left behind. */
const OPEN = new Set<Peer>();

/** Terminates every socket an attack left open. */
export function closeOpenPeers(): void {
  for (const peer of [...OPEN]) peer.terminate();
}

export class Peer {
  readonly ws: WebSocket;
  readonly frames: string[] = [];
  /** Frames and bytes received (message payloads). */
  count = 0;
  bytes = 0;
  onFrame: ((frame: Buffer) => void) | undefined = undefined;
  closed: { code: number; reason: string; at: number } | null = null;
  private read = 0;
  private wake: (() => void) | null = null;

  /** @param keep keep every frame (false: count frames and bytes only, for floods of big frames) */
  constructor(ws: WebSocket, keep: boolean) {
    this.ws = ws;
    ws.on("message", (data) => {
      const frame = data as Buffer;
      this.count += 1;
      this.bytes += frame.length;
      this.onFrame?.(frame);
      if (keep) this.frames.push(frame.toString());
      this.wake?.();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString(), at: now() };
      OPEN.delete(this);
      this.wake?.();
    });
    ws.on("error", () => {}); // a close follows
    OPEN.add(this);
  }

  /** Sends a string as it is, anything else as JSON. */
  send(frame: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The next unread frame. */
  async next(ms = 5_000): Promise<string> {
    const deadline = now() + ms;
    while (this.read >= this.frames.length) {
      if (this.closed) throw new Error(`closed (${this.closed.code}) while waiting; saw ${this.frames.length} frames`);
      if (now() >= deadline) throw new Error(`no frame within ${ms} ms`);
      await this.sleep(deadline - now());
    }
    return this.frames[this.read++] as string;
  }

  /** The next unread frame as a JSON event. */
  async event(ms = 5_000): Promise<ServerEvent> {
    return JSON.parse(await this.next(ms)) as ServerEvent;
  }

  /** Reads events until one matches. */
  async until(match: (e: ServerEvent) => boolean, ms = 5_000): Promise<ServerEvent> {
    const deadline = now() + ms;
    for (;;) {
      const e = await this.event(Math.max(1, deadline - now()));
      if (match(e)) return e;
    }
  }

  /** Waits until `cond()` holds (checked on every frame and close); false after `ms`. */
  async waitFor(cond: () => boolean, ms: number): Promise<boolean> {
    const deadline = now() + ms;
    while (!cond()) {
      if (now() >= deadline) return false;
      await this.sleep(Math.min(100, deadline - now()));
    }
    return true;
  }

  /** The close code and reason, once the socket is closed. */
  async closedWith(ms = 5_000): Promise<{ code: number; reason: string; at: number }> {
    await this.waitFor(() => this.closed !== null, ms);
    if (!this.closed) throw new Error(`still open after ${ms} ms`);
    return this.closed;
  }

  terminate(): void {
    this.ws.terminate();
    OPEN.delete(this);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, ms));
      this.wake = done;
    });
  }
}

/** An upgrade the server refused, with its HTTP status. */
export type RefusedUpgrade = Error & { status?: number };

export interface PeerOptions {
  /** Offer `parley.v1` (JSON events); without it the server speaks text lines. */
  json?: boolean;
  ip?: string;
  /** Keep every frame (default); false counts frames and bytes only. */
  keep?: boolean;
}

/**
 * Opens a socket from an address of its own and waits for the handshake;
 * rejects with the HTTP status if the upgrade is refused.
 */
export function openPeer(url: string, o: PeerOptions = {}): Promise<Peer> {
  const ws = new WebSocket(url, o.json ? [SUBPROTOCOL] : [], {
    headers: { "CF-Connecting-IP": o.ip ?? nextAddress() },
    handshakeTimeout: 5_000,
    perMessageDeflate: false,
    maxPayload: 256 * MiB,
  });
  const peer = new Peer(ws, o.keep ?? true);
  return new Promise((done, fail) => {
    ws.once("open", () => done(peer));
    ws.once("unexpected-response", (_req, res) => {
      peer.terminate();
      fail(Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode}`), { status: res.statusCode }));
    });
    ws.once("error", (err) => {
      peer.terminate();
      fail(err);
    });
  });
}

/** A direct room socket's URL. */
export const direct = (t: Target, room: string, nick: string): string =>
  `${t.wsUrl}/ws?room=${encodeURIComponent(room)}&nick=${encodeURIComponent(nick)}`;

/** Joins `room` on a direct JSON socket and waits for `joined`. */
export async function member(t: Target, room: string, nick: string): Promise<Peer> {
  const peer = await openPeer(direct(t, room, nick), { json: true });
  await peer.until(isType("joined"));
  return peer;
}
