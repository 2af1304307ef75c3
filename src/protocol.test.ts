import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "./limits";
import {
  codePoints,
  encode,
  formatFromOffer,
  parseClientFrame,
  parseConnectParams,
  refOf,
  toTextLine,
  validateNick,
  validateRoom,
  validateSince,
  validateText,
  type MessageEvent,
} from "./protocol";

const message: MessageEvent = {
  type: "message",
  room: "8888",
  seq: 1,
  id: "m1",
  from: { id: "u1", nick: "batman" },
  text: "hello",
  ts: 0,
};

describe("parseClientFrame", () => {
  it("accepts the seed's three frames", () => {
    expect(parseClientFrame('{"action":"join","msg":"8888","nick":"batman"}')).toEqual({
      ok: true,
      value: { action: "join", msg: "8888", nick: "batman" },
    });
    expect(parseClientFrame('{"action":"send_to_room","msg":"hello","nick":"batman"}')).toEqual({
      ok: true,
      value: { action: "send_to_room", msg: "hello" },
    });
    expect(parseClientFrame('{"action":"leave","msg":"","nick":"batman"}')).toEqual({ ok: true, value: { action: "leave" } });
  });

  it("trims room and nick on join and keeps since", () => {
    expect(parseClientFrame('{"action":"join","msg":" 8888 ","nick":" batman ","since":41}')).toEqual({
      ok: true,
      value: { action: "join", msg: "8888", nick: "batman", since: 41 },
    });
  });

  it("keeps a send's id and text exactly as sent", () => {
    expect(parseClientFrame('{"action":"send_to_room","msg":"  two\\nlines ","id":"c-1"}')).toEqual({
      ok: true,
      value: { action: "send_to_room", msg: "  two\nlines ", id: "c-1" },
    });
  });

  it.each([
    ["not JSON", "{", "bad_json"],
    ["a string", '"join"', "bad_frame"],
    ["null", "null", "bad_frame"],
    ["an array", "[]", "bad_frame"],
    ["no action", "{}", "unknown_action"],
    ["an unknown action", '{"action":"kick"}', "unknown_action"],
    ["a non-string nick", '{"action":"leave","nick":1}', "invalid_nick"],
    ["a join without room", '{"action":"join","nick":"n"}', "invalid_room"],
    ["a join with a slash in the room", '{"action":"join","msg":"a/b","nick":"n"}', "invalid_room"],
    ["a join with a control character in the nick", '{"action":"join","msg":"r","nick":"a\\u0007b"}', "invalid_nick"],
    ["a join with a fractional since", '{"action":"join","msg":"r","nick":"n","since":1.5}', "invalid_since"],
    ["a send without msg", '{"action":"send_to_room"}', "invalid_message"],
    ["a blank send", '{"action":"send_to_room","msg":" \\n "}', "invalid_message"],
    ["a send with an empty id", '{"action":"send_to_room","msg":"x","id":""}', "invalid_id"],
    ["a send with a numeric id", '{"action":"send_to_room","msg":"x","id":7}', "invalid_id"],
  ])("refuses %s", (_name, frame, code) => {
    const result = parseClientFrame(frame);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it("refers errors to the frame's id", () => {
    const result = parseClientFrame('{"action":"send_to_room","msg":"","id":"c-9"}');
    expect(result).toMatchObject({ ok: false, error: { code: "invalid_message", ref: "c-9" } });
  });
});

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

  it("parses direct socket queries", () => {
    expect(parseConnectParams(new URLSearchParams("room=8888&nick=batman&since=3"))).toEqual({
      ok: true,
      value: { room: "8888", nick: "batman", since: 3 },
    });
    expect(parseConnectParams(new URLSearchParams("room=8888")).ok).toBe(false);
  });
});

describe("refOf", () => {
  it("finds a frame's id without validating the rest", () => {
    expect(refOf('{"action":"send_to_room","msg":"x","id":"c-1"}')).toBe("c-1");
    expect(refOf('{"action":"nope","id":"c-2"}')).toBe("c-2");
  });

  it("gives nothing for frames without a usable id", () => {
    for (const frame of ['{"msg":"x"}', '{"id":7}', "not json \"id\"", `{"id":"${"i".repeat(65)}"}`]) expect(refOf(frame)).toBeUndefined();
    expect(refOf(new ArrayBuffer(4))).toBeUndefined();
  });
});

describe("rendering", () => {
  it("renders the seed's text lines", () => {
    expect(toTextLine({ type: "joined", room: "8888", self: message.from, members: [], history: [], lastSeq: 0 }, "batman")).toBe(
      "batman join room 8888 success .",
    );
    expect(toTextLine(message, "robin")).toBe("batman : hello");
    expect(toTextLine({ type: "left", room: "8888" }, "batman")).toBe("batman leave room 8888 success .");
    expect(toTextLine({ type: "error", code: "not_in_room", message: "join a room first" }, "x")).toBe("error: join a room first");
    expect(toTextLine({ type: "presence", room: "8888", event: "join", member: message.from, count: 1 }, "x")).toBeNull();
  });

  it("renders JSON events as one object per frame", () => {
    expect(JSON.parse(encode(message, "json", "x")!)).toEqual(message);
  });

  it("picks JSON only when parley.v1 is offered", () => {
    expect(formatFromOffer(null)).toBe("text");
    expect(formatFromOffer("chat, parley.v1")).toBe("json");
    expect(formatFromOffer("parley.v2")).toBe("text");
  });
});
