/**
 * 12. Roles against absent members: a moderator bans and mutes an owner who
 * has left, bans and unbans another moderator who has left, and lifts a ban
 * an owner placed. Fixed: each is refused with `forbidden`, and the owner
 * still gets into its own room.
 */
import type { ServerEvent } from "../lib/events.ts";
import { freshRoom } from "../lib/http.ts";
import { openPeer, type Peer } from "../lib/peer.ts";
import type { Targets } from "../lib/targets.ts";
import { type Role, withToken } from "../lib/tokens.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

const isGreeting = (e: ServerEvent): boolean => e.type === "joined" || e.type === "error";

/** `sub` on a direct JSON socket with a token for `role`: its peer and the greeting's type or error code. */
async function enter(url: string): Promise<{ peer: Peer; greeting: string }> {
  const peer = await openPeer(url, { json: true });
  const e = await peer.until(isGreeting);
  return { peer, greeting: e.type === "error" ? `error ${e.code}` : e.type };
}

/** `sub` enters with `role` and leaves; resolves once the server closed the socket. */
async function cameAndWent(url: string): Promise<void> {
  const { peer } = await enter(url);
  peer.ws.close();
  await peer.closedWith();
}

/** What the room answers `actor`'s moderation frame: the event's type, or `error <code>`. */
async function answer(actor: Peer, frame: object): Promise<string> {
  actor.send(frame);
  const e = await actor.until((e) => e.type === "moderation" || e.type === "error");
  return e.type === "error" ? `error ${e.code}` : e.type;
}

async function run({ main }: Targets): Promise<Verdict> {
  const room = freshRoom("roles");
  const url = (sub: string, role: Role) => withToken(main, room, sub, role);
  await cameAndWent(await url("boss", "owner"));
  await cameAndWent(await url("peer", "moderator"));
  const troll = await enter(await url("troll", "member"));
  const owner = await enter(await url("boss", "owner"));
  const ownerBan = await answer(owner.peer, { action: "ban", member: "troll" });
  owner.peer.ws.close();
  await owner.peer.closedWith();
  troll.peer.terminate();
  const mod = await enter(await url("mod", "moderator"));
  const seen: Record<string, string> = {
    "ban absent owner": await answer(mod.peer, { action: "ban", member: "boss" }),
    "mute absent owner": await answer(mod.peer, { action: "mute", member: "boss" }),
    "ban absent moderator": await answer(mod.peer, { action: "ban", member: "peer" }),
    "unban absent moderator": await answer(mod.peer, { action: "unban", member: "peer" }),
    "unban owner's ban": await answer(mod.peer, { action: "unban", member: "troll" }),
  };
  const back = await enter(await url("boss", "owner"));
  back.peer.terminate();
  mod.peer.terminate();
  const refused = Object.values(seen).every((s) => s === "error forbidden");
  return {
    ok: ownerBan === "moderation" && refused && back.greeting === "joined",
    figure: `${Object.entries(seen)
      .map(([what, said]) => `${what}: ${said}`)
      .join(", ")}; the owner comes back: ${back.greeting}`,
  };
}

export const absentRoles: Attack = { n: 12, name: "Roles against absent members", run, timeoutMs: 30_000 };
