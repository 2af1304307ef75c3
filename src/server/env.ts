import type { AddressLimiter } from "./http/address-limiter";
import type { Directory } from "./operator/directory";
import type { Person } from "./person/person";
import type { Room } from "./room/room";
import type { RoomShard } from "./shard/shard";

declare global {
  namespace Cloudflare {
    /**
     * The Worker's bindings and vars (see wrangler.toml). Declared on the
     * runtime's own `Cloudflare.Env`, so `env` from "cloudflare:workers" is
     * typed too, in the Worker and in tests.
     */
    interface Env {
      ROOMS: DurableObjectNamespace<Room>;
      /** The shard objects of rooms past ROOM_SHARD_MEMBERS, named `<room>#<index>` (src/server/shard). */
      SHARDS: DurableObjectNamespace<RoomShard>;
      LIMITER: DurableObjectNamespace<AddressLimiter>;
      /** The operator's directory of active rooms: one object (src/server/operator). */
      DIRECTORY: DurableObjectNamespace<Directory>;
      /** One object per signed-in person, named by the token's `sub`: their rooms and read markers (src/server/person). */
      PERSONS: DurableObjectNamespace<Person>;
      ASSETS: Fetcher;
      /** Files people share in rooms (src/server/files). */
      FILES: R2Bucket;
      /** Workers Analytics Engine: rooms write a data point per window of activity (optional; docs/operations.md). */
      METRICS?: AnalyticsEngineDataset;
      /** Comma-separated origins allowed besides the page's own. */
      ALLOWED_ORIGINS?: string;
      /** "true" adds message text to the structured logs. */
      LOG_DEBUG?: string;
      MAX_MESSAGE_CHARS?: string;
      MAX_NICK_CHARS?: string;
      MAX_ROOM_MEMBERS?: string;
      MAX_ROOM_HISTORY?: string;
      RATE_LIMIT_BURST?: string;
      RATE_LIMIT_PER_SECOND?: string;
      CONNECTS_PER_MINUTE?: string;
      HTTP_READS_PER_MINUTE?: string;
      /** Members one object of a room holds before newcomers go to shard objects; "0" never shards. */
      ROOM_SHARD_MEMBERS?: string;
      /** Largest upload, in bytes (default 10 MiB). */
      MAX_UPLOAD_BYTES?: string;
      /** Secret that signs user tokens (HS256); without it no token is accepted. A wrangler secret in production. */
      AUTH_SECRET?: string;
      /** Secret an app backend presents (Bearer) to post, read private rooms and mint tokens; when set, HTTP writes need it or a token. */
      API_KEY?: string;
      /** "false": every room needs a token. Otherwise anonymous members may enter rooms that are not private. */
      /** The before-send hook: each message and edit is shown to this URL before it is stored (docs/webhooks.md). */
      BEFORE_SEND_URL?: string;
      /** How long the hook may take, in ms (default 1500). */
      BEFORE_SEND_TIMEOUT_MS?: string;
      /** What a slow or failing hook means: "open" (the default) stores the message, "closed" refuses it. */
      BEFORE_SEND_FAIL?: string;
      ANONYMOUS?: string;
      /** Where the rooms' webhooks go (docs/webhooks.md); unset: no room records or sends any. */
      WEBHOOK_URL?: string;
      /** `whsec_` + the base64 of the key that signs webhooks (Standard Webhooks). A wrangler secret in production. */
      WEBHOOK_SECRET?: string;
      /** Events a room's webhook outbox holds at most (and dead letters); past it the oldest are shed. Default 10000. */
      WEBHOOK_OUTBOX_MAX?: string;
      /** How long a webhook receiver has to answer, in ms. Default 10000. */
      WEBHOOK_TIMEOUT_MS?: string;
      /** Tests only: the waits before each retry, comma-separated ms, instead of the 24-hour schedule. */
      WEBHOOK_RETRY_MS?: string;
    }
    /** Types `exports` from "cloudflare:workers" (the Worker's own loopback). */
    interface GlobalProps {
      mainModule: typeof import("../index");
      durableNamespaces: "Room" | "RoomShard" | "AddressLimiter" | "Directory" | "Person";
    }
  }
}

export type Env = Cloudflare.Env;
