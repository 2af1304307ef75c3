import { afterEach, describe, expect, it, vi } from "vitest";
import { debugEnabled, log, logInternal } from "./log";

afterEach(() => vi.restoreAllMocks());

describe("log", () => {
  it("writes one JSON line with the event, room, the connection's alias and the code", () => {
    const out = vi.spyOn(console, "log").mockImplementation(() => {});
    log("refusal", { room: "8888", conn: "ff8d9819fc0e", code: "bad_frame" });
    expect(out).toHaveBeenCalledTimes(1);
    expect(JSON.parse(out.mock.calls[0]![0] as string)).toEqual({
      event: "refusal",
      room: "8888",
      conn: "ff8d9819fc0e",
      code: "bad_frame",
    });
  });

  it("writes internal errors to the error stream", () => {
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    log("internal", { room: "8888", where: "commit" });
    expect(JSON.parse(err.mock.calls[0]![0] as string)).toMatchObject({ event: "internal", room: "8888" });
  });

  it("logs a caught error without its message, which may quote what a member sent", () => {
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    logInternal("webSocketMessage", new SyntaxError('Unexpected token, "secret\n    at the docks" is not valid JSON'), {
      room: "8888",
      conn: "abc",
    });
    const line = err.mock.calls[0]![0] as string;
    expect(JSON.parse(line)).toMatchObject({
      event: "internal",
      room: "8888",
      conn: "abc",
      where: "webSocketMessage",
      error: "SyntaxError",
    });
    expect(line).not.toContain("secret");
    expect(line).not.toContain("docks");
  });

  it("allows message text only when LOG_DEBUG is true", () => {
    expect(debugEnabled({})).toBe(false);
    expect(debugEnabled({ LOG_DEBUG: "false" })).toBe(false);
    expect(debugEnabled({ LOG_DEBUG: "true" })).toBe(true);
  });
});
