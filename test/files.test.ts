// Files: uploads stored in R2 with the type their bytes show, served so that nothing runs in the page's origin.
import { describe, expect, it } from "vitest";
import { call, uniqueRoom } from "./client";

/** A 1×1 PNG, then bytes past its end (a PNG's size is in its header). */
const PNG = Uint8Array.from(
  atob("iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAYAAACddGYaAAAAEUlEQVR42mNk+M9QzwAEjDAGACCDAv8cI7IoAAAAAElFTkSuQmCC"),
  (c) => c.charCodeAt(0),
);

interface Uploaded {
  file: { id: string; name: string; type: string; size: number; url: string; width?: number; height?: number };
}

async function upload(room: string, name: string, body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return call(`/api/rooms/${room}/files?name=${encodeURIComponent(name)}`, { method: "POST", body, headers });
}

describe("files", () => {
  it("a PNG comes back byte for byte, typed by its bytes, shown inline, with its size", async () => {
    const room = uniqueRoom();
    const res = await upload(room, "dot.bin", PNG, { "Content-Type": "application/x-anything" });
    expect(res.status).toBe(201);
    const { file } = (await res.json()) as Uploaded;
    expect(file).toMatchObject({ name: "dot.bin", type: "image/png", size: PNG.byteLength, width: 3, height: 2 });
    const served = await call(file.url);
    expect(served.status).toBe(200);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(PNG);
    expect(served.headers.get("Content-Type")).toBe("image/png");
    expect(served.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(served.headers.get("Content-Security-Policy")).toContain("sandbox");
    expect(served.headers.get("Content-Disposition")).toMatch(/^inline;/);
    expect(served.headers.get("Cache-Control")).toMatch(/max-age=31536000/);
    const etag = served.headers.get("ETag") ?? "";
    expect((await call(file.url, { headers: { "If-None-Match": etag } })).status).toBe(304);
  });

  it("HTML and SVG are served as text to download, never as a page or an image", async () => {
    const room = uniqueRoom();
    for (const [name, text] of [
      ["page.html", "<!doctype html><script>alert(1)</script>"],
      ["pic.svg", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'],
    ] as const) {
      const { file } = (await (await upload(room, name, text, { "Content-Type": "image/svg+xml" })).json()) as Uploaded;
      expect(file.type).toBe("text/plain; charset=utf-8");
      const served = await call(file.url);
      expect(served.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
      expect(served.headers.get("Content-Disposition")).toBe(`attachment; filename*=UTF-8''${name}`);
      expect(await served.text()).toBe(text);
    }
  });

  it("a file over MAX_UPLOAD_BYTES is refused 413, and nothing is stored", async () => {
    const room = uniqueRoom();
    const res = await upload(room, "big.bin", new Uint8Array(10 * 1024 * 1024 + 1));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("file_too_large");
  });

  it("a name is required, and kept without its path", async () => {
    const room = uniqueRoom();
    expect((await call(`/api/rooms/${room}/files`, { method: "POST", body: "x" })).status).toBe(400);
    const { file } = (await (await upload(room, "C:\\Users\\me\\notes.txt", "hello")).json()) as Uploaded;
    expect(file.name).toBe("notes.txt");
  });

  it("an unknown file is 404", async () => {
    expect((await call(`/api/rooms/${uniqueRoom()}/files/0123456789abcdef0123`)).status).toBe(404);
    expect((await call(`/api/rooms/${uniqueRoom()}/files/nope`)).status).toBe(404);
  });
});
