/**
 * The load generator's client: a `ws` socket that joins a room, sends tagged
 * messages and accounts for every delivery.
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

/** Counters and samples of one measured phase. */
export class Phase {
  /** small integer that marks this phase's tokens */
  tag: number;
  sent = 0;
  expected = 0;
  unique = 0;
  dup = 0;
  stale = 0;
  errors = 0;
  closes = 0;
  latencies: number[] = [];
  firstSend = 0;
  lastSend = 0;
  lastRecv = 0;
  /** closed loop: each client sends its next when its own message comes back, until `deadline` */
  closedLoop = false;
  deadline = 0;

  constructor(tag: number) {
    this.tag = tag;
  }
}

/**
 * Everything some clients received over one window: frames, payload bytes,
 * logical events (a JSON array frame counts each element), error events, and
 * greetings (`joined`: how many and how big). Shared by the clients it counts for.
 */
export class Tally {
  frames = 0;
  bytes = 0;
  events = 0;
  errors = 0;
  closes = 0;
  greetings = 0;
  greetingBytes = 0;
  maxGreetingBytes = 0;
  lastFrameAt = 0;

  /** `s`: the frame's text; `bytes`: its payload length. */
  add(s: string, bytes: number): void {
    this.frames++;
    this.bytes += bytes;
    this.lastFrameAt = now();
    let events = 1;
    if (s.charCodeAt(0) === 0x5b /* [ */) {
      try {
        const a: unknown = JSON.parse(s);
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

/** A received event, as far as the generator looks into it. */
interface Event {
  type?: string;
  action?: string;
  id?: unknown;
  count?: number;
  members?: unknown;
}

/** Whether a JSON frame is (or, batched, starts with) the room's `joined` greeting. */
function isGreeting(s: string): boolean {
  return s.startsWith('{"type":"joined"') || s.startsWith('[{"type":"joined"');
}

/** The first `joined` event in a frame (an event or a batch), or undefined. */
function greetingOf(s: string): Event | undefined {
  try {
    const o: Event | Event[] = JSON.parse(s);
    return (Array.isArray(o) ? o : [o]).find((e) => e?.type === "joined");
  } catch {
    return undefined;
  }
}

const padCache = new Map<number, string>();
function pad(bytes: number): string {
  let s = padCache.get(bytes);
  if (s === undefined) {
    s = "x".repeat(Math.max(0, bytes));
    padCache.set(bytes, s);
  }
  return s;
}

/** A room as the generator knows it: its name and how many members each message is expected to reach. */
export interface Room {
  name: string;
  size: number;
}

export interface ClientOptions {
  wsUrl: string;
  path: "direct" | "inband";
  format: "json" | "text";
  /** the server answers a join with a greeting (Parley); floors don't */
  greets: boolean;
  room: Room;
  /** numbers the client (its nick is u<g>); its index in `clients` */
  g: number;
  /** where a phase looks senders up by `g` */
  clients: Client[];
  msgBytes: number;
  /** JSON clients; default `["parley.v1"]` */
  protocols?: string[];
  tally?: Tally | null;
  /** keep `count`, the room's member count as last told */
  trackCount?: boolean;
  /** keep `greeting`: the `joined` event's `count` and how many members it listed */
  inspectGreeting?: boolean;
}

/** A client's options with their defaults filled in. */
type Settled = Required<Omit<ClientOptions, "protocols">> & Pick<ClientOptions, "protocols">;

export class Client {
  /** What the client was made with; read through `o` so each option is written once. */
  readonly o: Settled;
  count: number | undefined = undefined;
  greeting: { count: number | null; membersListed: number | null } | undefined = undefined;
  nick: string;
  ws: WebSocket | null = null;
  n = 0;
  sched: number[] = [];
  lastSeen = new Map<number, number>();
  outstanding = -1;
  lastSendAt = 0;
  phase: Phase | null = null;
  connectMs = Number.NaN;
  closed = false;
  closing = false;

  constructor(o: ClientOptions) {
    this.o = { ...o, tally: o.tally ?? null, trackCount: o.trackCount ?? false, inspectGreeting: o.inspectGreeting ?? false };
    this.nick = `u${o.g}`;
  }

  /** Opens the socket and resolves with the connect time (ms) once the room has greeted it. */
  connect(timeoutMs = 30_000): Promise<number> {
    const q = this.o.path === "direct" ? `?room=${encodeURIComponent(this.o.room.name)}&nick=${this.nick}` : "";
    const protocols = this.o.format === "json" ? (this.o.protocols ?? ["parley.v1"]) : [];
    const t0 = now();
    return new Promise((resolve, reject) => {
      let ready = false;
      const ws = new WebSocket(`${this.o.wsUrl}/ws${q}`, protocols, {
        perMessageDeflate: false,
        skipUTF8Validation: true,
        handshakeTimeout: timeoutMs,
      });
      this.ws = ws;
      const timer = setTimeout(() => fail(new Error(`connect timeout after ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error) => {
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
      this.listen(ws, () => ready, done, fail);
    });
  }

  /** The socket's handlers: the join, the greeting that makes it ready (`done`), every frame after, and the close. */
  private listen(ws: WebSocket, isReady: () => boolean, done: () => void, fail: (err: Error) => void): void {
    ws.on("open", () => {
      if (this.o.path === "inband") ws.send(JSON.stringify({ action: "join", msg: this.o.room.name, nick: this.nick }));
      if (!this.o.greets) done();
    });
    ws.on("message", (data: Buffer) => {
      const s = data.toString();
      this.o.tally?.add(s, data.length);
      if (this.o.trackCount) this.noteCount(s);
      if (!isReady()) {
        if (this.o.format === "json" ? isGreeting(s) : s.includes(" join room ")) {
          if (this.o.inspectGreeting) {
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
      if (!isReady()) fail(new Error(`closed ${code} before ready`));
      else if (!this.closing) {
        if (this.phase) this.phase.closes++;
        if (this.o.tally) this.o.tally.closes++;
      }
    });
  }

  /**
   * Keeps the room's member count as last told: the last `"count":` in the
   * frame (presence events and `joined` carry one; in a batch the last event
   * is the newest), or, for a greeting without a count, its member list's length.
   */
  noteCount(s: string): void {
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
  onFrame(s: string): void {
    const t = now();
    if (this.o.format === "json") {
      // Only messages (and error events, which have a "message" field) are
      // accounted for: presence and the like are not even parsed.
      if (!s.includes('"message"') && !s.includes("send_to_room")) return;
      let o: Event | Event[];
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
  onEvent(o: Event | null, t: number): void {
    if (o?.type === "message" || o?.action === "send_to_room") this.onToken(o.id, t);
    else if (o?.type === "error" && this.phase) this.phase.errors++;
  }

  /** Accounts for one delivery of the message tagged `token` (`PHASE.SENDER.N`). */
  onToken(token: unknown, t: number): void {
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
      const sender = this.o.clients[g];
      P.latencies.push(t - (sender?.sched[n] ?? Number.NaN));
      P.lastRecv = t;
    } else {
      P.dup++;
    }
    if (g === this.o.g && n === this.outstanding) {
      this.outstanding = -1;
      if (P.closedLoop && t < P.deadline) this.send(t);
    }
  }

  /** Enters a new phase: forget what was seen in the last one. */
  enter(phase: Phase): void {
    this.phase = phase;
    this.n = 0;
    this.sched = [];
    this.lastSeen = new Map();
    this.outstanding = -1;
  }

  /** Sends the next message; `scheduled` is when it was due (latency is measured from it). */
  send(scheduled: number): void {
    const P = this.phase;
    if (!P || !this.ws) return;
    const n = this.n++;
    this.sched[n] = scheduled;
    const token = `${P.tag}.${this.o.g}.${n}`;
    const msg = `${token} ${pad(this.o.msgBytes - token.length - 1)}`;
    const frame =
      this.o.format === "json"
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
    P.expected += this.o.room.size;
  }

  close(): void {
    this.closing = true;
    try {
      this.ws?.close(1000, "bench done");
    } catch {
      // ignore
    }
  }
}
