/**
 * What the end-to-end tests (test/node and test/browser) share besides the
 * server itself (dev-server.ts) and the network under a Node client
 * (node-network.ts; bounded waits are ../wait.ts): a room's whole history over HTTP, tokens
 * minted through the API as an app backend mints them, the server's hooks
 * for a `describe`, and the traffic the
 * "nothing lost across a restart" tests keep up while they break things.
 */
import { afterAll, beforeAll, expect } from "vitest";
import type { MessageEvent } from "../../src/shared/events";
import { sleep, waitUntil } from "../wait";
import { type DevServer, type DevServerOptions, startDevServer } from "./dev-server";
import { closeAll, type WsClient } from "./ws-client";

/**
 * Starts wrangler dev (with `options`) before the first test of the enclosing
 * `describe`; after the last, closes the `ws` sockets tests put in `clients`
 * (bounded) and stops it. An `afterAll` the file registers after this runs
 * before it (vitest runs after-hooks in reverse), while the server is still up.
 */
export function serverSuite(options: DevServerOptions = {}): { readonly dev: DevServer; readonly clients: WsClient[] } {
  let server: DevServer | undefined;
  const clients: WsClient[] = [];
  beforeAll(async () => {
    server = await startDevServer(options);
  });
  afterAll(async () => {
    await closeAll(clients);
    await server?.stop();
  });
  return {
    get dev() {
      if (!server) throw new Error("wrangler dev is not started: use the suite in tests, after its beforeAll");
      return server;
    },
    clients,
  };
}

/** A room's whole history over HTTP, oldest first, paged 200 at a time (more than one page holds). */
export async function roomHistory(dev: DevServer, room: string): Promise<MessageEvent[]> {
  const out: MessageEvent[] = [];
  for (;;) {
    const res = await fetch(`${dev.url}/api/rooms/${encodeURIComponent(room)}/messages?since=${out.at(-1)?.seq ?? 0}&limit=200`);
    expect(res.status).toBe(200);
    const page = ((await res.json()) as { messages: MessageEvent[] }).messages;
    if (page.length === 0) return out;
    out.push(...page);
  }
}

/** What `POST /api/tokens` takes: the member's id (`sub`), its name, the room, and a role. */
export interface TokenClaims {
  sub: string;
  name: string;
  room: string;
  role?: string;
}

/** A token from `POST /api/tokens`, as an app backend gets one with its API key. */
export async function mintToken(dev: DevServer, apiKey: string, claims: TokenClaims): Promise<string> {
  const res = await fetch(`${dev.url}/api/tokens`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify(claims),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { token: string }).token;
}

/** One sender under {@link Traffic}: a room object. */
export interface Typist {
  /** Sends its `i`th message; a throw fails the run (`Traffic.stop()` rethrows it). */
  typeOne(i: number): void;
  /** Sends made while the server was down (see `Traffic.restart`), counted by the traffic. */
  typedWhileDown: number;
}

/** What a chaos monkey can cut: a TestNetwork. */
export interface Killable {
  kill(): unknown;
}

/** A bounded wait for {@link Traffic.restart}: what for, until when, how long at most. */
export interface Wait {
  what: string;
  ready: () => boolean;
  ms: number;
}

/**
 * The load the "nothing lost" tests put on a server while they break things:
 * every typist sends a message every 4–12 ms (up to `max` each) and a random
 * one of `victims()` has its sockets killed every 50–200 ms, from
 * construction until `stop()` (or until `stopped()`, which an `afterAll` sets
 * when a test ran out of time).
 */
export class Traffic {
  private serverDown = false;
  private running = true;
  private readonly runs: Promise<void>[];

  constructor(options: { typists: Typist[]; max: number; victims: () => Killable[]; stopped: () => boolean }) {
    const going = () => this.running && !options.stopped();
    this.runs = [...options.typists.map((t) => this.type(t, options.max, going)), this.chaos(options.victims, going)];
  }

  /**
   * Restarts wrangler dev under the traffic: waits until `gone` (every client
   * noticed), counts what is sent from then until the server is back as typed
   * while down, then waits until `back`.
   */
  async restart(dev: DevServer, detail: () => string, gone: Wait, back: Wait): Promise<void> {
    const restarted = dev.restart();
    await waitUntil(gone.what, gone.ready, gone.ms, detail);
    this.serverDown = true;
    await restarted;
    this.serverDown = false;
    await waitUntil(back.what, back.ready, back.ms, detail);
  }

  /** Stops typing and killing, and waits for both (rethrowing a typist's failure). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.runs);
  }

  private async type(typist: Typist, max: number, going: () => boolean): Promise<void> {
    for (let i = 0; i < max && going(); i++) {
      typist.typeOne(i);
      if (this.serverDown) typist.typedWhileDown++;
      await sleep(4 + Math.random() * 8);
    }
  }

  private async chaos(victims: () => Killable[], going: () => boolean): Promise<void> {
    while (going()) {
      await sleep(50 + Math.random() * 150);
      const open = victims();
      open[Math.floor(Math.random() * open.length)]?.kill();
    }
  }
}
