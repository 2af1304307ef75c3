#!/usr/bin/env node
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
/**
 * Builds the pages' scripts and stylesheets into public/ (git-ignored):
 *   src/client/ui/main.ts      → public/app.js    (the chat page, index.html)
 *   src/client/ui/style.css    → public/app.css
 *   src/client/admin/main.ts   → public/admin.js  (the operator's page, admin.html)
 *   src/client/admin/admin.css → public/admin.css
 *
 * wrangler runs this as its [build] command, so `npm run dev`, `npm test`
 * (through wrangler dev) and `npm run deploy` all build the page by
 * themselves. Run it by hand with `node scripts/build-page.ts`; add
 * `--watch` to rebuild on change.
 *
 * It also fails the build when a gzipped script outgrows its budget.
 *
 * Several `wrangler dev` processes may start at once (the test runner runs
 * two test files in parallel, each with its own server), and each runs this
 * build. So a file is only written when its content changed, and then
 * atomically (a temp file renamed over it): no server ever reads a half
 * written file, and an unchanged build does not make the others reload.
 */
import { type BuildOptions, build, context } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Each script's budget, gzipped: the for the chat page; the operator's page is a few tables. */
const BUDGETS: Record<string, number> = { "public/app.js": 30 * 1024, "public/admin.js": 8 * 1024 };

const options: BuildOptions = {
  absWorkingDir: ROOT,
  entryPoints: [
    { in: "src/client/ui/main.ts", out: "app" },
    { in: "src/client/ui/style.css", out: "app" },
    { in: "src/client/admin/main.ts", out: "admin" },
    { in: "src/client/admin/admin.css", out: "admin" },
  ],
  outdir: "public",
  bundle: true,
  // `parley/client` (package.json "exports") from its source, as the page imports the client core.
  conditions: ["parley-source"],
  format: "esm",
  platform: "browser",
  target: ["es2022", "chrome109", "firefox115", "safari16"],
  minify: true,
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
};

function report(): boolean {
  let within = true;
  for (const [path, budget] of Object.entries(BUDGETS)) {
    const js = readFileSync(join(ROOT, path));
    const gz = gzipSync(js, { level: 9 }).length;
    const line = `page: ${path} ${js.length} B, ${gz} B gzipped (budget ${budget} B)`;
    if (gz > budget) {
      console.error(`${line}: over budget`);
      within = false;
    } else if (!process.env.PARLEY_BUILD_QUIET) console.log(line);
  }
  return within;
}

if (process.argv.includes("--watch")) {
  const ctx = await context(options);
  await ctx.watch();
  console.log("watching src/client for changes…");
} else {
  const result = await build({ ...options, write: false });
  for (const file of result.outputFiles) {
    if (existsSync(file.path) && Buffer.compare(readFileSync(file.path), file.contents) === 0) continue;
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
  if (!report()) process.exit(1);
}
