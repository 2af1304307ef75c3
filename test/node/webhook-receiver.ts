/**
 * A webhook receiver on 127.0.0.1 for the webhook tests: it records every
 * request, checks its signature with the reference Standard Webhooks library
 * (`standardwebhooks`, an implementation independent of the server's), and
 * answers as the test's policy for the event's room says: `ok` (204), `fail`
 * (500) or `hold` (no answer: the server's timeout must give up on it).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { Webhook } from "standardwebhooks";

export type Answer = "ok" | "fail" | "hold";

/** How the receiver answers the `attempt`th request (1-based) carrying one webhook-id, of event type `type`. */
export type Policy = (attempt: number, type: string) => Answer;

export interface Received {
  id: string;
  /** `webhook-timestamp`, in seconds. */
  timestamp: number;
  body: string;
  /** The body parsed: `{type, timestamp, data}`. */
  event: { type: string; timestamp: string; data: Record<string, unknown> & { room: string } };
  /** Whether `standardwebhooks` verified the signature (and the timestamp's freshness). */
  verified: boolean;
  /** Which request of this webhook-id it was, from 1. */
  attempt: number;
  answer: Answer;
  /** A held request the server has not given up on yet. */
  open: boolean;
}

export interface Receiver {
  /** Where WEBHOOK_URL points. */
  readonly url: string;
  /** Every request, in the order they came. */
  readonly received: Received[];
  /** Sets how the receiver answers events of `room` from now on (default: always `ok`). */
  answer(room: string, policy: Policy): void;
  /** The requests of `room` it answered `ok`. */
  accepted(room: string): Received[];
  close(): Promise<void>;
}

/** A random `whsec_` secret, as an operator would generate one. */
export function newSecret(): string {
  return `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}`;
}

export async function startReceiver(secret: string): Promise<Receiver> {
  const verifier = new Webhook(secret);
  const received: Received[] = [];
  const policies = new Map<string, Policy>();
  const held = new Set<ServerResponse>();
  const attempts = new Map<string, number>();

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const header = (name: string) => String(req.headers[name] ?? "");
    const id = header("webhook-id");
    let verified = true;
    try {
      verifier.verify(body, {
        "webhook-id": id,
        "webhook-timestamp": header("webhook-timestamp"),
        "webhook-signature": header("webhook-signature"),
      });
    } catch {
      verified = false;
    }
    const event = JSON.parse(body) as Received["event"];
    const attempt = (attempts.get(id) ?? 0) + 1;
    attempts.set(id, attempt);
    const answer = (policies.get(event.data.room) ?? (() => "ok"))(attempt, event.type);
    const record: Received = { id, timestamp: Number(header("webhook-timestamp")), body, event, verified, attempt, answer, open: false };
    received.push(record);
    if (answer === "ok") res.writeHead(204).end();
    else if (answer === "fail") res.writeHead(500).end("down");
    else {
      record.open = true;
      held.add(res);
      res.on("close", () => {
        record.open = false;
        held.delete(res);
      });
    }
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => handle(req, res, Buffer.concat(chunks).toString("utf8")));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;

  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    answer: (room, policy) => policies.set(room, policy),
    accepted: (room) => received.filter((r) => r.answer === "ok" && r.event.data.room === room),
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
