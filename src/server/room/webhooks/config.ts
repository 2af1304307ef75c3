/**
 * The webhook vars (README, "Webhooks"; docs/webhooks.md). Webhooks are on
 * when WEBHOOK_URL is set; without it a room records and sends nothing.
 */
import type { Env } from "../../env";

export interface WebhookConfig {
  url: string;
  /** `whsec_<base64>`; a missing or malformed secret fails every delivery (retried, so nothing is lost until it is fixed). */
  secret: string | undefined;
  /** Events a room's outbox holds at most (and its dead letters): past it, the oldest are shed. */
  max: number;
  /** How long a receiver has to answer one request. */
  timeoutMs: number;
  /** The wait before each retry, in order; an event whose last retry fails is a dead letter. */
  retryMs: readonly number[];
}

export const DEFAULT_OUTBOX_MAX = 10_000;
export const DEFAULT_TIMEOUT_MS = 10_000;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Three retries within the first minute (5 s, 20 s and 50 s after the first
 * attempt), then longer and longer: the last retry is 24 h 36 min after the
 * first attempt, 10 attempts in all.
 */
export const RETRY_MS: readonly number[] = [
  5 * SECOND,
  15 * SECOND,
  30 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  6 * HOUR,
  8 * HOUR,
  8 * HOUR,
];

/** The webhook settings from the vars, or undefined when WEBHOOK_URL is not set. */
export function webhookConfig(env: Env): WebhookConfig | undefined {
  if (!env.WEBHOOK_URL) return undefined;
  return {
    url: env.WEBHOOK_URL,
    secret: env.WEBHOOK_SECRET,
    max: Math.max(1, count(env.WEBHOOK_OUTBOX_MAX) ?? DEFAULT_OUTBOX_MAX),
    timeoutMs: Math.max(1, count(env.WEBHOOK_TIMEOUT_MS) ?? DEFAULT_TIMEOUT_MS),
    retryMs: schedule(env.WEBHOOK_RETRY_MS) ?? RETRY_MS,
  };
}

/** A non-negative integer var; undefined when missing or not one, so a typo keeps the default. */
function count(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** WEBHOOK_RETRY_MS, which only tests set: comma-separated waits in ms. */
function schedule(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const waits = raw.split(",").map(count);
  return waits.length > 0 && waits.every((w) => w !== undefined) ? (waits as number[]) : undefined;
}
