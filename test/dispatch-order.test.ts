// The room's ordering rule: sends wait in a queue to be stored together
// (group commit), and nothing a member does or is told may overtake a send it
// made before. Frames that reach the room in one turn are what the queue
// holds, so these tests hand the room their frames in one turn.

import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Room } from "../src/server/room/room";
import type { JoinedEvent } from "../src/shared/events";
import { call, member, uniqueRoom } from "./client";

/** Delivers `frames` to the room as if they came from its only member's socket, all in one turn. */
function inOneTurn(room: string, frames: unknown[]): Promise<void> {
  return runInDurableObject(env.ROOMS.getByName(room), (instance: Room, state) => {
    const [ws] = state.getWebSockets();
    if (!ws) throw new Error("the room has no socket");
    for (const frame of frames) instance.webSocketMessage(ws, JSON.stringify(frame));
  });
}

describe("dispatch order", () => {
  it("a refusal answers after the echo of a send made just before it", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "a");
    await inOneTurn(room, [
      { action: "send_to_room", msg: "first", id: "s1" },
      { action: "send_to_room", msg: "", id: "bad" },
    ]);
    expect(await c.event()).toMatchObject({ type: "message", id: "s1" });
    expect(await c.event()).toMatchObject({ type: "error", code: "invalid_message", ref: "bad" });
  });

  it("an action after a send sees it stored: a repeated join's greeting counts it", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "a");
    await inOneTurn(room, [
      { action: "send_to_room", msg: "first", id: "s1" },
      { action: "join", msg: room, nick: "a" },
    ]);
    expect(await c.event()).toMatchObject({ type: "message", seq: 1 });
    expect((await c.event()) as JoinedEvent).toMatchObject({ type: "joined", lastSeq: 1 });
  });

  it("a leave right after a send: the message is delivered before the left reply", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "a");
    await inOneTurn(room, [{ action: "send_to_room", msg: "bye all", id: "s1" }, { action: "leave" }]);
    expect(await c.event()).toMatchObject({ type: "message", id: "s1" });
    expect(await c.event()).toEqual({ type: "left", room });
  });

  it("sends that arrive together are stored and delivered in arrival order", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "a");
    const ids = Array.from({ length: 20 }, (_, i) => `s${i + 1}`);
    await inOneTurn(
      room,
      ids.map((id) => ({ action: "send_to_room", msg: id, id })),
    );
    for (const [i, id] of ids.entries()) expect(await c.event()).toMatchObject({ type: "message", id, seq: i + 1 });
  });

  it("an HTTP post takes the next seq after socket sends and reaches the sockets", async () => {
    const room = uniqueRoom();
    const { c } = await member(room, "a");
    c.send({ action: "send_to_room", msg: "by socket", id: "s1" });
    expect(await c.event()).toMatchObject({ id: "s1", seq: 1 });
    const posted = await call(`/api/rooms/${room}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ nick: "bot", text: "by http", id: "h1" }),
    });
    expect(posted.status).toBe(201);
    expect(await posted.json()).toMatchObject({ id: "h1", seq: 2, from: { id: "http", nick: "bot" } });
    expect(await c.event()).toMatchObject({ id: "h1", seq: 2 });
  });
});
