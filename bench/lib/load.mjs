/**
 * The load generator: `ws` clients that join rooms, send tagged messages and
 * account for every delivery.
 *
 * Every message carries a token `PHASE.SENDER.N` (in `id` and at the start of
 * the text), and the sender keeps the time each N was scheduled, so every
 * recipient can compute a latency, and count a delivery as new or duplicate:
 * a room delivers each sender's messages in order, so a recipient that sees N
 * at or below the last N it saw from that sender has a duplicate. Lost
 * deliveries are those expected (room size at send time, per message) and
 * never seen as new by the end of the drain.
 *
 * Client kinds (`path` × `format`):
 * - direct/json: `/ws?room=R&nick=N` offering `parley.v1`; ready on `joined`
 *   (Parley) or on open (floors, which echo the raw frame back).
 * - direct/text: the same URL without a subprotocol; ready on the join line.
 * - inband/text, inband/json: `/ws`, then `{"action":"join"}`; ready on the join reply.
 *
 * A JSON client may offer other subprotocols (`protocols`, e.g. `parley.v2`
 * before `parley.v1`): a frame that is a JSON array is a batch of events, each
 * handled as if it came alone. A client with a `tally` counts every frame it
 * receives (the greeting and presence included), and one with `trackCount`
 * keeps the last member count the room told it (`joined`, `presence`, …).
 */
import WebSocket from "ws";

const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Counters and samples of one measured phase. */
export class Phase {
  /** @param {number} tag small integer that marks this phase's tokens */
  constructor(tag) {
    this.tag = tag;
    this.sent = 0;
    this.expected = 0;
    this.unique = 0;
    this.dup = 0;
    this.stale = 0;
    this.errors = 0;
    this.closes = 0;
    this.latencies = [];
    this.firstSend = 0;
    this.lastSend = 0;
    this.lastRecv = 0;
    /** closed loop: each client sends its next when its own message comes back, until `deadline` */
    this.closedLoop = false;
    this.deadline = 0;
  }
}

/**
 * Everything some clients received over one window: frames, payload bytes,
 * logical events (a JSON array frame counts each element), error events, and
 * greetings (`joined`: how many and how big). Shared by the clients it counts for.
 */
export class Tally {
  constructor() {
    this.frames = 0;
    this.bytes = 0;
    this.events = 0;
    this.errors = 0;
    this.closes = 0;
    this.greetings = 0;
    this.greetingBytes = 0;
    this.maxGreetingBytes = 0;
    this.lastFrameAt = 0;
  }

  /** @param {string} s the frame's text @param {number} bytes its payload length */
  add(s, bytes) {
    this.frames++;
    this.bytes += bytes;
    this.lastFrameAt = now();
    let events = 1;
    if (s.charCodeAt(0) === 0x5b /* [ */) {
      try {
        const a = JSON.parse(s);
        if (Array.isArray(a)) events = a.length;
      } catch {
        // not JSON: one frame, one event
      }
    }
    this.events += events;
    if (s.includes('"type":"error"')) this.errors++;
    if (isGreeting(s)) {
      this.greetings++;
      this.greetingBytes += bytes;
      if (bytes > this.maxGreetingBytes) this.maxGreetingBytes = bytes;
    }
  }
}

/** Whether a JSON frame is (or, batched, starts with) the room's `joined` greeting. */
function isGreeting(s) {
  return s.startsWith('{"type":"joined"') || s.startsWith('[{"type":"joined"');
}

/** The first `joined` event in a frame (an event or a batch), or undefined. */
function greetingOf(s) {
  try {
    const o = JSON.parse(s);
    return (Array.isArray(o) ? o : [o]).find((e) => e?.type === "joined");
  } catch {
    return undefined;
  }
}

const padCache = new Map();
function pad(bytes) {
  if (!padCache.has(bytes)) padCache.set(bytes, "x".repeat(Math.max(0, bytes)));
  return padCache.get(bytes);
}

export class Client {
  /**
   * @param {{wsUrl: string, path: "direct"|"inband", format: "json"|"text", greets: boolean,
   *          room: {name: string, size: number}, g: number, clients: Client[], msgBytes: number}} o
   *   `greets`: the server answers a join with a greeting (Parley); floors don't.
   *   Optional: `protocols` (JSON clients; default `["parley.v1"]`), `tally` (a {@link Tally}),
   *   `trackCount` (keep `count`, the room's member count as last told), `inspectGreeting`
   *   (keep `greeting`: the `joined` event's `count` and how many members it listed).
   */
  constructor(o) {
    /** @type {Tally | null} */
    this.tally = null;
    this.trackCount = false;
    this.inspectGreeting = false;
    /** @type {number | undefined} */
    this.count = undefined;
    /** @type {{count: number | null, membersListed: number | null} | undefined} */
    this.greeting = undefined;
    this.protocols = undefined;
    Object.assign(this, o);
    this.nick = `u${o.g}`;
    this.ws = null;
    this.n = 0;
    this.sched = [];
    this.lastSeen = new Map();
    this.outstanding = -1;
    this.lastSendAt = 0;
    /** @type {Phase | null} */
    this.phase = null;
    this.connectMs = NaN;
    this.closed = false;
  }

  /** Opens the socket and resolves with the connect time (ms) once the room has greeted it. */
  connect(timeoutMs = 30_000) {
    const q = this.path === "direct" ? `?room=${encodeURIComponent(this.room.name)}&nick=${this.nick}` : "";
    const protocols = this.format === "json" ? (this.protocols ?? ["parley.v1"]) : [];
    const t0 = now();
    return new Promise((resolve, reject) => {
      let ready = false;
      const ws = new WebSocket(`${this.wsUrl}/ws${q}`, protocols, {
        perMessageDeflate: false,
        skipUTF8Validation: true,
        handshakeTimeout: timeoutMs,
      });
      this.ws = ws;
      const timer = setTimeout(() => fail(new Error(`connect timeout after ${timeoutMs} ms`)), timeoutMs);
      const fail = (err) => {
        if (ready) return;
        ready = true;
        clearTimeout(timer);
        try {
          ws.terminate();
        } catch {
          // ignore
        }
        reject(err);
      };
      const done = () => {
        if (ready) return;
        ready = true;
        clearTimeout(timer);
        this.connectMs = now() - t0;
        resolve(this.connectMs);
      };
      ws.on("open", () => {
        if (this.path === "inband") ws.send(JSON.stringify({ action: "join", msg: this.room.name, nick: this.nick }));
        if (!this.greets) done();
      });
      ws.on("message", (data) => {
        const s = data.toString();
        this.tally?.add(s, data.length);
        if (this.trackCount) this.noteCount(s);
        if (!ready) {
          if (this.format === "json" ? isGreeting(s) : s.includes(" join room ")) {
            if (this.inspectGreeting) {
              const g = greetingOf(s);
              this.greeting = { count: g?.count ?? null, membersListed: Array.isArray(g?.members) ? g.members.length : null };
            }
            return done();
          }
          if (/error/.test(s)) return fail(new Error(`refused: ${s.slice(0, 200)}`));
        }
        this.onFrame(s);
      });
      ws.on("error", (err) => fail(err));
      ws.on("close", (code) => {
        this.closed = true;
        if (!ready) fail(new Error(`closed ${code} before ready`));
        else if (!this.closing) {
          if (this.phase) this.phase.closes++;
          if (this.tally) this.tally.closes++;
        }
      });
    });
  }

  /**
   * Keeps the room's member count as last told: the last `"count":` in the
   * frame (presence events and `joined` carry one; in a batch the last event
   * is the newest), or, for a greeting without a count, its member list's length.
   */
  noteCount(s) {
    const i = s.lastIndexOf('"count":');
    if (i >= 0) {
      const v = Number.parseInt(s.slice(i + 8, i + 24), 10);
      if (Number.isFinite(v)) this.count = v;
    } else if (isGreeting(s)) {
      const g = greetingOf(s);
      if (Array.isArray(g?.members)) this.count = g.members.length;
    }
  }

  /** One received frame after the greeting. */
  onFrame(s) {
    const t = now();
    if (this.format === "json") {
      // Only messages (and error events, which have a "message" field) are
      // accounted for: presence and the like are not even parsed.
      if (!s.includes('"message"') && !s.includes("send_to_room")) return;
      let o;
      try {
        o = JSON.parse(s);
      } catch {
        return;
      }
      if (Array.isArray(o)) for (const e of o) this.onEvent(e, t);
      else this.onEvent(o, t);
      return;
    }
    const i = s.indexOf(" : ");
    if (i < 0) {
      if (s.startsWith("error") && this.phase) this.phase.errors++;
      return;
    }
    const j = s.indexOf(" ", i + 3);
    this.onToken(s.slice(i + 3, j < 0 ? undefined : j), t);
  }

  /** One JSON event (alone in its frame or from a batch), received at `t`. */
  onEvent(o, t) {
    if (o?.type === "message" || o?.action === "send_to_room") this.onToken(o.id, t);
    else if (o?.type === "error" && this.phase) this.phase.errors++;
  }

  /** Accounts for one delivery of the message tagged `token` (`PHASE.SENDER.N`). */
  onToken(token, t) {
    if (typeof token !== "string") return;
    const a = token.indexOf(".");
    const b = token.indexOf(".", a + 1);
    const tag = Number(token.slice(0, a));
    const g = Number(token.slice(a + 1, b));
    const n = Number(token.slice(b + 1));
    const P = this.phase;
    if (!P || tag !== P.tag) {
      if (P) P.stale++;
      return;
    }
    const prev = this.lastSeen.get(g) ?? -1;
    if (n > prev) {
      this.lastSeen.set(g, n);
      P.unique++;
      const sender = this.clients[g];
      P.latencies.push(t - sender.sched[n]);
      P.lastRecv = t;
    } else {
      P.dup++;
    }
    if (g === this.g && n === this.outstanding) {
      this.outstanding = -1;
      if (P.closedLoop && t < P.deadline) this.send(t);
    }
  }

  /** Enters a new phase: forget what was seen in the last one. */
  enter(phase) {
    this.phase = phase;
    this.n = 0;
    this.sched = [];
    this.lastSeen = new Map();
    this.outstanding = -1;
  }

  /** Sends the next message; `scheduled` is when it was due (latency is measured from it). */
  send(scheduled) {
    const P = this.phase;
    const n = this.n++;
    this.sched[n] = scheduled;
    const token = `${P.tag}.${this.g}.${n}`;
    const msg = `${token} ${pad(this.msgBytes - token.length - 1)}`;
    const frame =
      this.format === "json"
        ? JSON.stringify({ action: "send_to_room", msg, id: token })
        : JSON.stringify({ action: "send_to_room", msg, nick: this.nick });
    this.outstanding = n;
    const t = now();
    this.lastSendAt = t;
    try {
      this.ws.send(frame);
    } catch {
      return;
    }
    if (P.sent === 0) P.firstSend = t;
    P.lastSend = t;
    P.sent++;
    P.expected += this.room.size;
  }

  close() {
    this.closing = true;
    try {
      this.ws?.close(1000, "bench done");
    } catch {
      // ignore
    }
  }
}

/** Connects clients with at most `concurrency` handshakes in flight. Returns connect times and failures. */
export async function connectAll(clients, concurrency = 32, timeoutMs = 30_000) {
  const times = [];
  let failures = 0;
  let firstError = "";
  let next = 0;
  const worker = async () => {
    while (next < clients.length) {
      const c = clients[next++];
      try {
        times.push(await c.connect(timeoutMs));
      } catch (err) {
        failures++;
        firstError ||= String(err);
      }
    }
  };
  const t0 = now();
  await Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, worker));
  return { times, failures, firstError, wallMs: now() - t0 };
}

/** Closes every client and waits (bounded) for the closes; stragglers are terminated. */
export async function closeAll(clients, timeoutMs = 5_000) {
  for (const c of clients) c.close();
  const deadline = now() + timeoutMs;
  while (clients.some((c) => c.ws && !c.closed) && now() < deadline) await sleep(20);
  for (const c of clients) if (c.ws && !c.closed) c.ws.terminate();
}

/** Waits until every expected delivery arrived, or nothing arrived for `idleMs`, or `capMs` passed. */
export async function drain(P, idleMs = 2_000, capMs = 15_000) {
  const t0 = now();
  let lastUnique = -1;
  let lastChange = now();
  while (P.unique < P.expected && now() - t0 < capMs) {
    if (P.unique !== lastUnique) {
      lastUnique = P.unique;
      lastChange = now();
    } else if (now() - lastChange > idleMs) break;
    await sleep(5);
  }
}

/**
 * Closed loop for `durationMs`: every sender (by default every client) sends
 * one message, and its next as soon as its own comes back; every client
 * receives. A sender whose message has not come back in `stallMs` sends its
 * next anyway (the missing one is counted as lost).
 * @param {{senders?: Client[], stallMs?: number}} [o]
 */
export async function closedLoop(clients, P, durationMs, { senders = clients, stallMs = 5_000 } = {}) {
  for (const c of clients) c.enter(P);
  P.closedLoop = true;
  const t0 = now();
  P.deadline = t0 + durationMs;
  for (const c of senders) c.send(now());
  while (now() < P.deadline) {
    await sleep(Math.min(100, Math.max(1, P.deadline - now())));
    const t = now();
    if (t >= P.deadline) break;
    for (const c of senders) if (c.outstanding >= 0 && t - c.lastSendAt > stallMs) c.send(t);
  }
}

/**
 * Open loop: `rate` messages per second in total, round-robin over `senders`,
 * each due at a fixed time from the start. Latency is measured from the due
 * time, so a generator or server that falls behind shows it (no coordinated
 * omission).
 */
export async function openLoop(clients, senders, P, rate, durationMs) {
  for (const c of clients) c.enter(P);
  P.closedLoop = false;
  const interval = 1000 / rate;
  const total = Math.max(1, Math.floor((durationMs / 1000) * rate));
  const t0 = now() + 5;
  let k = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const t = now();
      while (k < total && t0 + k * interval <= t) {
        senders[k % senders.length].send(t0 + k * interval);
        k++;
      }
      if (k >= total) return resolve();
      setTimeout(tick, Math.max(0, t0 + k * interval - now()));
    };
    setTimeout(tick, 5);
  });
}

/** The q-quantile (0..1) of an ascending array. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}
