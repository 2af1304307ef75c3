/**
 * Serves the original chat room page (test/browser/classic-page/) from a tiny
 * HTTP server on 127.0.0.1, with jQuery from node_modules, and with the
 * script's server address pointed at the Parley server under test — the only
 * change made to the original code.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

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

export interface ClassicPageServer {
  /** `http://127.0.0.1:PORT/` */
  readonly url: string;
  /** `http://127.0.0.1:PORT`, what the browser sends as `Origin`. */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Starts the page server. `wsOrigin` names the Parley server (e.g.
 * `ws://127.0.0.1:8787`); it is read on each request for the script, so the
 * page server can start first and tell the Parley server its own origin
 * (for `ALLOWED_ORIGINS`).
 */
export function serveClassicPage(wsOrigin: () => string): Promise<ClassicPageServer> {
  const html = classicPage();
  const jquery = readFileSync(JQUERY_PATH, "utf8");
  const files: Record<string, { type: string; body: () => string }> = {
    "/": { type: "text/html; charset=utf-8", body: () => html },
    "/lib/jquery/dist/jquery.min.js": { type: "text/javascript; charset=utf-8", body: () => jquery },
    "/js/chat.js": { type: "text/javascript; charset=utf-8", body: () => classicScript(wsOrigin()) },
  };
  const server: Server = createServer((req, res) => {
    const file = files[new URL(req.url ?? "/", "http://127.0.0.1").pathname];
    if (!file || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const body = file.body();
    res.writeHead(200, { "content-type": file.type, "cache-control": "no-store" }).end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((resolveServer, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const addr = server.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      resolveServer({
        url: `http://127.0.0.1:${port}/`,
        origin: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
