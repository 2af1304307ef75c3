import type { ServerEvent } from "../src/shared/events";

/** A type guard for one kind of event: `events.filter(isEvent("message"))`. */
export function isEvent<T extends ServerEvent["type"]>(type: T): (e: ServerEvent) => e is Extract<ServerEvent, { type: T }> {
  return (e): e is Extract<ServerEvent, { type: T }> => e.type === type;
}
