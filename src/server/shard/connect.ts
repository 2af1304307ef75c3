/**
 * The worker's way into a room for a socket (a direct one, or the relay's
 * upstream): the upgrade goes to the room's object; a room past
 * ROOM_SHARD_MEMBERS answers with a placement instead (room/placement.ts),
 * and the upgrade goes on to the shard named, with the member the room
 * admitted. Either way the response is returned untouched.
 */
import type { Env } from "../env";
import { ADMITTED_HEADER, PLACEMENT_HEADER, shardName } from "./batch";

export async function connectRoom(env: Env, room: string, request: Request): Promise<Response> {
  const answer = await env.ROOMS.getByName(room).fetch(request);
  const index = answer.headers.get(PLACEMENT_HEADER);
  const admitted = answer.headers.get(ADMITTED_HEADER);
  if (answer.webSocket || index === null || admitted === null) return answer;
  // Only the worker reaches a shard, and it sets this header itself: what a client sent under that name is replaced.
  const headers = new Headers(request.headers);
  headers.set(ADMITTED_HEADER, admitted);
  return env.SHARDS.getByName(shardName(room, Number(index))).fetch(new Request(request.url, { headers }));
}
