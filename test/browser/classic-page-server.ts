/**
 * Serves the original chat room page (test/browser/classic-page/) from a tiny
 * HTTP server on 127.0.0.1, with jQuery from node_modules, and with the
 * script's server address pointed at the Parley server under test — the only
 * change made to the original code.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type StaticSite, serveStatic } from "./harness";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../..");
export const CLASSIC_HTML_PATH = join(HERE, "classic-page/index.cshtml");
export const CLASSIC_SCRIPT_PATH = join(HERE, "classic-page/chat.js");
const JQUERY_PATH = join(ROOT, "node_modules/jquery/dist/jquery.min.js");

/** The original address line, as written in the write-up. */
const ORIGINAL_SERVER_LINE = "var server = 'ws://localhost:5000';";

/** The original script with only its server address changed. */
export function classicScript(wsOrigin: string): string {
  const script = readFileSync(CLASSIC_SCRIPT_PATH, "utf8");
  const at = script.indexOf(ORIGINAL_SERVER_LINE);
  if (at < 0 || script.indexOf(ORIGINAL_SERVER_LINE, at + 1) >= 0) {
    throw new Error(`expected exactly one ${JSON.stringify(ORIGINAL_SERVER_LINE)} in ${CLASSIC_SCRIPT_PATH}`);
  }
  return script.replace(ORIGINAL_SERVER_LINE, `var server = '${wsOrigin}';`);
}

/** The layout page: the original HTML, then jQuery and the original script, as its ASP.NET layout loaded them. */
export function classicPage(): string {
  return [
    "<!DOCTYPE html>",
    '<html><head><meta charset="utf-8"><title>classic chat room</title></head><body>',
    readFileSync(CLASSIC_HTML_PATH, "utf8"),
    '<script src="/lib/jquery/dist/jquery.min.js"></script>',
    '<script src="/js/chat.js"></script>',
    "</body></html>",
  ].join("\n");
}

/**
 * Starts the page server. `wsOrigin` names the Parley server (e.g.
 * `ws://127.0.0.1:8787`); it is read on each request for the script, so the
 * page server can start first and tell the Parley server its own origin
 * (for `ALLOWED_ORIGINS`).
 */
export function serveClassicPage(wsOrigin: () => string): Promise<StaticSite> {
  const html = classicPage();
  const jquery = readFileSync(JQUERY_PATH, "utf8");
  return serveStatic({
    "/": { type: "text/html; charset=utf-8", body: () => html },
    "/lib/jquery/dist/jquery.min.js": { type: "text/javascript; charset=utf-8", body: () => jquery },
    "/js/chat.js": { type: "text/javascript; charset=utf-8", body: () => classicScript(wsOrigin()) },
  });
}
