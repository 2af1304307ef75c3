/**
 * Sending the outbox, on the room's Durable Object alarm (room.ts's `alarm`),
 * never inside a turn of the room: while the runtime waits for the receiver
 * the room goes on taking frames, so a slow or dead receiver delays no send.
 *
 * A run sends the oldest events due (at most BATCH, in parallel), signed the
 * Standard Webhooks way, each under the `webhook-id` it was recorded with; a
 * 2xx answer delivers it, anything else (another status, no answer within
 * WEBHOOK_TIMEOUT_MS, no connection) schedules its next retry. A run in
 * which nothing was delivered waits the first retry's delay before the next
 * one, so a receiver that is down gets a bounded trickle, not the backlog.
 */
import type { WebhookConfig } from "./config";
import type { Outbox, Pending } from "./outbox";
import { signature, signingKey } from "./signature";

/** Events one run sends at most (one request each, in parallel). */
const BATCH = 16;

export class Delivery {
  private key: Promise<CryptoKey | undefined> | undefined;

  constructor(
    private readonly outbox: Outbox,
    /** Told of each failed attempt (the operator's metrics: room/stats.ts). */
    private readonly onFailure: () => void = () => {},
  ) {}

  /** One run of the alarm: send what is due, record each outcome, set the alarm for what is left. */
  async run(): Promise<void> {
    this.outbox.woke();
    let pause: number | undefined;
    try {
      const config = this.outbox.config;
      const due = config ? this.outbox.due(Date.now(), BATCH) : [];
      if (!config || due.length === 0) return;
      this.key ??= signingKey(config.secret);
      const key = await this.key;
      const outcomes = await Promise.all(due.map((event) => attempt(config, key, event)));
      const now = Date.now();
      for (const [i, event] of due.entries()) {
        const error = outcomes[i];
        if (error === null) this.outbox.delivered(event);
        else {
          this.outbox.failed(event, error ?? "unknown", now);
          this.onFailure();
        }
      }
      if (outcomes.every((error) => error !== null)) pause = now + (config.retryMs[0] ?? 0);
    } finally {
      this.outbox.arm(pause);
    }
  }
}

/** Sends one event; null when the receiver took it, otherwise why not (kept with the event for the operator). */
async function attempt(config: WebhookConfig, key: CryptoKey | undefined, event: Pending): Promise<string | null> {
  if (!key) return "WEBHOOK_SECRET is missing or not whsec_<base64>";
  // Seconds, as Standard Webhooks has it: a receiver refuses a timestamp far from its clock, so each attempt signs anew.
  const timestamp = Math.floor(Date.now() / 1000);
  try {
    const response = await fetch(config.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": event.id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": await signature(key, event.id, timestamp, event.body),
      },
      body: event.body,
      redirect: "manual",
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    await response.body?.cancel();
    return response.ok ? null : `status ${response.status}`;
  } catch (error) {
    return error instanceof Error && error.name === "TimeoutError" ? "timeout" : "unreachable";
  }
}
