import { describe, expect, it } from "vitest";
import { pseudonym } from "./identity";

describe("pseudonym", () => {
  it("is the first 12 hex digits of the id's SHA-256, and never the id", async () => {
    // printf %s alice@example.com | sha256sum
    expect(await pseudonym("alice@example.com")).toBe("ff8d9819fc0e");
    expect(await pseudonym("alice@example.com")).not.toContain("alice");
  });
});
