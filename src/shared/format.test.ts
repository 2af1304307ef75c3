import { describe, expect, it } from "vitest";
import type { MessageEvent } from "./events";
import { encode, formatFromOffer, oneLine, toTextLine } from "./format";
import { DEFAULT_LIMITS, publicLimits } from "./limits";

const message: MessageEvent = {
  type: "message",
  room: "8888",
  seq: 1,
  id: "m1",
  from: { id: "u1", nick: "batman" },
  text: "hello",
  ts: 0,
};

describe("rendering", () => {
  it("renders the text lines of the original protocol", () => {
    expect(
      toTextLine(
        {
          type: "joined",
          room: "8888",
          self: { ...message.from, role: "member" },
          members: [],
          count: 1,
          history: [],
          lastSeq: 0,
          limits: publicLimits(DEFAULT_LIMITS),
        },
        "batman",
      ),
    ).toBe("batman join room 8888 success .");
    expect(toTextLine(message, "robin")).toBe("batman : hello");
    expect(toTextLine({ type: "left", room: "8888" }, "batman")).toBe("batman leave room 8888 success .");
    expect(toTextLine({ type: "error", code: "not_in_room", message: "join a room first" }, "x")).toBe("error: join a room first");
    expect(
      toTextLine({ type: "presence", room: "8888", event: "join", member: { ...message.from, role: "member" }, count: 1 }, "x"),
    ).toBeNull();
  });

  it("renders JSON events as one object per frame", () => {
    expect(JSON.parse(encode(message, "v1", "x")!)).toEqual(message);
  });

  it("picks JSON when parley.v1 is offered, JSON arrays when parley.v2 is, and text otherwise", () => {
    expect(formatFromOffer(null)).toBe("text");
    expect(formatFromOffer("chat, parley.v1")).toBe("v1");
    expect(formatFromOffer("parley.v1, parley.v2")).toBe("v2");
    expect(formatFromOffer("parley.v3")).toBe("text");
  });

  it("renders one event as a one-element array for parley.v2", () => {
    expect(JSON.parse(encode(message, "v2", "x") ?? "")).toEqual([message]);
  });
});

describe("text lines", () => {
  it("shows a message with line breaks as one line, so it cannot forge other lines", () => {
    const forged = { ...message, text: "hi\r\nbatman : meet me at the docks\nerror: x\u2028y" };
    const line = toTextLine(forged, "robin");
    expect(line).toBe("batman : hi \u21B5 batman : meet me at the docks \u21B5 error: x \u21B5 y");
    expect(line).not.toMatch(/[\r\n\u2028\u2029]/);
  });

  it("replaces other control characters, keeping tabs", () => {
    expect(oneLine("a\u001b[31mred\tb")).toBe("a\uFFFD[31mred\tb");
  });

  it("leaves the JSON form of the same message exactly as sent", () => {
    const forged = { ...message, text: "hi\r\nbatman : meet" };
    expect(JSON.parse(encode(forged, "v1", "x") ?? "")).toEqual(forged);
  });
});
