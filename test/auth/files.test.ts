// Files of private rooms, and who may upload: the same rules as posting, the speech check included.
import { describe, expect, it } from "vitest";
import { call, connect, uniqueRoom } from "../client";
import { isEvent } from "../events";
import { token } from "./tokens";

const privateRoom = () => `private-${uniqueRoom()}`;
const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

async function upload(room: string, headers: Record<string, string>): Promise<Response> {
  return call(`/api/rooms/${room}/files?name=a.txt`, { method: "POST", body: "hello", headers });
}

describe("files of private rooms", () => {
  it("need a token to upload and to read, which may come as ?token= (for an <img>)", async () => {
    const room = privateRoom();
    const t = await token({ sub: "ann", name: "ann", room, role: "member" });
    expect((await upload(room, {})).status).toBe(401);
    const res = await upload(room, bearer(t));
    expect(res.status).toBe(201);
    const { file } = (await res.json()) as { file: { url: string } };
    expect((await call(file.url)).status).toBe(401);
    const other = await token({ sub: "bob", name: "bob", room: "elsewhere", role: "member" });
    expect((await call(file.url, { headers: bearer(other) })).status).toBe(403);
    const served = await call(`${file.url}?token=${t}`);
    expect(served.status).toBe(200);
    expect(served.headers.get("Cache-Control")).toMatch(/^private,/);
    expect(await served.text()).toBe("hello");
  });

  it("a banned member may not upload", async () => {
    const room = uniqueRoom();
    const owner = await connect(`/ws?room=${room}&token=${await token({ sub: "olga", name: "olga", room, role: "owner" })}`, {
      json: true,
    });
    await owner.until(isEvent("joined"));
    owner.send({ action: "ban", member: "troll" });
    await owner.until(isEvent("moderation"));
    const troll = await token({ sub: "troll", name: "troll", room, role: "member" });
    const res = await upload(room, bearer(troll));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("banned");
  });

  it("a reader may not upload", async () => {
    const room = uniqueRoom();
    expect((await upload(room, bearer(await token({ sub: "rita", name: "rita", room, role: "reader" })))).status).toBe(403);
  });
});
