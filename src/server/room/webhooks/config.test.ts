import { describe, expect, it } from "vitest";
import type { Env } from "../../env";
import { DEFAULT_OUTBOX_MAX, DEFAULT_TIMEOUT_MS, RETRY_MS, webhookConfig } from "./config";

const vars = (more: Partial<Env>) => ({ WEBHOOK_URL: "https://hooks.example/parley", ...more }) as Env;

describe("webhook config", () => {
  it("retries three times within the first minute, then for at least 24 hours in all", () => {
    const waited = (retries: number) => RETRY_MS.slice(0, retries).reduce((sum, wait) => sum + wait, 0);
    expect(waited(3)).toBeLessThan(60_000);
    expect(waited(RETRY_MS.length)).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);
  });

  it("is off without WEBHOOK_URL, and takes the defaults for vars that are missing or malformed", () => {
    expect(webhookConfig({} as Env)).toBeUndefined();
    expect(webhookConfig(vars({ WEBHOOK_OUTBOX_MAX: "lots", WEBHOOK_TIMEOUT_MS: "-1", WEBHOOK_RETRY_MS: "5,x" }))).toEqual({
      url: "https://hooks.example/parley",
      secret: undefined,
      max: DEFAULT_OUTBOX_MAX,
      timeoutMs: DEFAULT_TIMEOUT_MS,
      retryMs: RETRY_MS,
    });
    expect(webhookConfig(vars({ WEBHOOK_OUTBOX_MAX: "50", WEBHOOK_RETRY_MS: "10,20" }))).toMatchObject({ max: 50, retryMs: [10, 20] });
  });
});
