import { describe, expect, it } from "vitest";
import { connectQuery, parseClientFrame, parseConnectParams, refOf } from "./frames";

describe("parseClientFrame", () => {
  it("accepts the three original frames", () => {
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

  it("ignores the nick of a send or a leave, whatever its type: a member speaks under the nick it joined with", () => {
    expect(parseClientFrame('{"action":"send_to_room","msg":"hi","nick":7}')).toEqual({
      ok: true,
      value: { action: "send_to_room", msg: "hi" },
    });
    expect(parseClientFrame('{"action":"leave","nick":null}')).toEqual({ ok: true, value: { action: "leave" } });
  });

  it("trims room and nick on join and keeps since", () => {
    expect(parseClientFrame('{"action":"join","msg":" 8888 ","nick":" batman ","since":41}')).toEqual({
      ok: true,
      value: { action: "join", msg: "8888", nick: "batman", since: 41 },
    });
  });

  it("keeps a send's mentions without repeats, and drops an empty list", () => {
    expect(parseClientFrame('{"action":"send_to_room","msg":"hi","mentions":["a","b","a"]}')).toEqual({
      ok: true,
      value: { action: "send_to_room", msg: "hi", mentions: ["a", "b"] },
    });
    expect(parseClientFrame('{"action":"send_to_room","msg":"hi","mentions":[]}')).toEqual({
      ok: true,
      value: { action: "send_to_room", msg: "hi" },
    });
    expect(parseClientFrame('{"action":"read","seq":7}')).toEqual({ ok: true, value: { action: "read", seq: 7 } });
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
    ["an unknown action", '{"action":"dance"}', "unknown_action"],
    ["a join with a non-string nick", '{"action":"join","msg":"r","nick":1}', "invalid_nick"],
    ["a join with a short key", '{"action":"join","msg":"r","nick":"n","key":"abc"}', "invalid_key"],
    ["a join without room", '{"action":"join","nick":"n"}', "invalid_room"],
    ["a join with a slash in the room", '{"action":"join","msg":"a/b","nick":"n"}', "invalid_room"],
    ["a join with a control character in the nick", '{"action":"join","msg":"r","nick":"a\\u0007b"}', "invalid_nick"],
    ["a join with a fractional since", '{"action":"join","msg":"r","nick":"n","since":1.5}', "invalid_since"],
    ["a send without msg", '{"action":"send_to_room"}', "invalid_message"],
    ["a blank send", '{"action":"send_to_room","msg":" \\n "}', "invalid_message"],
    ["a send with an empty id", '{"action":"send_to_room","msg":"x","id":""}', "invalid_id"],
    ["a send with a numeric id", '{"action":"send_to_room","msg":"x","id":7}', "invalid_id"],
    ["a search without q", '{"action":"search"}', "invalid_query"],
    ["a search without a word in it", '{"action":"search","q":" ?! "}', "invalid_query"],
    ["a search over 200 characters", `{"action":"search","q":"${"x".repeat(201)}"}`, "invalid_query"],
    ["a search before seq 0", '{"action":"search","q":"x","before":0}', "bad_frame"],
    ["a search with a limit over 50", '{"action":"search","q":"x","limit":51}', "bad_frame"],
    ["a send with mentions that are no array", '{"action":"send_to_room","msg":"x","mentions":"m"}', "bad_frame"],
    [
      "a send with 21 mentions",
      `{"action":"send_to_room","msg":"x","mentions":${JSON.stringify(Array.from({ length: 21 }, (_, i) => `m${i}`))}}`,
      "bad_frame",
    ],
    ["a send with an empty mention", '{"action":"send_to_room","msg":"x","mentions":[""]}', "bad_frame"],
    ["a read without seq", '{"action":"read"}', "bad_frame"],
    ["a read of seq 0", '{"action":"read","seq":0}', "bad_frame"],
  ])("refuses %s", (_name, frame, code) => {
    const result = parseClientFrame(frame);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it("keeps a search's words trimmed, and its before, limit and id", () => {
    expect(parseClientFrame('{"action":"search","q":"  fox hunt ","before":9,"limit":5,"id":"q-1"}')).toEqual({
      ok: true,
      value: { action: "search", q: "fox hunt", before: 9, limit: 5, id: "q-1" },
    });
  });

  it("refers errors to the frame's id", () => {
    const result = parseClientFrame('{"action":"send_to_room","msg":"","id":"c-9"}');
    expect(result).toMatchObject({ ok: false, error: { code: "invalid_message", ref: "c-9" } });
  });
});

describe("direct socket queries", () => {
  it("parses a direct socket query", () => {
    expect(parseConnectParams(new URLSearchParams("room=8888&nick=batman&since=3"))).toEqual({
      ok: true,
      value: { room: "8888", nick: "batman", since: 3 },
    });
    expect(parseConnectParams(new URLSearchParams("room=8888")).ok).toBe(false);
  });

  it("writes a query that parses back to the same params", () => {
    const params = { room: "café 8888", nick: "bat&man", since: 7 };
    expect(parseConnectParams(connectQuery(params))).toEqual({ ok: true, value: params });
  });
});

describe("refOf", () => {
  it("names the id of a frame that parsed, and of one that did not", () => {
    expect(refOf(parseClientFrame('{"action":"send_to_room","msg":"x","id":"c-1"}'))).toBe("c-1");
    expect(refOf(parseClientFrame('{"action":"nope","id":"c-2"}'))).toBe("c-2");
  });

  it("gives nothing for frames without a usable id", () => {
    for (const frame of ['{"action":"leave"}', '{"id":7}', 'not json "id"', `{"id":"${"i".repeat(65)}"}`]) {
      expect(refOf(parseClientFrame(frame))).toBeUndefined();
    }
    expect(refOf(parseClientFrame(new ArrayBuffer(4)))).toBeUndefined();
  });
});
