// Issue 3: two JSON clients (one per path) and a text client share one room
// on a real `wrangler dev`, and each sees every message in its own format.
import { describe, expect, it } from "vitest";
import type { JoinedEvent, MessageEvent, ServerEvent } from "../../src/shared/events";
import { isEvent } from "../events";
import { serverSuite } from "./e2e";
import { connect, uniqueRoom } from "./ws-client";

const isMessage = (e: ServerEvent): e is MessageEvent => e.type === "message";

describe("JSON and text clients in one room, against wrangler dev", () => {
  const suite = serverSuite();
  const { clients } = suite;

  it("delivers every message to every member, as JSON events or as the original text lines", async () => {
    const dev = suite.dev;
    const room = uniqueRoom("mixed");

    // JSON on the direct path.
    const direct = await connect(`${dev.wsUrl}/ws?room=${room}&nick=alice`, { json: true });
    clients.push(direct);
    expect(direct.protocol).toBe("parley.v1");
    expect(await direct.event()).toMatchObject({ type: "joined", room, self: { nick: "alice" } });

    // JSON on the in-band-join path: connect, then join in-band.
    const inBandJson = await connect(`${dev.wsUrl}/ws`, { json: true });
    clients.push(inBandJson);
    expect(inBandJson.protocol).toBe("parley.v1");
    inBandJson.send({ action: "join", msg: room, nick: "bob" });
    const bobJoined = (await inBandJson.event()) as JoinedEvent;
    expect(bobJoined).toMatchObject({ type: "joined", room, self: { nick: "bob" } });
    expect(bobJoined.members.map((m) => m.nick).sort()).toEqual(["alice", "bob"]);

    // Text on the in-band-join path, exactly as the original page does it.
    const text = await connect(`${dev.wsUrl}/ws`);
    clients.push(text);
    expect(text.protocol).toBe("");
    text.send({ action: "join", msg: room, nick: "carol" });
    expect(await text.next()).toBe(`carol join room ${room} success .`);

    direct.send({ action: "send_to_room", msg: "hello from alice", nick: "alice", id: "a1" });
    inBandJson.send({ action: "send_to_room", msg: "bob here", nick: "bob", id: "b1" });
    text.send({ action: "send_to_room", msg: "carol says hi 👋", nick: "carol" });
    const posted = await fetch(`${dev.url}/api/rooms/${room}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ nick: "dave", text: "over HTTP", id: "d1" }),
    });
    expect(posted.status).toBe(201);

    const expected = new Map([
      ["a1", { nick: "alice", text: "hello from alice" }],
      ["b1", { nick: "bob", text: "bob here" }],
      ["d1", { nick: "dave", text: "over HTTP" }],
    ]);

    // Each JSON client: four message events, seq 1..4 in order, the same events for both.
    const seen: MessageEvent[][] = [];
    for (const c of [direct, inBandJson]) {
      const messages: MessageEvent[] = [];
      while (messages.length < 4) messages.push(await c.until(isMessage));
      expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
      seen.push(messages);
    }
    expect(seen[1]).toEqual(seen[0]);
    const messages = seen[0]!;
    for (const m of messages) {
      expect(m.room).toBe(room);
      const want = expected.get(m.id);
      if (want) expect({ nick: m.from.nick, text: m.text }).toEqual(want);
      else expect({ nick: m.from.nick, text: m.text }).toEqual({ nick: "carol", text: "carol says hi 👋" });
    }

    // The text client: the same four messages, as `nick : text`, in the same order.
    const lines: string[] = [];
    while (lines.length < 4) lines.push(await text.next());
    expect(lines).toEqual(messages.map((m) => `${m.from.nick} : ${m.text}`));
    await text.quiet();

    // What the HTTP API returns agrees with what the sockets saw.
    const history = (await (await fetch(`${dev.url}/api/rooms/${room}/messages`)).json()) as { messages: MessageEvent[] };
    expect(history.messages).toEqual(messages);
    const info = (await (await fetch(`${dev.url}/api/rooms/${room}`)).json()) as { members: number; lastSeq: number };
    expect(info).toMatchObject({ room, members: 3, lastSeq: 4 });
  });

  it.each(["direct", "in-band"])("a %s-path client whose connection drops without a close frame leaves the room", async (path) => {
    const dev = suite.dev;
    const room = uniqueRoom("drop");
    const watcher = await connect(`${dev.wsUrl}/ws?room=${room}&nick=watcher`, { json: true });
    clients.push(watcher);
    await watcher.event();
    const dropper = await connect(path === "direct" ? `${dev.wsUrl}/ws?room=${room}&nick=dropper` : `${dev.wsUrl}/ws`, { json: true });
    if (path === "in-band") dropper.send({ action: "join", msg: room, nick: "dropper" });
    await dropper.event();
    expect(await watcher.until(isEvent("presence"))).toMatchObject({ event: "join", member: { nick: "dropper" }, count: 2 });

    dropper.terminate(); // TCP gone, no close frame: an abrupt disconnect
    expect(await watcher.until(isEvent("presence"), 15_000)).toMatchObject({ event: "leave", member: { nick: "dropper" }, count: 1 });
  });
});
