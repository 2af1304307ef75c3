/**
 * The page's address names its room: `/#8888` opens room 8888. Room names
 * may hold any printable character but `/`, so the hash is percent-encoded
 * where needed (`/#team%20blue`). Pure.
 */

/** The hash (with its `#`) for a room. Plain names stay readable. */
export function hashForRoom(room: string): string {
  return `#${encodeURIComponent(room).replace(/%40/g, "@").replace(/%3A/gi, ":")}`;
}

/** The room a hash names, or null for an empty or undecodable hash. */
export function roomFromHash(hash: string): string | null {
  const raw = hash.startsWith("#") ? hash.slice(1) : hash;
  if (!raw) return null;
  let room: string;
  try {
    room = decodeURIComponent(raw);
  } catch {
    return null;
  }
  room = room.trim();
  return room || null;
}

/** A stable colour slot (0..slots-1) for a nick, so each person keeps one colour. */
export function colorSlot(nick: string, slots = 8): number {
  // FNV-1a over UTF-16 units: tiny and well spread.
  let h = 0x811c9dc5;
  for (let i = 0; i < nick.length; i++) {
    h ^= nick.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % slots;
}

/** One or two letters for an avatar: the first character of the first two words. */
export function initials(nick: string): string {
  const words = nick.trim().split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((w) => [...w][0] ?? "");
  return letters.join("").toUpperCase() || "?";
}

/** A client message id: 20 random characters from [0-9a-z] (about 103 bits). */
export function newMessageId(randomBytes: (n: number) => Uint8Array): string {
  const bytes = randomBytes(20);
  let id = "";
  for (const b of bytes) id += (b % 36).toString(36);
  return id;
}

/**
 * An invite link carries a room and a token in the fragment
 * (`/#private-team&token=eyJ…`): a fragment never reaches a server, so the
 * token stays out of every request log. Returns null for a hash without one.
 */
export function inviteFromHash(hash: string): { room: string; token: string } | null {
  const at = hash.indexOf("&token=");
  if (at < 0) return null;
  const room = roomFromHash(hash.slice(0, at));
  const token = hash.slice(at + "&token=".length);
  return room && token ? { room, token } : null;
}

/** The fragment of an invite link (see inviteFromHash). */
export function hashForInvite(room: string, token: string): string {
  return `${hashForRoom(room)}&token=${token}`;
}

/**
 * The `name` a token's payload claims, read without verifying it (the
 * server verifies; the page only shows it): undefined for anything that is
 * not a readable JWT payload.
 */
export function tokenName(token: string): string | undefined {
  const payload = token.split(".")[1];
  if (!payload) return undefined;
  try {
    const json = atob(
      payload
        .replace(/-/g, "+")
        .replace(/_/g, "/")
        .padEnd(Math.ceil(payload.length / 4) * 4, "="),
    );
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    const name = (JSON.parse(new TextDecoder().decode(bytes)) as { name?: unknown }).name;
    return typeof name === "string" ? name : undefined;
  } catch {
    return undefined;
  }
}
