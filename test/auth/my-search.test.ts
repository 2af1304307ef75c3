// Search across your rooms: one query over the rooms a person joined, merged; never a room they did not join or no longer reach.
import { describe, expect, it } from "vitest";
import { type Client, call, connect, uniqueRoom } from "../client";
import { isEvent } from "../events";
import { WAIT_MS } from "../frames";
import { waitUntil } from "../wait";
import { token } from "./tokens";

const person = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;
const tokenOf = (sub: string, claim = "*") => token({ sub, name: sub.slice(0, 8), room: claim, role: "member" });

async function enter(room: string, sub: string): Promise<Client> {
  const c = await connect(`/ws?room=${room}&token=${await tokenOf(sub)}`, { json: true });
  await c.until(isEvent("joined"));
  return c;
}

async function say(c: Client, text: string): Promise<void> {
  c.send({ action: "send_to_room", msg: text });
  await c.until(isEvent("message"));
}

interface Found {
  results: { room: string; seq: number; snippet: string }[];
}

async function search(sub: string, q: string, claim = "*"): Promise<Response> {
  return call(`/api/me/search?q=${encodeURIComponent(q)}`, { headers: { Authorization: `Bearer ${await tokenOf(sub, claim)}` } });
}

describe("GET /api/me/search", () => {
  it("finds matches in every room the person joined, each room's best first, and none elsewhere", async () => {
    const ann = person("ann");
    const [a, b, elsewhere] = [uniqueRoom(), uniqueRoom(), uniqueRoom()];
    await say(await enter(a, ann), "the quick brown fox");
    await say(await enter(b, ann), "foxes everywhere, foxes");
    await say(await enter(elsewhere, person("bob")), "a fox where ann never was");
    let found: Found = { results: [] };
    await waitUntil(
      "both rooms are searched",
      async () => {
        found = (await (await search(ann, "fox")).json()) as Found;
        return found.results.length >= 2;
      },
      WAIT_MS,
      () => JSON.stringify(found),
    );
    expect(found.results.map((r) => r.room).sort()).toEqual([a, b].sort());
  });

  it("leaves out a private room the token no longer reaches", async () => {
    const ann = person("ann");
    const secret = `private-${uniqueRoom()}`;
    const c = await connect(`/ws?room=${secret}&token=${await tokenOf(ann, secret)}`, { json: true });
    await c.until(isEvent("joined"));
    await say(c, "secret fox");
    await waitUntil(
      "the room is searchable with the old claim",
      async () => ((await (await search(ann, "fox", secret)).json()) as Found).results.length === 1,
      WAIT_MS,
    );
    expect(((await (await search(ann, "fox", "other-room")).json()) as Found).results).toEqual([]);
  });

  it("answers 401 without a user token and invalid_query for a query without words", async () => {
    expect((await call("/api/me/search?q=fox")).status).toBe(401);
    const res = await search(person("ann"), " ?! ");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_query");
  });
});
