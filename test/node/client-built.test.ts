// The built package, used as an app uses it: `parley/client` resolved through
// package.json "exports" to dist/client (scripts/build-client.ts), not
// src/. An app in a directory of its own, with this repository installed as
// `npm install <path>` does (node_modules/parley → the checkout), type-checks
// against the package's .d.ts (Node's ESM resolution, no DOM; and a browser
// app's, with the DOM) and runs in Node against a real `wrangler dev`. Then
// the gap signal end to end: a client that was away longer than the room
// keeps history is told exactly which seqs it will never get.
// test/browser/client-package.test.ts does the same in Chromium.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type * as Source from "../../src/client/index";
import type { MessageEvent } from "../../src/shared/events";
import { waitUntil } from "../wait";
import { buildClient } from "./build-client";
import { TestNetwork } from "./client-network";
import { type DevServer, startDevServer } from "./dev-server";
import { uniqueRoom } from "./ws-client";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const TSC = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/** The app's code: TypeScript, written as an app would, against the package's types. */
const APP_TS = `
import { ParleyClient, type ParleyClientOptions, ParleyError, type MessageEvent, type RoomState } from "parley/client";

const [url, roomA, roomB] = process.argv.slice(2) as [string, string, string];
// Node's own WebSocket and fetch fit the options (they are the defaults).
const options: ParleyClientOptions = { url, nick: "app", WebSocket, fetch };
const client = new ParleyClient(options);
const a = client.room(roomA);
const b = client.room(roomB);
const heard: string[] = [];
const states: RoomState[] = [];
a.on("message", (m: MessageEvent) => heard.push(\`a:\${m.seq}:\${m.text}\`));
b.on("message", (m) => heard.push(\`b:\${m.seq}:\${m.text}\`));
a.on("state", (s) => states.push(s.state));
const joined = await Promise.all([a.connect(), b.connect()]);
const sentA = await a.send("hello a");
const sentB = await b.send("hello b");
const refused = await a.send("").catch((e: unknown) => (e instanceof ParleyError ? e.code : "?"));
a.leave();
client.close();
console.log(JSON.stringify({ joined: joined.map((j) => j.room), sentA, sentB, refused, heard, states }));
`;

/** A browser app's code: the page's WebSocket and fetch fit the options too. */
const BROWSER_APP_TS = `
import { ParleyClient, type StoredEvent } from "parley/client";

const client = new ParleyClient({ url: location.origin, nick: "web", WebSocket, fetch });
const room = client.room("8888");
room.on("message", (m) => document.body.append(\`\${m.from.nick}: \${m.text}\`));
room.on("gap", (g) => console.warn(\`missed \${g.from}..\${g.to} for good\`));
const shown: StoredEvent[] = [];
room.on("edit", (e) => shown.push(e));
client.on("offline", () => document.body.classList.add("offline"));
await room.connect();
await room.send("hi", { replyTo: 1 });
`;

/** Writes a TypeScript config for the app and runs tsc on it; returns tsc's output (throws when it fails). */
function typeCheck(appDir: string, name: string, file: string, compilerOptions: Record<string, unknown>): string {
  writeFileSync(
    join(appDir, name),
    JSON.stringify({
      compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: "es2022", ...compilerOptions },
      files: [file],
    }),
  );
  try {
    return execFileSync(process.execPath, [TSC, "-p", name], { cwd: appDir, stdio: "pipe" }).toString();
  } catch (error) {
    const e = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`tsc -p ${name} failed:\n${e.stdout?.toString() ?? ""}${e.stderr?.toString() ?? ""}`);
  }
}

/** Runs a command, bounded; resolves with its stdout, rejects with its output on failure. */
function run(command: string, args: string[], cwd: string, ms = 30_000): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), ms);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) done(out);
      else fail(new Error(`${command} ${args.join(" ")} exited with ${code ?? signal}\n${out}${err}`));
    });
  });
}

describe("parley/client as an app installs it: the built entry, through package.json exports", () => {
  let dev: DevServer | undefined;
  let appDir = "";
  let built: typeof Source;

  beforeAll(async () => {
    buildClient();
    // An app in its own directory, with this checkout installed as `npm install <path>` installs it: a symlink.
    appDir = mkdtempSync(join(tmpdir(), "parley-app-"));
    mkdirSync(join(appDir, "node_modules"));
    symlinkSync(ROOT, join(appDir, "node_modules/parley"), "dir");
    writeFileSync(join(appDir, "package.json"), JSON.stringify({ name: "an-app", private: true, type: "module" }));
    writeFileSync(join(appDir, "app.ts"), APP_TS);
    writeFileSync(join(appDir, "browser-app.ts"), BROWSER_APP_TS);
    // Loaded at run time by its package name, so this is the bundle in dist/, not src/ (the type comes from src/).
    built = (await import("parley/client" as string)) as typeof Source;
    dev = await startDevServer({
      vars: {
        // Small, so that a client that was away finds its missed messages pruned.
        MAX_ROOM_HISTORY: "100",
        RATE_LIMIT_BURST: "10000",
        RATE_LIMIT_PER_SECOND: "10000",
        CONNECTS_PER_MINUTE: "0",
        HTTP_READS_PER_MINUTE: "0",
      },
    });
  });

  afterAll(async () => {
    await dev?.stop();
    if (appDir) rmSync(appDir, { recursive: true, force: true });
  });

  it("resolves to dist/client, not to the source", async () => {
    const source = await import("../../src/client/index");
    expect(typeof built.ParleyClient).toBe("function");
    expect(built.ParleyClient).not.toBe(source.ParleyClient);
    expect(Object.keys(built).sort()).toEqual(Object.keys(source).sort());
  });

  it("type-checks an app against its .d.ts: a Node app (nodenext, no DOM) and a browser app (bundler, DOM)", () => {
    const typeRoots = [join(ROOT, "node_modules/@types")];
    typeCheck(appDir, "tsconfig.node.json", "app.ts", {
      module: "nodenext",
      moduleResolution: "nodenext",
      lib: ["es2023"],
      types: ["node"],
      typeRoots,
    });
    typeCheck(appDir, "tsconfig.browser.json", "browser-app.ts", {
      module: "es2022",
      moduleResolution: "bundler",
      lib: ["es2023", "dom"],
      types: [],
    });
  });

  it("runs in Node: an app connects to two rooms, sends, hears, is refused, leaves", async () => {
    const [major] = process.versions.node.split(".").map(Number);
    expect(major, "Node 22+ (global WebSocket): run through npm or npx, which use the node devDependency").toBeGreaterThanOrEqual(22);
    const a = uniqueRoom("app-a");
    const b = uniqueRoom("app-b");
    // Node runs the app's TypeScript itself (type stripping); the import is resolved by Node, through "exports".
    writeFileSync(join(appDir, "app.mts"), APP_TS);
    const out = await run(process.execPath, ["--experimental-strip-types", "--no-warnings", "app.mts", dev!.url, a, b], appDir);
    const result = JSON.parse(out.trim().split("\n").at(-1)!) as {
      joined: string[];
      sentA: MessageEvent;
      sentB: MessageEvent;
      refused: string;
      heard: string[];
      states: string[];
    };
    expect(result.joined).toEqual([a, b]);
    expect(result.sentA).toMatchObject({ type: "message", room: a, seq: 1, text: "hello a", from: { nick: "app" } });
    expect(result.sentB).toMatchObject({ type: "message", room: b, seq: 1, text: "hello b" });
    expect(result.refused).toBe("invalid_message");
    expect(result.heard).toEqual([`a:1:hello a`, `b:1:hello b`]);
    expect(result.states).toEqual(["connecting", "open", "closed"]);
  });

  it("says `gap` when the room pruned what a client missed while away, then goes on in order", { timeout: 60_000 }, async () => {
    const room = uniqueRoom("gap");
    const post = async (text: string) => {
      const res = await fetch(`${dev!.url}/api/rooms/${encodeURIComponent(room)}/messages`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ nick: "poster", text }),
      });
      expect(res.status).toBe(201);
    };
    for (let i = 1; i <= 5; i++) await post(`before ${i}`);

    const net = new TestNetwork();
    const client = new built.ParleyClient({
      url: dev!.url,
      nick: "away",
      WebSocket: net.WebSocket,
      fetch: net.fetch,
      backoff: { baseMs: 20, maxMs: 200, factor: 2, jitter: 1 },
    });
    const told: string[] = [];
    const r = client.room(room);
    r.on("message", (m) => told.push(String(m.seq)));
    r.on("gap", (g) => told.push(`gap ${g.from}-${g.to}`));
    try {
      await r.connect();
      expect(told).toEqual(["1", "2", "3", "4", "5"]);

      // Away while 300 more are posted: the room keeps 100 (pruning 64 at a time), so most of them are gone.
      net.goOffline();
      for (let i = 1; i <= 300; i++) await post(`while away ${i}`);
      const kept = (await (await fetch(`${dev!.url}/api/rooms/${encodeURIComponent(room)}/messages?since=0&limit=1`)).json()) as {
        messages: MessageEvent[];
      };
      const first = kept.messages[0]!.seq;
      expect(first).toBeGreaterThan(6);
      net.offline = false;
      client.reconnectNow();
      await waitUntil(
        "the client has told seq 305",
        () => told.at(-1) === "305",
        15_000,
        () => told.slice(-5).join(" "),
      );

      const expected = ["1", "2", "3", "4", "5", `gap 6-${first - 1}`];
      for (let seq = first; seq <= 305; seq++) expected.push(String(seq));
      expect(told).toEqual(expected);
      // And it goes on live.
      await post("after");
      await waitUntil(
        "the client has told seq 306",
        () => told.at(-1) === "306",
        5_000,
        () => told.slice(-5).join(" "),
      );
    } finally {
      client.close();
      await net.closed().catch(() => {});
    }
  });
});
