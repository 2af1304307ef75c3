/**
 * What every test client shares, whatever socket it wraps (workerd's in
 * test/client.ts, the `ws` package's in test/node/ws-client.ts): a record of
 * every frame received, and waits for the next one that are always bounded,
 * so a missing frame fails a test instead of hanging it.
 */
import type { ServerEvent } from "../src/shared/events";
import { expectNothingFor } from "./wait";

export const WAIT_MS = 5_000;

export abstract class FrameQueue {
  readonly frames: string[] = [];
  closed: { code: number; reason: string } | null = null;
  private read = 0;
  private wake: (() => void) | null = null;

  /** Sends a frame: strings as they are, anything else as JSON. */
  abstract send(frame: unknown): void;

  /** Called by the socket wrapper for every frame that arrives. */
  protected received(frame: string): void {
    this.frames.push(frame);
    this.wake?.();
  }

  /** Called by the socket wrapper when the socket closes. */
  protected closedBy(code: number, reason: string): void {
    this.closed = { code, reason };
    this.wake?.();
  }

  /** The next unread frame, or a rejection after `ms`. */
  async next(ms = WAIT_MS): Promise<string> {
    const deadline = Date.now() + ms;
    while (this.read >= this.frames.length) {
      if (this.closed)
        throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting; saw ${JSON.stringify(this.frames)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame within ${ms} ms; saw ${JSON.stringify(this.frames)}`);
      await this.sleepUntilEvent(left);
    }
    return this.frames[this.read++]!;
  }

  /** The next unread frame parsed as a JSON event. */
  async event(ms = WAIT_MS): Promise<ServerEvent> {
    return JSON.parse(await this.next(ms)) as ServerEvent;
  }

  /** Reads events until one matches and returns it (the skipped ones are read too). */
  async until<T extends ServerEvent>(match: (e: ServerEvent) => e is T, ms?: number): Promise<T>;
  async until(match: (e: ServerEvent) => boolean, ms?: number): Promise<ServerEvent>;
  async until(match: (e: ServerEvent) => boolean, ms = WAIT_MS): Promise<ServerEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
      const e = await this.event(Math.max(1, deadline - Date.now()));
      if (match(e)) return e;
    }
  }

  /** Asserts that no frame arrives within `ms` (an unread one fails it at once). */
  quiet(ms = 300): Promise<void> {
    return expectNothingFor(
      "a frame arrived",
      () => this.read < this.frames.length,
      ms,
      () => JSON.stringify(this.frames.slice(this.read)),
    );
  }

  /** Waits for the socket to close; returns the code and reason. */
  async closedWith(ms = WAIT_MS): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + ms;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`socket still open after ${ms} ms`);
      await this.sleepUntilEvent(left);
    }
    return this.closed;
  }

  private sleepUntilEvent(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.wake = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}

/** A unique room name, so tests never share state. */
export function uniqueRoom(prefix = "room"): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}
