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
