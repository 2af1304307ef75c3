/**
 * Who may do what in a room: the roles a signed token can carry, and which
 * rooms a token's `room` claim covers. Shared by the server (which decides)
 * and the page (which shows moderators their tools and private rooms a lock).
 */

/** Roles, weakest first. A reader only listens; a member talks; moderators and owners also moderate. */
export const ROLES = ["reader", "member", "moderator", "owner"] as const;
export type Role = (typeof ROLES)[number];

/** The role of a member without a token. */
export const ANONYMOUS_ROLE: Role = "member";

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Whether `role` is at least `min`. */
export function atLeast(role: Role, min: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(min);
}

/** Whether `actor` may kick, ban, mute or unban a member whose role is `target`: only one below its own. */
export function mayModerate(actor: Role, target: Role): boolean {
  return atLeast(actor, "moderator") && ROLES.indexOf(actor) > ROLES.indexOf(target);
}

/** Rooms whose names start with this need a token that covers them. */
const PRIVATE_PREFIX = "private-";

export function isPrivateRoom(room: string): boolean {
  return room.startsWith(PRIVATE_PREFIX);
}

/**
 * Whether a token's `room` claim covers `room`: the same name, or a prefix
 * ending in `*` (`private-team-*` covers `private-team-blue`). A lone `*`
 * covers every room.
 */
export function roomCovered(claim: string, room: string): boolean {
  return claim.endsWith("*") ? room.startsWith(claim.slice(0, -1)) : claim === room;
}
