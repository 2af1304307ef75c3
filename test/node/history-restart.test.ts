// Issue 3: history survives a restart of `wrangler dev` on the same --persist-to.
import { describe, expect, it } from "vitest";
import type { JoinedEvent, MessageEvent } from "../../src/shared/events";
import { serverSuite } from "./e2e";
import { connect, uniqueRoom } from "./ws-client";

const isMessage = (e: { type: string }): e is MessageEvent => e.type === "message";

describe("wrangler dev restart", () => {
  // The server's own persistence directory is kept across restart() (and removed by stop()).
  const suite = serverSuite();
  const { clients } = suite;

  // A restart waits for wrangler dev to stop and to answer again (each bounded in dev-server.ts).
  it("keeps a room's history: same seq, id and text after wrangler dev restarts on the same directory", { timeout: 120_000 }, async () => {
    const dev = suite.dev;
    const room = uniqueRoom("restart");
    const nick = "batman";
    const writer = await connect(`${dev.wsUrl}/ws?room=${room}&nick=${nick}`, { json: true });
    clients.push(writer);
    expect(writer.protocol).toBe("parley.v1");
    const joined = (await writer.event()) as JoinedEvent;
    expect(joined).toMatchObject({ type: "joined", room, self: { nick }, history: [], lastSeq: 0 });

    const texts = ["first words", "你好，世界", "🦇 still here"];
    const sent: MessageEvent[] = [];
    for (const [i, text] of texts.entries()) {
      writer.send({ action: "send_to_room", msg: text, nick, id: `m${i + 1}` });
      sent.push(await writer.until(isMessage));
    }
    expect(sent.map((m) => [m.seq, m.id, m.text])).toEqual([
      [1, "m1", texts[0]],
      [2, "m2", texts[1]],
      [3, "m3", texts[2]],
    ]);
    writer.close();
    await writer.closedWith();

    await dev.restart();

    const res = await fetch(`${dev.url}/api/rooms/${room}/messages`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { room: string; messages: MessageEvent[] };
    expect(body.room).toBe(room);
    expect(body.messages).toEqual(sent);

    const info = (await (await fetch(`${dev.url}/api/rooms/${room}`)).json()) as { lastSeq: number };
    expect(info.lastSeq).toBe(3);

    // A socket after the restart sees the same history and continues the sequence.
    const reader = await connect(`${dev.wsUrl}/ws?room=${room}&nick=robin`, { json: true });
    clients.push(reader);
    const again = (await reader.event()) as JoinedEvent;
    expect(again.history).toEqual(sent);
    expect(again.lastSeq).toBe(3);
    reader.send({ action: "send_to_room", msg: "after the restart", nick: "robin", id: "m4" });
    expect(await reader.until(isMessage)).toMatchObject({ seq: 4, id: "m4", text: "after the restart", from: { nick: "robin" } });
  });
});
