import { describe, expect, it } from "vitest";
import { Outbox, type OutboxEntry, parseOutbox } from "./outbox";

const entry = (id: string, room = "8888"): OutboxEntry => ({ id, room, text: `text ${id}`, createdAt: 1 });

describe("Outbox", () => {
  it("keeps entries in the order they were typed and ignores a repeated id", () => {
    const box = new Outbox();
    expect(box.add(entry("a"))).toBe(true);
    box.add(entry("b"));
    expect(box.add(entry("a"))).toBe(false);
    expect(box.pending("8888").map((e) => e.id)).toEqual(["a", "b"]);
    expect(box.size).toBe(2);
  });

  it("takes at most a window of unanswered entries, oldest first", () => {
    const box = new Outbox(["a", "b", "c", "d"].map((id) => entry(id)));
    expect(box.take("8888", 2).map((e) => e.id)).toEqual(["a", "b"]);
    expect(box.take("8888", 2)).toEqual([]);
    box.ack("a");
    expect(box.take("8888", 2).map((e) => e.id)).toEqual(["c"]);
    expect(box.inFlight("8888")).toBe(2);
  });

  it("only sends an entry to the room it was typed in", () => {
    const box = new Outbox([entry("a", "one"), entry("b", "two")]);
    expect(box.take("two", 5).map((e) => e.id)).toEqual(["b"]);
    expect(box.pending("one").map((e) => e.id)).toEqual(["a"]);
  });

  it("sends everything again after a drop, until the server confirms it", () => {
    const box = new Outbox([entry("a"), entry("b")]);
    box.take("8888", 5);
    box.unsendAll();
    expect(box.take("8888", 5).map((e) => e.id)).toEqual(["a", "b"]);
    expect(box.ack("a")?.text).toBe("text a");
    expect(box.ack("a")).toBeUndefined();
    box.unsendAll();
    expect(box.take("8888", 5).map((e) => e.id)).toEqual(["b"]);
  });

  it("puts a rate-limited entry back, and drops a refused one", () => {
    const box = new Outbox([entry("a"), entry("b")]);
    box.take("8888", 5);
    box.unsend("a");
    expect(box.take("8888", 5).map((e) => e.id)).toEqual(["a"]);
    expect(box.remove("b")?.id).toBe("b");
    expect(box.entries().map((e) => e.id)).toEqual(["a"]);
  });
});

describe("parseOutbox", () => {
  it("round-trips entries and skips anything malformed", () => {
    const saved = JSON.stringify([entry("a"), { id: 1 }, null, entry("b", "x")]);
    expect(parseOutbox(saved)).toEqual([entry("a"), entry("b", "x")]);
    expect(parseOutbox(null)).toEqual([]);
    expect(parseOutbox("{not json")).toEqual([]);
    expect(parseOutbox('{"a":1}')).toEqual([]);
  });

  it("keeps a reply's replyTo, and drops a malformed one but not its message", () => {
    const reply: OutboxEntry = { ...entry("r"), replyTo: 42 };
    expect(parseOutbox(JSON.stringify([reply]))).toEqual([reply]);
    const bad = [
      { ...entry("a"), replyTo: "42" },
      { ...entry("b"), replyTo: 0 },
      { ...entry("c"), replyTo: 1.5 },
    ];
    expect(parseOutbox(JSON.stringify(bad))).toEqual([entry("a"), entry("b"), entry("c")]);
  });
});
