// Issue "Hardening III", class 6: a kicked or banned member hears why and is
// closed at once, on both paths, against a real wrangler dev (workerd in
// vitest hands a test the room's close frame itself, with no TCP under it, so
// only here does the close's timing show).
//
// What was found (see Connections.close): the room's 4001/4003 close frame
// leaves at once on every path. What lingered was the TCP connection under a
// direct socket the client had never sent a frame on (not even `ping`): the
// runtime keeps it until the room hibernates, about 10 s after its last
// event, and a `ws` client reports the close only when the TCP connection
// ends. A socket that has carried one frame from its client closes within
// milliseconds. The in-band relay hears the close frame at once.

import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { CloseCode } from "../../src/shared/codes";
import type { ServerEvent } from "../../src/shared/events";
import { waitUntil } from "../wait";
import { mintToken, serverSuite } from "./e2e";
import { connect, uniqueRoom, type WsClient } from "./ws-client";

const AUTH_SECRET = "kick-close-secret-0123456789abcdef";
const API_KEY = "kick-close-api-key-0123456789";
/** "At once": well under a second, where the lingering TCP connection took 10 s. */
const PROMPT_MS = 1_000;

const SANCTIONS = [
  { action: "kick", code: "kicked", close: CloseCode.KICKED },
  { action: "ban", code: "banned", close: CloseCode.BANNED },
] as const;

describe("a kicked or banned member is closed at once", () => {
  const suite = serverSuite({ vars: { AUTH_SECRET, API_KEY } });

  /** A moderator and a member of a fresh room; the member joins on `path`. */
  async function room(path: "direct" | "in-band"): Promise<{ mod: WsClient; target: WsClient }> {
    const name = uniqueRoom("sanction");
    const [modToken, targetToken] = await Promise.all([
      mintToken(suite.dev, API_KEY, { sub: "mod", name: "Mod", room: name, role: "moderator" }),
      mintToken(suite.dev, API_KEY, { sub: "target", name: "Target", room: name }),
    ]);
    const mod = await connect(`${suite.dev.wsUrl}/ws?room=${name}&token=${modToken}`, { json: true });
    suite.clients.push(mod);
    expect(await mod.event()).toMatchObject({ type: "joined" });
    let target: WsClient;
    if (path === "direct") target = await connect(`${suite.dev.wsUrl}/ws?room=${name}&token=${targetToken}`, { json: true });
    else {
      target = await connect(`${suite.dev.wsUrl}/ws`, { json: true });
      target.send({ action: "join", msg: name, token: targetToken });
    }
    suite.clients.push(target);
    expect(await target.event()).toMatchObject({ type: "joined" });
    return { mod, target };
  }

  const isError = (code: string) => (e: ServerEvent) => e.type === "error" && e.code === code;

  for (const { action, code, close } of SANCTIONS) {
    it(`direct socket, ${action}: the error, then ${close}, within a second`, async () => {
      const { mod, target } = await room("direct");
      // One frame from the client (what any client with a heartbeat sends): see the header.
      target.send("ping");
      expect(await target.next()).toBe("pong");
      const started = Date.now();
      mod.send({ action, member: "target" });
      await target.until(isError(code));
      expect((await target.closedWith(PROMPT_MS)).code).toBe(close);
      expect(Date.now() - started).toBeLessThan(PROMPT_MS);
    });

    it(`direct socket that never sent a frame, ${action}: the error and the close frame within a second`, async () => {
      const { mod, target } = await room("direct");
      const started = Date.now();
      mod.send({ action, member: "target" });
      await target.until(isError(code));
      // The close frame has come when `ws` has answered it: CLOSING, until the runtime ends the TCP connection.
      await waitUntil("the close frame came", () => target.ws.readyState !== WebSocket.OPEN, PROMPT_MS);
      expect(Date.now() - started).toBeLessThan(PROMPT_MS);
    });

    it(`in-band, ${action}: the error, then the client is in no room within a second`, async () => {
      const { mod, target } = await room("in-band");
      const started = Date.now();
      mod.send({ action, member: "target" });
      await target.until(isError(code));
      // Frames sent before the relay heard the close went to the room, which ignores a departed member.
      await waitUntil(
        "a send is answered not_in_room",
        () => {
          target.send({ action: "send_to_room", msg: "still here?" });
          return target.frames.some((f) => f.includes('"not_in_room"'));
        },
        PROMPT_MS,
        () => JSON.stringify(target.frames),
        50,
      );
      expect(Date.now() - started).toBeLessThan(PROMPT_MS);
      expect(target.closed).toBeNull();
    });
  }
});
