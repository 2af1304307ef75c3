import { describe, expect, it } from "vitest";
import { backoffDelay, DEFAULT_BACKOFF } from "./backoff";

describe("backoffDelay", () => {
  it("doubles from the base up to the cap", () => {
    const top = () => 0.999_999; // the full delay
    const delays = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, top));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it("keeps the jitter between half and all of the delay", () => {
    expect(backoffDelay(3, () => 0)).toBe(2000);
    expect(backoffDelay(3, () => 0.5)).toBe(3000);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(2, Math.random);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });

  it("survives silly attempts: negative, fractional, huge", () => {
    expect(backoffDelay(-3, () => 1)).toBe(DEFAULT_BACKOFF.baseMs);
    expect(backoffDelay(1.7, () => 1)).toBe(1000);
    expect(backoffDelay(10_000, () => 1)).toBe(DEFAULT_BACKOFF.maxMs);
  });

  it("takes other options", () => {
    expect(backoffDelay(2, () => 0, { baseMs: 100, maxMs: 1000, factor: 3, jitter: 0 })).toBe(900);
  });
});
