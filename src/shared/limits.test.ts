import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, limitsFrom, presenceWindowMs, REPLY_BYTES_PER_TOKEN, replyCost } from "./limits";

describe("limitsFrom", () => {
  it("uses the defaults when no var is set", () => {
    expect(limitsFrom({})).toEqual(DEFAULT_LIMITS);
  });

  it("reads vars given as strings or numbers", () => {
    expect(limitsFrom({ MAX_MESSAGE_CHARS: "10", RATE_LIMIT_BURST: 3 })).toMatchObject({ MAX_MESSAGE_CHARS: 10, RATE_LIMIT_BURST: 3 });
  });

  it("keeps the default for a var that is not a non-negative number", () => {
    expect(limitsFrom({ MAX_NICK_CHARS: "lots", MAX_ROOM_MEMBERS: "-1" })).toMatchObject({
      MAX_NICK_CHARS: DEFAULT_LIMITS.MAX_NICK_CHARS,
      MAX_ROOM_MEMBERS: DEFAULT_LIMITS.MAX_ROOM_MEMBERS,
    });
  });

  it("allows 0 where 0 means off", () => {
    expect(limitsFrom({ CONNECTS_PER_MINUTE: "0" }).CONNECTS_PER_MINUTE).toBe(0);
  });
});

describe("presenceWindowMs", () => {
  it("is 1 ms per member, from 200 ms to 10 s, as docs/protocol.md says", () => {
    expect([0, 150, 2_000, 10_000, 50_000].map(presenceWindowMs)).toEqual([200, 200, 2_000, 10_000, 10_000]);
  });
});

describe("replyCost", () => {
  it("is one token per REPLY_BYTES_PER_TOKEN bytes of UTF-8, not of string length", () => {
    expect(REPLY_BYTES_PER_TOKEN).toBe(16 * 1024);
    expect(replyCost("a".repeat(16_383))).toBe(0);
    expect(replyCost("a".repeat(16_384))).toBe(1);
    // 2 bytes, 1 unit; 3 bytes, 1 unit; 4 bytes, 2 units.
    expect(replyCost("é".repeat(8_192))).toBe(1);
    expect(replyCost("中".repeat(10_923))).toBe(2);
    expect(replyCost("🙂".repeat(8_192))).toBe(2);
  });

  it("charges nothing for a short frame, whatever its characters", () => {
    expect(replyCost("🙂".repeat(2_730))).toBe(0);
    expect(replyCost("")).toBe(0);
  });
});
