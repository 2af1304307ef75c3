import { describe, expect, it } from "vitest";
import type { Member, ReactionEvent } from "../../shared/events";
import { Reactions } from "./reactions";

const alice: Member = { id: "a1", nick: "alice" };
const bob: Member = { id: "b1", nick: "bob" };

function reaction(seq: number, target: number, emoji: string, from: Member, on = true): ReactionEvent {
  return { type: "reaction", room: "r", seq, target, emoji, from, on, ts: seq };
}

describe("Reactions", () => {
  it("counts who has each emoji on, in the order emoji were first used; mine is self's", () => {
    const r = new Reactions();
    expect(r.apply(reaction(2, 1, "👍", alice))).toBe(true);
    r.apply(reaction(3, 1, "🎉", bob));
    r.apply(reaction(4, 1, "👍", bob));
    expect(r.of(1, "b1")).toEqual([
      { emoji: "👍", count: 2, mine: true, nicks: ["alice", "bob"] },
      { emoji: "🎉", count: 1, mine: true, nicks: ["bob"] },
    ]);
    expect(r.of(1, "a1").map((c) => c.mine)).toEqual([true, false]);
    expect(r.of(1).map((c) => c.mine)).toEqual([false, false]);
    expect(r.of(99)).toEqual([]);
  });

  it("takes a reaction back, and drops an emoji nobody has on", () => {
    const r = new Reactions();
    r.apply(reaction(2, 1, "👍", alice));
    r.apply(reaction(3, 1, "😮", alice));
    expect(r.apply(reaction(4, 1, "👍", alice, false))).toBe(true);
    expect(r.of(1, "a1")).toEqual([{ emoji: "😮", count: 1, mine: true, nicks: ["alice"] }]);
  });

  it("keeps each member's newest vote whatever order the events arrive in, and each seq once", () => {
    const r = new Reactions();
    // The "off" at seq 9 came live; the "on" at seq 5 arrives later, in a page of older events.
    r.apply(reaction(9, 1, "👍", alice, false));
    expect(r.apply(reaction(5, 1, "👍", alice))).toBe(false);
    expect(r.of(1)).toEqual([]);
    // And the same event twice (a resume overlapping what was shown) counts once.
    r.apply(reaction(10, 1, "❤️", bob));
    expect(r.apply(reaction(10, 1, "❤️", bob))).toBe(false);
    expect(r.of(1).map((c) => c.count)).toEqual([1]);
  });

  it("a deleted message shows no reactions, even ones that arrive after the delete", () => {
    const r = new Reactions();
    r.apply(reaction(2, 1, "👍", alice));
    r.clear(1);
    expect(r.of(1)).toEqual([]);
    expect(r.apply(reaction(3, 1, "👍", bob))).toBe(false);
    expect(r.of(1)).toEqual([]);
  });
});
