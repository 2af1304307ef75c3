import { afterEach, describe, expect, it, vi } from "vitest";
import { debugEnabled, log } from "./log";

afterEach(() => vi.restoreAllMocks());

describe("log", () => {
  it("writes one JSON line with the event, room and connection id", () => {
    const out = vi.spyOn(console, "log").mockImplementation(() => {});
    log("refusal", { room: "8888", conn: "abc", code: "bad_frame" });
    expect(out).toHaveBeenCalledTimes(1);
    expect(JSON.parse(out.mock.calls[0]![0] as string)).toEqual({ event: "refusal", room: "8888", conn: "abc", code: "bad_frame" });
  });

  it("writes errors to the error stream", () => {
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    log("error", { room: "8888", message: "boom" });
    expect(JSON.parse(err.mock.calls[0]![0] as string)).toMatchObject({ event: "error", room: "8888" });
  });

  it("allows message text only when LOG_DEBUG is true", () => {
    expect(debugEnabled({})).toBe(false);
    expect(debugEnabled({ LOG_DEBUG: "false" })).toBe(false);
    expect(debugEnabled({ LOG_DEBUG: "true" })).toBe(true);
  });
});
