/**
 * Structured logs: one JSON line per relay connection, refusal and internal
 * error, and
 * per room one "presence" line per presence window: how many came and went
 * (and how many did both within it, whom nobody is told of), the ids of those
 * its event lists, and the member count. A member is named by its alias, the
 * pseudonym of its id (platform/identity.ts, worked out at admission), never
 * by its id: a token member's id is its `sub`, which may be an e-mail address. Joins and leaves
 * are summed up rather than logged one by one so that a room's log volume is
 * bounded however fast people come and go (a reconnect storm, a big room
 * filling). A room that adds or drops a shard object says so ("shard"), and
 * one whose webhook outbox sheds events or gives one up says so ("webhook").
 * Message text is left out unless the LOG_DEBUG var is "true"
 * (then a "message" line per message carries it): chat content is the
 * users', not the operator's.
 */
type LogEvent = "connect" | "presence" | "refusal" | "internal" | "message" | "shard" | "webhook";

interface LogFields {
  room?: string;
  /** A connection: its member's alias (Attachment.alias), or the relay's own random id. */
  conn?: string;
  /** Members, by their aliases. */
  conns?: string[];
  code?: string;
  [key: string]: unknown;
}

/** Writes one structured log line. */
export function log(event: LogEvent, fields: LogFields): void {
  const line = JSON.stringify({ event, ...fields });
  if (event === "internal") console.error(line);
  else console.log(line);
}

/** Whether message text may appear in logs. */
export function debugEnabled(env: { LOG_DEBUG?: string }): boolean {
  return env.LOG_DEBUG === "true";
}

/** A stack frame as V8 writes it. */
const FRAME = /^\s+at .*:\d+:\d+\)?$/;

/**
 * Logs an error an entry point caught, once: where, the error's name and its
 * stack's frames. Never its message, which may quote what a member sent.
 */
export function logInternal(where: string, error: unknown, fields: LogFields): void {
  // Only the "at …:line:column" lines: a message may span lines of its own.
  const frames = error instanceof Error ? error.stack?.split("\n").flatMap((line) => (FRAME.test(line) ? [line.trim()] : [])) : undefined;
  log("internal", { ...fields, where, error: error instanceof Error ? error.name : typeof error, stack: frames });
}
