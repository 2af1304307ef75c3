/**
 * The before-send hook's vars (README; docs/webhooks.md, "Before-send hook").
 * The hook is on when BEFORE_SEND_URL is set; its requests are signed with
 * WEBHOOK_SECRET, the way webhooks are.
 */
import type { Env } from "../../env";

/** What a slow or failing hook means: `open` stores the message as sent, `closed` refuses it. */
export type FailMode = "open" | "closed";

export interface BeforeSendConfig {
  url: string;
  secret: string | undefined;
  timeoutMs: number;
  fail: FailMode;
}

export const DEFAULT_BEFORE_SEND_TIMEOUT_MS = 1500;

/**
 * `open` unless the operator says `closed`: a hook that is down should not
 * silence every room it screens. An operator whose hook is a legal
 * requirement (nothing unscreened may be shown) sets `closed`.
 */
export const DEFAULT_FAIL_MODE: FailMode = "open";

export function beforeSendConfig(env: Env): BeforeSendConfig | undefined {
  if (!env.BEFORE_SEND_URL) return undefined;
  const timeout = Number(env.BEFORE_SEND_TIMEOUT_MS);
  return {
    url: env.BEFORE_SEND_URL,
    secret: env.WEBHOOK_SECRET,
    timeoutMs: Number.isInteger(timeout) && timeout > 0 ? timeout : DEFAULT_BEFORE_SEND_TIMEOUT_MS,
    fail: env.BEFORE_SEND_FAIL === "closed" ? "closed" : env.BEFORE_SEND_FAIL === "open" ? "open" : DEFAULT_FAIL_MODE,
  };
}
