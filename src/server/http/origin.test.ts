import { describe, expect, it } from "vitest";
import { originAllowed, parseAllowedOrigins } from "./origin";

const page = "https://chat.example.com/ws?room=1&nick=a";

describe("originAllowed", () => {
  it("allows requests with no Origin (non-browser clients)", () => {
    expect(originAllowed(null, page, new Set())).toBe(true);
  });

  it("allows the page's own origin", () => {
    expect(originAllowed("https://chat.example.com", page, new Set())).toBe(true);
    expect(originAllowed("HTTPS://Chat.Example.com", page, new Set())).toBe(true);
  });

  it("refuses another site, a different scheme or port, and the literal null origin", () => {
    for (const o of ["https://evil.example", "http://chat.example.com", "https://chat.example.com:8443", "null"]) {
      expect(originAllowed(o, page, new Set()), o).toBe(false);
    }
  });

  it("allows the origins listed in ALLOWED_ORIGINS", () => {
    const allowed = parseAllowedOrigins(" https://app.example , https://other.example/ ,, ");
    expect([...allowed]).toEqual(["https://app.example", "https://other.example"]);
    expect(originAllowed("https://app.example", page, allowed)).toBe(true);
    expect(originAllowed("https://nope.example", page, allowed)).toBe(false);
  });
});
