import { describe, expect, it } from "vitest";
import { CloseCode, UNSENDABLE_CLOSE_CODES } from "../../shared/codes";
import { echoableCloseCode } from "./socket";

describe("echoableCloseCode", () => {
  it("echoes codes a server may send", () => {
    for (const code of [1000, 1001, 1008, 1009, 1011, 1012, 3000, 4999]) expect(echoableCloseCode(code)).toBe(code);
  });

  it("answers reserved and out-of-range codes with a normal close", () => {
    for (const code of [...UNSENDABLE_CLOSE_CODES, 999, 2000, 5000]) expect(echoableCloseCode(code)).toBe(CloseCode.NORMAL);
    expect(echoableCloseCode(undefined)).toBe(CloseCode.NORMAL);
  });
});
