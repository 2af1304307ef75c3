import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Six projects, one `vitest run`:
// - five `workers*` projects: unit tests beside the code (src/**) and
//   integration tests (test/), inside workerd (@cloudflare/vitest-plugin), one
//   project per set of vars: `workers` (limits raised), `workers-auth` (signed
//   identities), `workers-sharded` (rooms sharded past a cap of 10 members an
//   object), `workers-defaults` (the vars as they ship) and `workers-tuned`
//   (every limit turned down).
// - `node`: end-to-end tests in plain Node that start a real `wrangler dev`
//   (test/node/dev-server.ts) and talk to it over 127.0.0.1, with `ws` clients
//   or with Debian's Chromium driven by playwright-core (test/browser/).
/** A project running tests inside workerd, with wrangler.toml's vars overridden by `vars`. */
function workers(name: string, include: string[], vars: Record<string, string>) {
  return {
    plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.toml" }, miniflare: { bindings: vars } })],
    test: {
      name,
      include,
      setupFiles: ["./test/setup-workers.ts"],
      testTimeout: 30_000,
    },
  };
}

export default defineConfig({
  test: {
    // Most tests wait (on sockets, timers, a server): four files at once keep
    // two cores busy, where one file per core left them idle — the sharded
    // project ran in 42 s instead of 111 s.
    maxWorkers: 4,
    // Rooms log a JSON line per presence window and per refusal (the fuzz
    // test alone makes thousands); keep them out of the test output.
    onConsoleLog: (log) => !log.split("\n").every((line) => line === "" || line.startsWith('{"event":')),
    projects: [
      // The room's behaviour: rate and connection limits raised, so tests that
      // open hundreds of sockets or send thousands of frames measure the room.
      workers("workers", ["src/**/*.test.ts", "test/*.test.ts"], {
        RATE_LIMIT_BURST: "1000000",
        RATE_LIMIT_PER_SECOND: "1000000",
        CONNECTS_PER_MINUTE: "0",
      }),
      // Signed identities, private rooms and moderation: a secret to sign
      // tokens with, and an API key that gates HTTP writes.
      workers("workers-auth", ["test/auth/**/*.test.ts"], {
        AUTH_SECRET: "test-auth-secret-0123456789abcdef",
        API_KEY: "test-api-key-0123456789",
        RATE_LIMIT_BURST: "1000000",
        RATE_LIMIT_PER_SECOND: "1000000",
        CONNECTS_PER_MINUTE: "0",
        HTTP_READS_PER_MINUTE: "0",
      }),
      // Rooms past one object: a cap of 10 members an object, so a room of 50
      // spans five; limits raised and signed identities, as above.
      workers("workers-sharded", ["test/sharded/**/*.test.ts"], {
        ROOM_SHARD_MEMBERS: "10",
        AUTH_SECRET: "test-auth-secret-0123456789abcdef",
        API_KEY: "test-api-key-0123456789",
        RATE_LIMIT_BURST: "1000000",
        RATE_LIMIT_PER_SECOND: "1000000",
        CONNECTS_PER_MINUTE: "0",
        HTTP_READS_PER_MINUTE: "0",
      }),
      // wrangler.toml's vars as they ship: the default limits.
      workers("workers-defaults", ["test/defaults/**/*.test.ts"], {}),
      // Every limit turned down through its var, to test each refusal.
      workers("workers-tuned", ["test/tuned/**/*.test.ts"], {
        MAX_MESSAGE_CHARS: "50",
        MAX_NICK_CHARS: "8",
        MAX_ROOM_MEMBERS: "3",
        RATE_LIMIT_BURST: "5",
        RATE_LIMIT_PER_SECOND: "2",
        CONNECTS_PER_MINUTE: "4",
        HTTP_READS_PER_MINUTE: "5",
        ALLOWED_ORIGINS: "https://friend.example",
      }),
      {
        test: {
          name: "node",
          environment: "node",
          include: ["test/node/**/*.test.ts", "test/browser/**/*.test.ts"],
          testTimeout: 30_000,
          // Starting (or restarting) wrangler dev is bounded by dev-server.ts itself.
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
