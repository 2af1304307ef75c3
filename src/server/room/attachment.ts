/**
 * Per-socket state, stored with the socket itself (`serializeAttachment`) so
 * it survives hibernation: when a room wakes, its member list is rebuilt from
 * `ctx.getWebSockets()` and these attachments, never from memory.
 *
 * Parley's state sits under its own key (`parley`), so the attachment can
 * carry other namespaces later without a migration. The platform caps an
 * attachment at 16 KiB; this one holds a 16-character member id (and its
 * 12-character alias for the logs), a nick
 * (≤ MAX_NICK_CHARS), a room name (≤ 64 characters) and two short fields:
 * well under 1 KiB at the default limits (checked in attachment.test.ts).
 */
import type { Role } from "../../shared/auth";
import type { Member, PresentMember } from "../../shared/events";
import type { Format } from "../../shared/format";
import { sha256Hex } from "../platform/identity";

export interface Attachment {
  /** Member id: a token member's `sub` (shared by its connections), otherwise unique per connection. */
  id: string;
  /** What the logs call this member: its id's pseudonym (platform/identity.ts), never the id itself. */
  alias: string;
  /** The nick this member joined with; every message it sends carries it. */
  nick: string;
  /** Whose message ids this member's are (see senderOf): resends are recognised per sender. */
  sender: string;
  role: Role;
  /** Whom a ban or mute applies to: `sub:<sub>` for a token member, `addr:<hash of its address>` otherwise. */
  identity: string;
  room: string;
  format: Format;
  /** Set once the member has left, while its socket finishes closing. */
  left?: true;
  /** On a shard object (src/server/shard): the connection's own key, by which the room's writer addresses it. */
  key?: string;
}

/** The platform's limit on one attachment, in bytes. */
export const ATTACHMENT_LIMIT_BYTES = 16 * 1024;

interface Stored {
  parley?: Attachment;
  /** A shard's socket the writer has not admitted yet: no member until then (shard.ts). */
  waiting?: Attachment;
}

/** Stores a socket's attachment. */
export function writeAttachment(ws: WebSocket, att: Attachment): void {
  ws.serializeAttachment({ parley: att } satisfies Stored);
}

/** Stores the attachment of a socket that waits for the room's writer to admit it: not a member yet. */
export function writeWaiting(ws: WebSocket, att: Attachment): void {
  ws.serializeAttachment({ waiting: att } satisfies Stored);
}

/** The attachment of a socket that waits to be admitted, or null. */
export function readWaiting(ws: WebSocket): Attachment | null {
  return (ws.deserializeAttachment() as Stored | null)?.waiting ?? null;
}

/** Reads a socket's attachment; `null` for a socket Parley never tagged. */
export function readAttachment(ws: WebSocket): Attachment | null {
  const att = (ws.deserializeAttachment() as Stored | null)?.parley ?? null;
  // A socket accepted before aliases were kept: the logs call it by a name that says so, never by its id.
  if (att && att.alias === undefined) att.alias = "unnamed";
  return att;
}

/** The public face of a member, as events show it. */
export function memberOf(att: Attachment): Member {
  return { id: att.id, nick: att.nick };
}

/** A member as member lists show it, with its role. */
export function presentMemberOf(att: Attachment): PresentMember {
  return { id: att.id, nick: att.nick, role: att.role };
}

/**
 * The sender a connection speaks as: the hash of its key when it sent one
 * (the same browser after a reconnect is the same sender), otherwise the
 * connection itself. Only the hash is kept: the key is the client's secret.
 */
export async function senderOf(key: string | undefined, memberId: string): Promise<string> {
  return key === undefined ? `conn:${memberId}` : `key:${await sha256Hex(key)}`;
}

/** A fresh member id: 16 hex characters from the platform's CSPRNG. */
export function newMemberId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  let id = "";
  for (const b of bytes) id += b.toString(16).padStart(2, "0");
  return id;
}
