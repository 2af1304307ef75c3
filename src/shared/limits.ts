/**
 * Operator-tunable limits. Each one is a wrangler var of the same name, so a
 * deployment (or the benchmark) can change it without touching code.
 */
export interface Limits {
  /** Longest chat message, in Unicode code points. */
  readonly MAX_MESSAGE_CHARS: number;
  /** Longest nick after trimming, in code points. */
  readonly MAX_NICK_CHARS: number;
  /** Sockets one room accepts before answering `room_full`. */
  readonly MAX_ROOM_MEMBERS: number;
  /** Messages a room keeps; older ones are pruned. */
  readonly MAX_ROOM_HISTORY: number;
  /** Token bucket per connection: burst size. */
  readonly RATE_LIMIT_BURST: number;
  /** Token bucket per connection: refill per second. */
  readonly RATE_LIMIT_PER_SECOND: number;
  /** New connections per client address per minute; 0 turns the check off. */
  readonly CONNECTS_PER_MINUTE: number;
  /** HTTP API reads per client address per minute; 0 turns the check off. (Writes follow RATE_LIMIT_*.) */
  readonly HTTP_READS_PER_MINUTE: number;
  /** Largest file an upload may carry, in bytes (HTTP 413 `file_too_large` past it). */
  readonly MAX_UPLOAD_BYTES: number;
  /** Members one object of a room holds before the room places new members on shard objects; 0 never shards (docs/scaling.md). */
  readonly ROOM_SHARD_MEMBERS: number;
}

export const DEFAULT_LIMITS: Limits = {
  MAX_MESSAGE_CHARS: 4000,
  MAX_NICK_CHARS: 32,
  MAX_ROOM_MEMBERS: 10_000,
  MAX_ROOM_HISTORY: 10_000,
  RATE_LIMIT_BURST: 20,
  RATE_LIMIT_PER_SECOND: 5,
  CONNECTS_PER_MINUTE: 60,
  HTTP_READS_PER_MINUTE: 600,
  ROOM_SHARD_MEMBERS: 1000,
  MAX_UPLOAD_BYTES: 10 * 1024 * 1024,
};

/** Largest text frame a client may send, in bytes (fixed, not a var). */
export const MAX_FRAME_BYTES = 16 * 1024;

/**
 * A reply whose size the client chose (a greeting with history it asked for
 * again) costs it one rate-limit token per this many bytes on the wire
 * (UTF-8): per token, the room sends about as much as the client may send it.
 */
export const REPLY_BYTES_PER_TOKEN = MAX_FRAME_BYTES;

// Pure: a bundle that never charges a reply (the page, the client package) drops it.
const utf8 = /* @__PURE__ */ new TextEncoder();

/**
 * The tokens a reply of `frame` costs (see {@link REPLY_BYTES_PER_TOKEN}),
 * counted in UTF-8 bytes, as it goes on the wire: a string's `length` counts
 * UTF-16 units, and text outside the BMP (every emoji) is 4 bytes for 2
 * units. A frame of fewer than a third as many units costs nothing without
 * being encoded: no unit takes more than 3 bytes.
 */
export function replyCost(frame: string): number {
  if (frame.length * 3 < REPLY_BYTES_PER_TOKEN) return 0;
  return Math.floor(utf8.encode(frame).byteLength / REPLY_BYTES_PER_TOKEN);
}

/** Longest room name, in code points. */
export const MAX_ROOM_CHARS = 64;

/** Longest client message id, in code points. */
export const MAX_ID_CHARS = 64;

/** Members a `joined` event lists (its `count` is exact), and the largest page of a `members` request. */
export const MEMBERS_PAGE = 100;

/** Joins (and leaves) a presence event lists at most, per window. */
export const PRESENCE_LIST_MAX = 20;

/**
 * How long presence changes are gathered before the room tells its members:
 * longer in bigger rooms, so that the frames a join costs do not grow with
 * the room (each member hears one presence event per window).
 */
export function presenceWindowMs(members: number): number {
  return Math.min(10_000, Math.max(200, members));
}

/** Rooms of at most this many members show read receipts ("seen by"); bigger ones do not, since every marker moved would be news to every member. */
export const RECEIPTS_MAX_MEMBERS = 50;

/** Distinct emoji one message may carry. */
export const MAX_REACTIONS = 20;

/** How much of the answered message a reply keeps. */
export const REPLY_SNIPPET_CHARS = 100;

/** Most members one message may mention (`send_to_room`'s `mentions`). */
export const MAX_MENTIONS = 20;

/** Messages a `joined` event carries when the client gives no `since`. */
export const RECENT_HISTORY = 50;

/** Most messages a `joined` event carries for a `since` resume; the rest are paged over HTTP. */
export const RESUME_CAP = 200;

/** Default and largest page of `GET /api/rooms/:room/messages`. */
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 200;

/** Default and largest page of search results (`search`, GET /api/rooms/:room/search): each carries a whole message. */
export const SEARCH_PAGE_DEFAULT = 20;
export const SEARCH_PAGE_MAX = 50;

/** Longest search query, in code points. */
export const MAX_QUERY_CHARS = 200;

/**
 * Reads the limits from the environment's vars. A var that is missing or not
 * a non-negative number keeps its default, so a typo cannot disable a limit
 * by accident.
 */
export function limitsFrom(env: Partial<Record<keyof Limits, unknown>>): Limits {
  const out: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof Limits)[]) {
    const raw = env[key];
    if (raw === undefined || raw === null || raw === "") continue;
    const n = typeof raw === "number" ? raw : Number(raw);
    if (Number.isFinite(n) && n >= 0) out[key] = n;
  }
  return out as unknown as Limits;
}

/** The limits a client needs to validate what it sends as the server will; sent in `joined` and by `GET /api/limits`. */
export interface PublicLimits {
  maxMessageChars: number;
  maxNickChars: number;
  rateLimitBurst: number;
  rateLimitPerSecond: number;
}

export function publicLimits(limits: Limits): PublicLimits {
  return {
    maxMessageChars: limits.MAX_MESSAGE_CHARS,
    maxNickChars: limits.MAX_NICK_CHARS,
    rateLimitBurst: limits.RATE_LIMIT_BURST,
    rateLimitPerSecond: limits.RATE_LIMIT_PER_SECOND,
  };
}

/** The operator's limits as a client learned them, back in the server's shape (what validate.ts takes). */
export function limitsFromPublic(p: PublicLimits): Limits {
  return {
    ...DEFAULT_LIMITS,
    MAX_MESSAGE_CHARS: p.maxMessageChars,
    MAX_NICK_CHARS: p.maxNickChars,
    RATE_LIMIT_BURST: p.rateLimitBurst,
    RATE_LIMIT_PER_SECOND: p.rateLimitPerSecond,
  };
}
