import { describe, expect, it } from "vitest";
import { REFUSAL_WINDOW_MS, TokenBucket } from "./token-bucket";

describe("TokenBucket", () => {
  it("allows a burst, then refuses", () => {
    const b = new TokenBucket(3, 1, 0);
    expect([b.take(0), b.take(0), b.take(0), b.take(0)]).toEqual(["ok", "ok", "ok", "limited"]);
  });

  it("refills at the given rate", () => {
    const b = new TokenBucket(2, 5, 0);
    b.take(0);
    b.take(0);
    expect(b.take(100)).toBe("limited"); // 0.5 token
    expect(b.take(200)).toBe("ok"); // 1 token after 200 ms at 5/s
  });

  it("never holds more than the burst", () => {
    const b = new TokenBucket(2, 100, 0);
    const verdicts = [60_000, 60_000, 60_000].map((t) => b.take(t));
    expect(verdicts).toEqual(["ok", "ok", "limited"]);
  });

  it("says close once a connection keeps flooding past a burst of refusals", () => {
    const b = new TokenBucket(2, 1, 0);
    const verdicts = Array.from({ length: 6 }, () => b.take(0));
    expect(verdicts).toEqual(["ok", "ok", "limited", "limited", "close", "close"]);
  });

  it("says close to a steady flood just over the limit, though every refilled token lets a frame through", () => {
    // 90 frames a second against 5 a second with a burst of 20 (the defaults).
    const b = new TokenBucket(20, 5, 0);
    let closedAt: number | undefined;
    for (let t = 0; t < 5000 && closedAt === undefined; t += 11) if (b.take(t) === "close") closedAt = t;
    expect(closedAt).toBeDefined();
    expect(closedAt).toBeLessThan(1000);
  });

  it("forgives refusals once a window has passed without more", () => {
    const b = new TokenBucket(1, 1, 0);
    expect([b.take(0), b.take(0)]).toEqual(["ok", "limited"]);
    expect(b.take(REFUSAL_WINDOW_MS + 1)).toBe("ok");
    expect([b.take(REFUSAL_WINDOW_MS + 1), b.take(REFUSAL_WINDOW_MS + 1)]).toEqual(["limited", "close"]);
  });

  it("lets a charge run into debt, which delays the next frames, and says when a token is back", () => {
    const b = new TokenBucket(4, 2, 0);
    b.charge(0, 6);
    expect(b.take(0)).toBe("limited");
    expect(b.retryAfterMs(0)).toBe(1500); // from -2 to 1 token at 2 a second
    expect(b.take(1500)).toBe("ok");
  });

  it("never lets debt exceed one burst", () => {
    const b = new TokenBucket(4, 2, 0);
    b.charge(0, 1000);
    expect(b.retryAfterMs(0)).toBe(2500); // from -4, not -996
  });
});
