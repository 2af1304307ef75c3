/**
 * The load generator's loops over many clients (bench/lib/client.ts):
 * connecting them, closing them, the closed and open loops, and the drain
 * that waits for the last deliveries.
 */
import { type Client, Phase } from "./client.ts";

const now = () => performance.now();
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let tagCounter = 1;

/** A new measured phase, with a tag no earlier phase of this run had. */
export function newPhase(): Phase {
  return new Phase(tagCounter++);
}

/** Connect times of some clients, and their failures. */
export interface Connects {
  times: number[];
  failures: number;
  firstError: string;
  wallMs: number;
}

/** Connects clients with at most `concurrency` handshakes in flight. Returns connect times and failures. */
export async function connectAll(clients: Client[], concurrency = 32, timeoutMs = 30_000): Promise<Connects> {
  const times: number[] = [];
  let failures = 0;
  let firstError = "";
  let next = 0;
  const worker = async () => {
    while (next < clients.length) {
      const c = clients[next++];
      if (!c) break;
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
export async function closeAll(clients: Client[], timeoutMs = 5_000): Promise<void> {
  for (const c of clients) c.close();
  const deadline = now() + timeoutMs;
  while (clients.some((c) => c.ws && !c.closed) && now() < deadline) await sleep(20);
  for (const c of clients) if (c.ws && !c.closed) c.ws.terminate();
}

/** Waits until every expected delivery arrived, or nothing arrived for `idleMs`, or `capMs` passed. */
export async function drain(P: Phase, idleMs = 2_000, capMs = 15_000): Promise<void> {
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
 */
export async function closedLoop(
  clients: Client[],
  P: Phase,
  durationMs: number,
  { senders = clients, stallMs = 5_000 }: { senders?: Client[]; stallMs?: number } = {},
): Promise<void> {
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
export async function openLoop(clients: Client[], senders: Client[], P: Phase, rate: number, durationMs: number): Promise<void> {
  for (const c of clients) c.enter(P);
  P.closedLoop = false;
  const interval = 1000 / rate;
  const total = Math.max(1, Math.floor((durationMs / 1000) * rate));
  const t0 = now() + 5;
  let k = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const t = now();
      while (k < total && t0 + k * interval <= t) {
        senders[k % senders.length]?.send(t0 + k * interval);
        k++;
      }
      if (k >= total) return resolve();
      setTimeout(tick, Math.max(0, t0 + k * interval - now()));
    };
    setTimeout(tick, 5);
  });
}
