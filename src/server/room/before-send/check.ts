/**
 * The before-send hook (BEFORE_SEND_URL): each message, and each edit, is
 * shown to the operator's endpoint before it is stored, signed the Standard
 * Webhooks way. It answers `{"allow": true}`, `{"allow": false, "reason"}`
 * (refused: the sender is told `rejected` and the reason; nothing stored) or
 * `{"allow": true, "text"}` (stored as replaced). No answer within
 * BEFORE_SEND_TIMEOUT_MS, another status, or an answer of another shape is a
 * failure, which BEFORE_SEND_FAIL decides. A check never throws.
 */
import type { Member, ReplyRef } from "../../../shared/events";
import type { Limits } from "../../../shared/limits";
import { validateText } from "../../../shared/validate";
import { log } from "../../platform/log";
import { signature, signingKey } from "../webhooks/signature";
import type { BeforeSendConfig } from "./config";

/** What the hook is shown: a message about to be stored, or an edit's new text (`edit`: the seq it changes). */
export interface Draft {
  room: string;
  from: Member;
  text: string;
  id?: string;
  replyTo?: ReplyRef;
  mentions?: string[];
  edit?: number;
}

export type Verdict = { allow: true; text: string } | { allow: false; reason: string };

/** The longest reason kept of a refusal. */
const MAX_REASON_CHARS = 200;

export class BeforeSend {
  private key: Promise<CryptoKey | undefined> | undefined;

  constructor(
    private readonly config: BeforeSendConfig | undefined,
    private readonly limits: Limits,
  ) {}

  /** Whether a hook screens what is said. */
  get on(): boolean {
    return this.config !== undefined;
  }

  /** The hook's verdict on one draft (the text to store, or why not). */
  async check(draft: Draft): Promise<Verdict> {
    const config = this.config;
    if (!config) return { allow: true, text: draft.text };
    try {
      const verdict = this.verdictOf(await this.ask(config, draft), draft.text);
      if (verdict) return verdict;
    } catch {
      // No answer in time, or none at all: the fail mode below.
    }
    log("refusal", { room: draft.room, code: "before_send_failed", fail: config.fail });
    return config.fail === "open"
      ? { allow: true, text: draft.text }
      : { allow: false, reason: "the message could not be checked; try again" };
  }

  private async ask(config: BeforeSendConfig, draft: Draft): Promise<unknown> {
    this.key ??= signingKey(config.secret);
    const key = await this.key;
    const body = JSON.stringify(draft);
    const id = `msg_${crypto.randomUUID()}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
    };
    if (key) headers["webhook-signature"] = await signature(key, id, timestamp, body);
    const response = await fetch(config.url, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(config.timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    return response.json();
  }

  /** The verdict an answer gives, or undefined when it is not one (a failure). */
  private verdictOf(answer: unknown, sent: string): Verdict | undefined {
    if (typeof answer !== "object" || answer === null) return undefined;
    const { allow, text, reason } = answer as Record<string, unknown>;
    if (allow === false)
      return {
        allow: false,
        reason: typeof reason === "string" && reason.trim() ? [...reason].slice(0, MAX_REASON_CHARS).join("") : "refused",
      };
    if (allow !== true) return undefined;
    if (text === undefined) return { allow: true, text: sent };
    // A replacement is a message like any: within the limits, or the answer is no verdict.
    const replaced = validateText(text, this.limits);
    return replaced.ok ? { allow: true, text: replaced.value } : undefined;
  }
}
