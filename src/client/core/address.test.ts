import { describe, expect, it } from "vitest";
import { validateId } from "../../shared/validate";
import { colorSlot, hashForInvite, hashForRoom, initials, inviteFromHash, newMessageId, roomFromHash, tokenName } from "./address";

describe("room addresses", () => {
  it("round-trips room names through the hash", () => {
    for (const room of ["8888", "team blue", "a#b", "100%", "ünïcødé 🎉", "x?y=z&w", "user@host:1"]) {
      expect(roomFromHash(hashForRoom(room))).toBe(room);
    }
    expect(hashForRoom("8888")).toBe("#8888");
    expect(hashForRoom("team blue")).toBe("#team%20blue");
  });

  it("reads hand-written hashes and rejects empty or broken ones", () => {
    expect(roomFromHash("#8888")).toBe("8888");
    expect(roomFromHash("8888")).toBe("8888");
    expect(roomFromHash("#")).toBeNull();
    expect(roomFromHash("")).toBeNull();
    expect(roomFromHash("#%E0%A4%A")).toBeNull();
    expect(roomFromHash("#%20%20")).toBeNull();
  });
});

describe("nick helpers", () => {
  it("gives a nick the same colour every time", () => {
    expect(colorSlot("batman")).toBe(colorSlot("batman"));
    const slots = new Set(["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"].map((n) => colorSlot(n)));
    expect(slots.size).toBeGreaterThan(3);
    for (const s of slots) expect(s).toBeLessThan(8);
  });

  it("makes initials", () => {
    expect(initials("batman")).toBe("B");
    expect(initials("bruce  wayne jr")).toBe("BW");
    expect(initials("🦇man")).toBe("🦇");
    expect(initials("  ")).toBe("?");
  });
});

describe("newMessageId", () => {
  it("makes ids the protocol accepts", () => {
    const id = newMessageId((n) => crypto.getRandomValues(new Uint8Array(n)));
    expect(id).toMatch(/^[0-9a-z]{20}$/);
    expect(validateId(id).ok).toBe(true);
    expect(newMessageId((n) => new Uint8Array(n))).toBe("0".repeat(20));
  });
});

describe("invite links", () => {
  const token = `${btoa(JSON.stringify({ alg: "HS256" }))}.${btoa(JSON.stringify({ name: "Zoe", sub: "u1" })).replace(/=+$/, "")}.sig`;

  it("carry the room and the token in the fragment, and read back", () => {
    const hash = hashForInvite("private-team blue", token);
    expect(hash).toBe(`#private-team%20blue&token=${token}`);
    expect(inviteFromHash(hash)).toEqual({ room: "private-team blue", token });
    expect(inviteFromHash("#8888")).toBeNull();
  });

  it("read the token's name for display, and nothing from a token that is not one", () => {
    const utf8 = `x.${btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify({ name: "Zoë ✓" })))).replace(/=+$/, "")}.y`;
    expect(tokenName(utf8)).toBe("Zoë ✓");
    expect(tokenName("not-a-token")).toBeUndefined();
    expect(tokenName("a.!!!.b")).toBeUndefined();
  });
});
