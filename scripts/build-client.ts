#!/usr/bin/env node
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
/**
 * Builds the package entry `parley/client` (package.json "exports") into
 * dist/client (git-ignored):
 *
 *   src/client/index.ts → dist/client/index.js       esbuild: one ES module, no dependencies
 *                       → dist/client/types/**.d.ts  tsc -p src/client/tsconfig.package.json
 *                       → dist/client/index.d.ts     re-exports the types
 *
 * tsc also checks the package without the DOM library or Node's types (see
 * src/client/platform.d.ts), so the build fails if it uses either. The
 * emitted declarations get `.js` on their relative imports, as Node's ESM
 * resolution (TypeScript's `nodenext`) requires of an app that imports them.
 *
 * Run by `npm run build:client`, `npm test` and `npm install` (prepare), and
 * by the tests of the built package. Several may run at once, so a file is
 * written only when its content changed, and then atomically.
 */
import { build } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT = join(ROOT, "dist/client");

/** Writes `contents` to `path` unless it already holds them; atomically (a temp file renamed over it). */
function put(path: string, contents: string | Uint8Array): void {
  const data = Buffer.from(contents);
  if (existsSync(path) && Buffer.compare(readFileSync(path), data) === 0) return;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

/** `from "./x"` → `from "./x.js"` in a declaration file (every relative import in src names a module file). */
function withExtensions(dts: string): string {
  return dts.replace(/(\bfrom\s+|\bimport\s*\(\s*)(["'])(\.\.?\/[^"']+?)\2/g, (match, lead: string, quote: string, spec: string) =>
    /\.(js|mjs|cjs|json)$/.test(spec) ? match : `${lead}${quote}${spec}.js${quote}`,
  );
}

// 1. The module.
const bundle = await build({
  absWorkingDir: ROOT,
  entryPoints: ["src/client/index.ts"],
  outfile: join(OUT, "index.js"),
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: ["es2022"],
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
  write: false,
});
for (const file of bundle.outputFiles) put(file.path, file.contents);

// 2. The types, checked without the DOM, emitted to a private directory first.
mkdirSync(join(ROOT, "dist"), { recursive: true });
const tmp = mkdtempSync(join(ROOT, "dist/.client-types-"));
try {
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  try {
    execFileSync(process.execPath, [tsc, "-p", "src/client/tsconfig.package.json", "--outDir", tmp], { cwd: ROOT, stdio: "pipe" });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    process.stderr.write(`${stdout ?? ""}${stderr ?? ""}`);
    console.error("build-client: the package's type check failed");
    process.exit(1);
  }
  for (const path of files(tmp)) put(join(OUT, "types", relative(tmp, path)), withExtensions(readFileSync(path, "utf8")));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
put(join(OUT, "index.d.ts"), 'export * from "./types/client/index.js";\n');

if (!process.env.PARLEY_BUILD_QUIET) {
  const js = readFileSync(join(OUT, "index.js"));
  console.log(`client: dist/client/index.js ${js.length} B, types in dist/client/types`);
}
