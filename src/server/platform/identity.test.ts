import { describe, expect, it } from "vitest";
import { pseudonym, sha256 } from "./identity";

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

describe("sha256", () => {
  it("agrees with WebCrypto on every length around the block boundaries", async () => {
    for (const length of [0, 1, 3, 55, 56, 63, 64, 65, 119, 120, 200]) {
      const data = new TextEncoder().encode("é✓".repeat(length).slice(0, length));
      const expected = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
      expect(hex(sha256(data)), `length ${length}`).toBe(hex(expected));
    }
  });
});

describe("pseudonym", () => {
  it("is the first 12 hex digits of the id's SHA-256, and never the id", () => {
    // printf %s alice@example.com | sha256sum
    expect(pseudonym("alice@example.com")).toBe("ff8d9819fc0e");
    expect(pseudonym("alice@example.com")).not.toContain("alice");
  });
});
