/** JSON error bodies for every HTTP refusal: `{error: {code, message}}`. */
import type { ErrorCode, ErrorEvent } from "./protocol";

/** An HTTP error response with Parley's JSON error body. */
export function httpError(status: number, code: ErrorCode, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

/** The same, from a validation result's error event. */
export function httpErrorFrom(status: number, error: ErrorEvent): Response {
  return httpError(status, error.code, error.message);
}
