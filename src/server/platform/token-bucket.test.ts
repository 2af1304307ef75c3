import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket";

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

  it("forgives earlier refusals once a frame is admitted again", () => {
    const b = new TokenBucket(1, 1, 0);
    expect([b.take(0), b.take(0)]).toEqual(["ok", "limited"]);
    expect(b.take(1000)).toBe("ok");
    expect([b.take(1000), b.take(1000)]).toEqual(["limited", "close"]);
  });
});
