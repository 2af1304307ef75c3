import { describe, expect, it } from "vitest";
import { echoableCloseCode } from "./socket";

describe("echoableCloseCode", () => {
  it("echoes codes that may be sent on the wire", () => {
    for (const code of [1000, 1001, 1008, 1009, 1011, 1012, 3000, 4999]) expect(echoableCloseCode(code)).toBe(code);
  });

  it("answers reserved and out-of-range codes with 1000", () => {
    for (const code of [1004, 1005, 1006, 1015, 999, 2000, 5000]) expect(echoableCloseCode(code)).toBe(1000);
    expect(echoableCloseCode(undefined)).toBe(1000);
  });
});
