/**
 * Structured logs: one JSON line per relay connection, refusal and error, and
 * per room one "presence" line per presence window: how many came and went
 * (and how many did both within it, whom nobody is told of), the ids of those
 * its event lists, and the member count. Joins and leaves
 * are summed up rather than logged one by one so that a room's log volume is
 * bounded however fast people come and go (a reconnect storm, a big room
 * filling). Message text is left out unless the LOG_DEBUG var is "true"
 * (then a "message" line per message carries it): chat content is the
 * users', not the operator's.
 */
export type LogEvent = "connect" | "presence" | "refusal" | "error" | "message";

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
