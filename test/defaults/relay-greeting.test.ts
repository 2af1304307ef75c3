// The relay tells the room's greeting from its refusal by how the room closes
// (a refusal closes with its error code as the reason), not by the text of the
// first frame: a text member's greeting may read like an error line.
import { describe, expect, it } from "vitest";
import { connect, inBandMember, uniqueRoom } from "../client";

describe("in-band join: greeted or refused", () => {
  it("a member whose nick reads like an error line is greeted all the same: in the room, and a flooder closed with 1008", async () => {
    const c = await inBandMember(uniqueRoom(), "error: x");
    // Only a member in the room hears its own message; one left in no room would hear "join a room first".
    c.send({ action: "send_to_room", msg: "in" });
    expect(await c.next()).toBe("error: x : in");
    for (let i = 0; i < 60; i++) c.send({ action: "send_to_room", msg: `m${i}` });
    expect((await c.closedWith()).code).toBe(1008);
  });

  it("a refused join leaves the client connected, in no room", async () => {
    const c = await connect("/ws");
    c.send({ action: "join", msg: "private-x", nick: "n" });
    expect(await c.next()).toBe("error: room private-x is private: it needs a token");
    c.send({ action: "send_to_room", msg: "anyone?" });
    expect(await c.next()).toBe("error: join a room first");
  });
});
