import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS, MAX_ROOM_CHARS } from "../../shared/limits";
import { ATTACHMENT_LIMIT_BYTES, type Attachment, newMemberId } from "./attachment";

describe("Attachment", () => {
  it("stays far under the platform's 16 KiB at the largest nick and room the defaults allow", () => {
    // Four-byte characters, so the UTF-8 size is the worst case.
    const att: Attachment = {
      id: newMemberId(),
      alias: "ff8d9819fc0e",
      nick: "🦇".repeat(DEFAULT_LIMITS.MAX_NICK_CHARS),
      room: "🦇".repeat(MAX_ROOM_CHARS),
      sender: `key:${"f".repeat(32)}`,
      role: "moderator",
      identity: `addr:${"f".repeat(32)}`,
      format: "v1",
      left: true,
    };
    const bytes = new TextEncoder().encode(JSON.stringify({ parley: att })).length;
    expect(bytes).toBeLessThan(1024);
    expect(bytes).toBeLessThan(ATTACHMENT_LIMIT_BYTES);
  });

  it("gives every connection its own 16-hex-character member id", () => {
    const ids = new Set(Array.from({ length: 1000 }, newMemberId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });
});
