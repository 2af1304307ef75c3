/** JSON error bodies for every HTTP refusal: `{error: {code, message}}`, under the code's one HTTP status. */
import type { ErrorCode } from "../../shared/codes";
import type { ErrorEvent } from "../../shared/events";

/** The status of each code an HTTP answer may carry besides 400 (the request itself was wrong). */
const STATUS: Partial<Record<ErrorCode, number>> = {
  unauthenticated: 401,
  forbidden: 403,
  forbidden_origin: 403,
  banned: 403,
  muted: 403,
  not_found: 404,
  no_such_message: 404,
  already_stored: 409,
  rejected: 422,
  body_too_large: 413,
  file_too_large: 413,
  length_required: 411,
  upgrade_required: 426,
  too_many_connections: 429,
  too_many_requests: 429,
  internal: 500,
};

/** An HTTP error response with Parley's JSON error body, from a refusal or a validation error. */
export function httpError(error: ErrorEvent): Response {
  return Response.json({ error: { code: error.code, message: error.message } }, { status: STATUS[error.code] ?? 400 });
}
