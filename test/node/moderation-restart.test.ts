// A ban survives a restart of `wrangler dev` (docs/protocol.md, "Moderation
// and deletes": bans are stored in the room). A moderator bans a token member
// of a private room; wrangler dev is stopped and started again on the same
// port and --persist-to; the banned member is refused on both paths, while
// another member of the same room is not; an unban after the restart lets it
// back. Tokens are minted with `POST /api/tokens`, as an app backend would.
import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { CloseCode } from "../../src/shared/codes";
import type { ErrorEvent, JoinedEvent, ModerationEvent, PresenceEvent, ServerEvent, StoredEvent } from "../../src/shared/events";
import { WAIT_MS } from "../frames";
import { waitUntil } from "../wait";
import { mintToken, serverSuite, type TokenClaims } from "./e2e";
import { connect, uniqueRoom, type WsClient } from "./ws-client";

const AUTH_SECRET = "restart-auth-secret-0123456789abcdef";
const API_KEY = "restart-api-key-0123456789";

const isModeration = (action: ModerationEvent["action"]) => (e: ServerEvent) => e.type === "moderation" && e.action === action;

describe("a ban across a wrangler dev restart", () => {
  // The port is kept, so the server comes back where it was (restart() keeps its --persist-to as well).
  const suite = serverSuite({ keepPort: true, vars: { AUTH_SECRET, API_KEY } });
  const { clients } = suite;

  /** A token from `POST /api/tokens` with the API key. */
  const mint = (claims: TokenClaims) => mintToken(suite.dev, API_KEY, claims);

  /** A direct JSON socket to `room` with `token`; the caller reads its first event. */
  const direct = async (room: string, token: string): Promise<WsClient> => {
    const client = await connect(`${suite.dev.wsUrl}/ws?room=${encodeURIComponent(room)}&token=${token}`, { json: true });
    clients.push(client);
    return client;
  };

  /** An in-band JSON connection (no room yet). */
  const inBand = async (): Promise<WsClient> => {
    const client = await connect(`${suite.dev.wsUrl}/ws`, { json: true });
    clients.push(client);
    return client;
  };

  /** The room's stored seq stream, read with the API key. */
  const history = async (room: string): Promise<StoredEvent[]> => {
    const res = await fetch(`${suite.dev.url}/api/rooms/${encodeURIComponent(room)}/messages?limit=200`, {
      headers: { Authorization: `Bearer ${API_KEY}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { messages: StoredEvent[] }).messages;
  };

  it("the banned member is refused on both paths after the restart; an unban after it lets it back", { timeout: 120_000 }, async () => {
    const dev = suite.dev;
    const room = uniqueRoom("private-ban");
    const [modToken, trollToken, friendToken] = await Promise.all([
      mint({ sub: "mod", name: "Mod", room, role: "moderator" }),
      mint({ sub: "troll", name: "Troll", room }),
      mint({ sub: "friend", name: "Friend", room }),
    ]);

    const mod = await direct(room, modToken);
    expect(await mod.event()).toMatchObject({ type: "joined", room, self: { id: "mod", role: "moderator" } });
    const troll = await direct(room, trollToken);
    expect(await troll.event()).toMatchObject({ type: "joined", room, self: { id: "troll", nick: "Troll", role: "member" } });

    mod.send({ action: "ban", member: "troll", reason: "abuse" });
    const ban = (await mod.until(isModeration("ban"))) as ModerationEvent;
    expect(ban).toMatchObject({ member: "troll", nick: "Troll", reason: "abuse", by: { id: "mod" } });
    expect(ban.seconds).toBeUndefined();
    expect(await troll.until((e) => e.type === "error")).toMatchObject({ code: "banned", message: expect.stringContaining("abuse") });
    // The close frame follows the error: had it not arrived when the process ends, `ws` would report 1006.
    await waitUntil("the banned socket has the room's close frame", () => troll.ws.readyState !== WebSocket.OPEN, WAIT_MS);

    await dev.restart();
    // The old sockets went with the old process: this really was a restart.
    expect(mod.closed).not.toBeNull();
    // The room closed the banned socket with 4003. (`ws` reports the code of the close frame it received; under
    // wrangler dev the TCP connection of a socket the room closed while handling another's frame lingers until the
    // process ends, so its close event comes only now.)
    expect((await troll.closedWith()).code).toBe(CloseCode.BANNED);

    // Direct socket: the upgrade completes (a browser could read nothing of an HTTP refusal), then `banned` and 4003.
    const again = await direct(room, trollToken);
    const refused = (await again.event()) as ErrorEvent;
    expect(refused).toMatchObject({ type: "error", code: "banned" });
    expect(refused.message).toContain(room);
    expect(refused.message).toContain("abuse");
    expect((await again.closedWith()).code).toBe(CloseCode.BANNED);

    // In-band join: refused with `banned`; the connection stays, in no room.
    const relay = await inBand();
    relay.send({ action: "join", msg: room, token: trollToken });
    expect(await relay.event()).toMatchObject({ type: "error", code: "banned" });
    await relay.quiet(300);
    expect(relay.closed).toBeNull();

    // Specific to the ban: another member of the same room, with a token from the same server, still gets in.
    const friend = await direct(room, friendToken);
    expect(await friend.event()).toMatchObject({ type: "joined", room, self: { id: "friend" } });
    await friend.quiet(300);

    // The ban is on the room's seq stream, kept across the restart too.
    expect((await history(room)).filter((e) => e.type === "moderation")).toEqual([ban]);

    // The moderator comes back and lifts the ban; both paths let the member in again.
    const mod2 = await direct(room, modToken);
    const rejoined = (await mod2.event()) as JoinedEvent;
    expect(rejoined).toMatchObject({ type: "joined", self: { id: "mod" } });
    expect(rejoined.members.map((m) => m.id).sort()).toEqual(["friend", "mod"]);
    mod2.send({ action: "unban", member: "troll" });
    expect(await mod2.until(isModeration("unban"))).toMatchObject({ member: "troll", by: { id: "mod" } });

    const back = await direct(room, trollToken);
    expect(await back.event()).toMatchObject({ type: "joined", room, self: { id: "troll", nick: "Troll" } });
    expect(await mod2.until((e): e is PresenceEvent => e.type === "presence")).toMatchObject({ event: "join", member: { id: "troll" } });
    back.send({ action: "send_to_room", msg: "sorry", id: "troll-1" });
    expect(await mod2.until((e) => e.type === "message")).toMatchObject({ text: "sorry", from: { id: "troll", nick: "Troll" } });

    relay.send({ action: "join", msg: room, token: trollToken });
    expect(await relay.until((e) => e.type === "joined")).toMatchObject({ room, self: { id: "troll" } });
  });
});
