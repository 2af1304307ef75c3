import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "./limits";
import { codePoints, validateId, validateNick, validateRoom, validateSince, validateText } from "./validate";

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

describe("one normalisation for names and ids", () => {
  it("keeps a room or nick in NFC, so composed and decomposed spellings are one name", () => {
    const nfd = "cafe\u0301";
    expect(validateRoom(nfd)).toEqual({ ok: true, value: "caf\u00e9" });
    expect(validateNick(` ${nfd} `)).toEqual({ ok: true, value: "caf\u00e9" });
  });

  it.each([
    ["a bidi override", "evil\u202Eecila"],
    ["a bidi isolate", "a\u2066b"],
    ["a zero-width space", "ad\u200Bmin"],
    ["a zero-width joiner between letters", "ad\u200Dmin"],
    ["an unpaired high surrogate", "a\ud800"],
    ["an unpaired low surrogate", "\udbffb"],
    ["a line separator", "a\u2028b"],
  ])("refuses %s in rooms, nicks and ids", (_name, value) => {
    expect(validateRoom(value)).toMatchObject({ ok: false, error: { code: "invalid_room" } });
    expect(validateNick(value)).toMatchObject({ ok: false, error: { code: "invalid_nick" } });
    expect(validateId(value)).toMatchObject({ ok: false, error: { code: "invalid_id" } });
  });

  it("keeps a zero-width joiner inside an emoji sequence", () => {
    expect(validateNick("\u{1F469}\u200D\u{1F4BB} dev")).toEqual({ ok: true, value: "\u{1F469}\u200D\u{1F4BB} dev" });
  });

  it("refuses the rooms . and .., which a URL path cannot name", () => {
    for (const room of [".", "..", " .. "]) expect(validateRoom(room)).toMatchObject({ ok: false, error: { code: "invalid_room" } });
    expect(validateRoom("...").ok).toBe(true);
    expect(validateRoom(".hidden").ok).toBe(true);
  });

  it("keeps an id exactly as sent", () => {
    expect(validateId("cafe\u0301-1")).toEqual({ ok: true, value: "cafe\u0301-1" });
  });

  it("refuses an unpaired surrogate in message text and keeps everything else as sent", () => {
    expect(validateText("hi \ud800")).toMatchObject({ ok: false, error: { code: "invalid_message" } });
    expect(validateText("two\nlines \u202Eand bidi")).toEqual({ ok: true, value: "two\nlines \u202Eand bidi" });
  });
});
