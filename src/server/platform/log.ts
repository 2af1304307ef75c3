/**
 * Structured logs: one JSON line per connect, join, leave, refusal and error,
 * each with the room and connection id. In a big room, joins and leaves are
 * summed up instead, one "presence" line per presence window (see
 * LOG_EACH_MEMBER_BELOW): a line per member of a room of thousands costs more
 * than the join itself. Message text is left out unless the LOG_DEBUG var is
 * "true" (then a "message" line per message carries it): chat content is the
 * users', not the operator's.
 */
export type LogEvent = "connect" | "join" | "leave" | "presence" | "refusal" | "error" | "message";

/** Rooms smaller than this log each join and leave; bigger ones, one line per presence window. */
export const LOG_EACH_MEMBER_BELOW = 100;

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
