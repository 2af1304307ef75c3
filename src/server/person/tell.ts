/**
 * A room's calls to the object of a person (person.ts): one RPC each, never
 * awaited by the room, so neither a greeting nor a read waits on it. What a
 * call refused or threw is logged (the room and the member's alias, never
 * the sub); the person's list then misses a join, or a marker lags, until
 * the next one.
 */
import type { Result } from "../../shared/validate";
import type { Env } from "../env";
import { logInternal } from "../platform/log";
import type { Attachment } from "../room/attachment";

/** The person a member is: a token member's sub, or undefined for an anonymous member (no object keeps its rooms). */
export function personOf(att: Attachment): string | undefined {
  return att.identity.startsWith("sub:") ? att.id : undefined;
}

/** Tells a person's object they joined `room`, whose newest seq is `lastSeq`. */
export function tellJoined(env: Env, att: Attachment, room: string, lastSeq: number): void {
  const sub = personOf(att);
  if (sub !== undefined) settle(env.PERSONS.getByName(sub).joined(room, lastSeq, Date.now()), "joined", room, att);
}

/** Tells a person's object they read `room` up to `seq`. */
export function tellRead(env: Env, att: Attachment, room: string, seq: number): void {
  const sub = personOf(att);
  if (sub !== undefined) settle(env.PERSONS.getByName(sub).read(room, seq), "read", room, att);
}

function settle(call: Promise<Result<unknown>>, what: string, room: string, att: Attachment): void {
  call.then(
    (result) => {
      if (!result.ok) logInternal(`person.${what}`, new Error(result.error.code), { room, conn: att.alias });
    },
    (error: unknown) => logInternal(`person.${what}`, error, { room, conn: att.alias }),
  );
}
