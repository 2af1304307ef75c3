/**
 * Structured logs: one JSON line per connect, join, leave, refusal and error,
 * each with the room and connection id. Message text is left out unless the
 * LOG_DEBUG var is "true" (then a "message" line per message carries it):
 * chat content is the users', not the operator's.
 */
export type LogEvent = "connect" | "join" | "leave" | "refusal" | "error" | "message";

export interface LogFields {
  room?: string;
  conn?: string;
  code?: string;
  [key: string]: unknown;
}

/** Writes one structured log line. */
export function log(event: LogEvent, fields: LogFields): void {
  const line = JSON.stringify({ event, ...fields });
  if (event === "error") console.error(line);
  else console.log(line);
}

/** Whether message text may appear in logs. */
export function debugEnabled(env: { LOG_DEBUG?: string }): boolean {
  return env.LOG_DEBUG === "true";
}
