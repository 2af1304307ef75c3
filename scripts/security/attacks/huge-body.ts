/**
 * 2. A 20 MiB body, with `Content-Length` and chunked. Fixed: 413 with a
 * JSON error body, answered while the body is still being sent.
 */
import { type ClientRequest, request as httpRequest } from "node:http";
import { now, sleep } from "../lib/clock.ts";
import { MiB } from "../lib/figures.ts";
import { errorCode, freshRoom, nextAddress } from "../lib/http.ts";
import type { Target, Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

const HUGE_BYTES = 20 * MiB;
const HUGE_CHUNK = 64 * 1024;
/** Between chunks: the whole body takes about 3.5 s to send, so an early answer shows. */
const HUGE_PACE_MS = 10;

interface HugeAnswer {
  status: number;
  code: string | undefined;
  ms: number;
  /** bytes of the body sent when the answer came */
  sent: number;
  error?: string;
}

/** How far the upload got, shared by the sender and whoever watches for the answer. */
interface Upload {
  sent: number;
  /** the answer (or the end) came: stop sending */
  stopped: () => boolean;
}

/** Sends the body at a steady pace until it is all sent or `up.stopped()`. */
async function sendBody(req: ClientRequest, up: Upload): Promise<void> {
  const head = Buffer.from('{"nick":"big","text":"');
  const tail = Buffer.from('"}');
  const filler = Buffer.alloc(HUGE_CHUNK, "x");
  req.write(head);
  up.sent += head.length;
  const body = HUGE_BYTES - tail.length;
  while (!up.stopped() && up.sent < body) {
    const n = Math.min(HUGE_CHUNK, body - up.sent);
    const flushed = req.write(n === HUGE_CHUNK ? filler : filler.subarray(0, n));
    up.sent += n;
    if (!flushed) await Promise.race([new Promise((r) => req.once("drain", r)), sleep(2_000)]);
    await sleep(HUGE_PACE_MS);
  }
  if (!up.stopped()) {
    req.end(tail);
    up.sent += tail.length;
  }
}

/**
 * POSTs a 20 MiB JSON body at a steady pace, and notes when the answer
 * comes: how long it took, and how much of the body had been sent by then.
 * @param withLength `Content-Length` (else chunked)
 */
function hugePost(t: Target, path: string, withLength: boolean): Promise<HugeAnswer> {
  return new Promise((done) => {
    const headers: Record<string, string> = { "content-type": "application/json", "CF-Connecting-IP": nextAddress() };
    if (withLength) headers["content-length"] = String(HUGE_BYTES);
    const start = now();
    let answered = false;
    let finished = false;
    const up: Upload = { sent: 0, stopped: () => answered || finished };
    const req = httpRequest(`${t.url}${path}`, { method: "POST", headers });
    const finish = (r: HugeAnswer) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      req.destroy();
      done(r);
    };
    const timer = setTimeout(
      () => finish({ status: 0, code: undefined, ms: now() - start, sent: up.sent, error: "no answer in 20 s" }),
      20_000,
    );
    req.on("response", (res) => {
      answered = true;
      const ms = now() - start;
      const sentThen = up.sent;
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => finish({ status: res.statusCode ?? 0, code: errorCode(text), ms, sent: sentThen }));
      res.on("error", () => finish({ status: res.statusCode ?? 0, code: errorCode(text), ms, sent: sentThen }));
    });
    req.on("error", (err) => {
      if (!answered) finish({ status: 0, code: undefined, ms: now() - start, sent: up.sent, error: err.message });
    });
    sendBody(req, up).catch(() => {});
  });
}

const good = (r: HugeAnswer) => r.status === 413 && r.code !== undefined && r.sent < HUGE_BYTES;

async function run({ main }: Targets): Promise<Verdict> {
  const path = `/api/rooms/${freshRoom("huge")}/messages`;
  const runs = [
    { label: "Content-Length", r: await hugePost(main, path, true) },
    { label: "chunked", r: await hugePost(main, path, false) },
  ];
  return {
    ok: runs.every(({ r }) => good(r)),
    figure: runs
      .map(
        ({ label, r }) =>
          `${label}: ${r.status || r.error} ${r.code ?? "(no JSON error)"} after ${r.ms.toFixed(0)} ms, ` +
          `${(r.sent / MiB).toFixed(1)} of 20 MiB sent${r.sent >= HUGE_BYTES ? " (read it all)" : ""}`,
      )
      .join("; "),
  };
}

export const hugeBody: Attack = { n: 2, name: "Huge body", run, timeoutMs: 45_000 };
