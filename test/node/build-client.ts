/** Builds the package `parley/client` into dist/client, for the tests that import the built entry. */
import { execFileSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** Runs scripts/build-client.ts (idempotent, and safe to run twice at once; `npm test` has built it already). */
export function buildClient(): void {
  execFileSync(process.execPath, [join(ROOT, "scripts/build-client.ts")], {
    cwd: ROOT,
    stdio: "pipe",
    env: { ...process.env, PARLEY_BUILD_QUIET: "1" },
  });
}
