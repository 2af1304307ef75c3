import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "./limits";
import { codePoints, validateNick, validateRoom, validateSince, validateText } from "./validate";

describe("field rules", () => {
  it("counts code points, so an emoji is one character", () => {
    expect(codePoints("🦇🦇")).toBe(2);
    expect(validateNick("🦇".repeat(32)).ok).toBe(true);
    expect(validateNick("🦇".repeat(33)).ok).toBe(false);
  });

  it("limits message text by MAX_MESSAGE_CHARS", () => {
    const limits = { ...DEFAULT_LIMITS, MAX_MESSAGE_CHARS: 5 };
    expect(validateText("12345", limits).ok).toBe(true);
    expect(validateText("123456", limits).ok).toBe(false);
    expect(validateText("你好你好你", limits).ok).toBe(true);
  });

  it("allows 64-character rooms and not 65", () => {
    expect(validateRoom("r".repeat(64))).toEqual({ ok: true, value: "r".repeat(64) });
    expect(validateRoom("r".repeat(65)).ok).toBe(false);
  });

  it("reads since from numbers and decimal strings only", () => {
    expect(validateSince("12")).toEqual({ ok: true, value: 12 });
    expect(validateSince(undefined)).toEqual({ ok: true, value: undefined });
    expect(validateSince("1e3").ok).toBe(false);
    expect(validateSince(-1).ok).toBe(false);
  });
});
