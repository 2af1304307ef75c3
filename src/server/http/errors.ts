/** JSON error bodies for every HTTP refusal: `{error: {code, message}}`. */
import type { ErrorEvent } from "../../shared/events";

/** An HTTP error response with Parley's JSON error body, from a refusal or a validation error. */
export function httpErrorFrom(status: number, error: ErrorEvent): Response {
  return Response.json({ error: { code: error.code, message: error.message } }, { status });
}
