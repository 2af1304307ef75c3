import { describe, expect, it } from "vitest";
import type { JoinedEvent, MessageEvent, StoredEvent } from "../../shared/events";
import { DEFAULT_LIMITS, publicLimits } from "../../shared/limits";
import { Timeline } from "./timeline";

const msg = (seq: number): MessageEvent => ({
  type: "message",
  room: "8888",
  seq,
  id: `m${seq}`,
  from: { id: "u1", nick: "batman" },
  text: `hello ${seq}`,
  ts: seq * 1000,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));
const joined = (history: StoredEvent[], lastSeq: number, more?: boolean): JoinedEvent => ({
  type: "joined",
  room: "8888",
  self: { id: "me", nick: "robin", role: "member" },
  members: [],
  count: 1,
  history,
  lastSeq,
  limits: publicLimits(DEFAULT_LIMITS),
  ...(more ? { more } : {}),
});
const seqs = (ms: StoredEvent[]) => ms.map((m) => m.seq);

describe("Timeline", () => {
  it("asks for no since before the first joined, then resumes from the newest seq", () => {
    const t = new Timeline();
    expect(t.since()).toBeUndefined();
    expect(seqs(t.joined(joined(range(51, 100), 100), false))).toEqual(range(51, 100).map((m) => m.seq));
    expect(t.since()).toBe(100);
    expect(t.live(msg(101))).toBe(true);
    expect(t.since()).toBe(101);
  });

  it("an empty room resumes from 0", () => {
    const t = new Timeline();
    t.joined(joined([], 0), false);
    expect(t.since()).toBe(0);
    expect(t.gap).toBe(false);
  });

  it("shows each seq once, whether it comes live, in a resume or in a page", () => {
    const t = new Timeline();
    t.joined(joined(range(1, 3), 3), false);
    expect(t.live(msg(4))).toBe(true);
    expect(t.live(msg(4))).toBe(false);
    // A resume that overlaps what was seen: only the new ones.
    expect(seqs(t.joined(joined(range(4, 6), 6), true))).toEqual([5, 6]);
    expect(seqs(t.page(range(5, 7)))).toEqual([7]);
    expect(t.live(msg(7))).toBe(false);
  });

  it("returns history in seq order, without repeats inside one batch", () => {
    const t = new Timeline();
    expect(seqs(t.joined(joined([msg(3), msg(1), msg(2), msg(3)], 3), false))).toEqual([1, 2, 3]);
  });

  it("a capped resume leaves a gap; live messages meanwhile do not move the cursor past it", () => {
    const t = new Timeline();
    t.joined(joined(range(1, 10), 10), false);
    // 500 were missed; the resume carries the first 200.
    t.joined(joined(range(11, 210), 510, true), true);
    expect(t.gap).toBe(true);
    expect(t.since()).toBe(210);
    expect(t.live(msg(511))).toBe(true);
    expect(t.since()).toBe(210); // a drop now must still resume from 210
    expect(seqs(t.page(range(211, 410))).length).toBe(200);
    expect(t.since()).toBe(410);
    expect(seqs(t.page(range(411, 511)))).toEqual(range(411, 510).map((m) => m.seq)); // 511 seen live
    expect(t.gap).toBe(false);
    expect(t.since()).toBe(511);
    expect(t.live(msg(512))).toBe(true);
    expect(t.since()).toBe(512);
  });

  it("an empty page closes the gap (the rest was pruned)", () => {
    const t = new Timeline();
    t.joined(joined([], 5), false);
    t.joined(joined(range(6, 8), 900, true), true);
    expect(t.page([])).toEqual([]);
    expect(t.gap).toBe(false);
    expect(t.since()).toBe(900);
  });

  it("a resend's echo of an old message does not move the cursor back", () => {
    const t = new Timeline();
    t.joined(joined(range(1, 20), 20), false);
    expect(t.live(msg(5))).toBe(false);
    expect(t.since()).toBe(20);
  });

  it("older messages fill in before the first one shown without touching the cursor", () => {
    const t = new Timeline();
    t.joined(joined(range(51, 100), 100), false);
    expect(t.oldest()).toBe(51);
    expect(seqs(t.older(range(1, 51)))).toEqual(range(1, 50).map((m) => m.seq));
    expect(t.oldest()).toBe(1);
    expect(t.since()).toBe(100);
  });
});
