// Search in a room: the `search` action and GET /api/rooms/:room/search agree,
// and follow what the room's actions do to its messages.
import { describe, expect, it } from "vitest";
import type { MessageEvent, SearchEvent } from "../src/shared/events";
import { type Client, call, member, uniqueRoom } from "./client";
import { isEvent } from "./events";

/** GET …/search with `query`, its status and body. */
async function searchHttp(room: string, query: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await call(`/api/rooms/${encodeURIComponent(room)}/search?${new URLSearchParams(query)}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Sends `texts` from `c`, one after another, and returns the stored messages. */
async function say(c: Client, texts: string[]): Promise<MessageEvent[]> {
  const stored: MessageEvent[] = [];
  for (const msg of texts) {
    c.send({ action: "send_to_room", msg });
    stored.push(await c.until(isEvent("message")));
  }
  return stored;
}

describe("search", () => {
  it("answers the same over the socket and over HTTP: most relevant first, each message as it stands", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "alice");
    await say(c, ["fox fox", "a dog", "the fox sat there", "foxes, fox"]);
    c.send({ action: "search", q: "fox", id: "q-1" });
    const event = await c.until(isEvent("search"));
    expect(event.ref).toBe("q-1");
    // 1 and 4 say it alike (stemmed, "foxes" is "fox"): the newer first; 3 says it once among more words.
    expect(event.results.map((r) => r.seq)).toEqual([4, 1, 3]);
    expect(event.results[0]?.message).toMatchObject({ type: "message", room, seq: 4, text: "foxes, fox", from: { nick: "alice" } });
    const http = await searchHttp(room, { q: "fox" });
    expect(http.status).toBe(200);
    const { type: _, ref: __, ...body } = event;
    expect(http.body).toEqual(body);
  });

  it("follows edits and deletes: a message is found by its new text only, a deleted one not at all", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "alice");
    await say(c, ["lunch at noon", "lunch is late"]);
    c.send({ action: "edit", seq: 1, msg: "dinner at eight" });
    await c.until(isEvent("edit"));
    c.send({ action: "delete", seq: 2 });
    await c.until(isEvent("delete"));
    expect((await searchHttp(room, { q: "lunch" })).body.results).toEqual([]);
    const dinner = (await searchHttp(room, { q: "dinner" })).body as unknown as SearchEvent;
    expect(dinner.results.map((r) => r.message)).toMatchObject([{ seq: 1, text: "dinner at eight", edited: true }]);
  });

  it("pages by seq with before, and takes a limit", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "alice");
    await say(c, ["echo", "echo", "echo"]);
    c.send({ action: "search", q: "echo", before: 3, limit: 1 });
    expect((await c.until(isEvent("search"))).results.map((r) => r.seq)).toEqual([2]);
    const page = (await searchHttp(room, { q: "echo", before: "3", limit: "1" })).body as unknown as SearchEvent;
    expect(page.results.map((r) => r.seq)).toEqual([2]);
  });

  it("finds nothing, and stores nothing, in a room that never stored a message", async () => {
    const room = uniqueRoom();
    expect(await searchHttp(room, { q: "anything" })).toEqual({ status: 200, body: { room, results: [] } });
    expect(await (await call(`/api/rooms/${room}`)).json()).toMatchObject({ lastSeq: 0 });
  });

  it("answers a query without a word to search for invalid_query, on both ways in", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "alice");
    await say(c, ["hello"]);
    for (const q of ["", "   ", "?!", "x".repeat(201)]) {
      expect(await searchHttp(room, { q }), JSON.stringify(q)).toMatchObject({ status: 400, body: { error: { code: "invalid_query" } } });
    }
    expect((await searchHttp(room, {})).body).toMatchObject({ error: { code: "invalid_query" } });
    c.send({ action: "search", q: "?!", id: "q-2" });
    expect(await c.until(isEvent("error"))).toMatchObject({ code: "invalid_query", ref: "q-2" });
  });

  it("searches FTS5's own syntax as words, never failing on it", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "alice");
    await say(c, ['NEAR("c++" what\'s -up) OR']);
    for (const q of ['NEAR("c++"', "what's", "-up)", "OR", "col:umn", "^x", "a AND"]) {
      expect((await searchHttp(room, { q })).status, q).toBe(200);
    }
    expect(((await searchHttp(room, { q: "what's up" })).body as unknown as SearchEvent).results).toHaveLength(1);
  });

  it("refuses a bad limit or before with bad_frame", async () => {
    const room = uniqueRoom();
    const queries: Record<string, string>[] = [{ limit: "0" }, { limit: "51" }, { limit: "two" }, { before: "0" }, { before: "x" }];
    for (const query of queries) {
      const answer = await searchHttp(room, { q: "x", ...query });
      expect(answer, JSON.stringify(query)).toMatchObject({ status: 400, body: { error: { code: "bad_frame" } } });
    }
  });
});
