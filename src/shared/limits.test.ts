import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, limitsFrom, presenceWindowMs } from "./limits";

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
