// Both socket paths run every action the same way: each case of the contract's
// table (both-paths-cases.ts) runs on a direct socket (/ws?room=…) and after an
// in-band join (/ws, then `join`), in each JSON format, and what the actor and
// a watching member hear must match, but for the differences listed below.
import { describe, expect, it } from "vitest";
import type { JoinedEvent } from "../../src/shared/events";
import { SUBPROTOCOL, SUBPROTOCOL_V2 } from "../../src/shared/format";
import { type Heard, type Run, run, summary } from "./both-paths";
import { CASES, type Case, type Difference, NO_ACTION } from "./both-paths-cases";

/**
 * Where the paths differ on purpose (docs/protocol.md, the actions table):
 * a direct socket belongs to its room, an in-band connection to no room. In
 * each, what the watching member hears is still the same on both paths.
 */
const DIFFERENCES: Record<Difference, (direct: Run, inBand: Run) => void> = {
  // Direct: the greeting again. In-band: leave, then join again — so the
  // member list may still show the old connection going; the rest is the same.
  "joins again": (direct, inBand) => {
    const greeting = (heard: Heard[]) => {
      expect(summary(heard)).toEqual(["joined"]);
      const { members: _, count: __, ...rest } = heard[0] as JoinedEvent;
      return rest;
    };
    expect(greeting(inBand.actor)).toEqual(greeting(direct.actor));
  },
  // Direct: `room_bound`, and the socket stays in its room. In-band: the client moves.
  "moves rooms": (direct, inBand) => {
    expect(summary(direct.actor)).toEqual(["error:room_bound"]);
    expect(inBand.actor).toMatchObject([{ type: "joined", room: "<other>", self: { id: "actor" } }]);
  },
  // Both get `left`; the direct socket is then closed, the in-band one stays open in no room.
  "stays open after leave": (direct, inBand) => {
    expect(direct.actor).toEqual([{ type: "left", room: "<room>" }, { closed: 1000 }]);
    expect(inBand.actor).toEqual([{ type: "left", room: "<room>" }]);
  },
};

const GROUPS: [string, Case[]][] = [...Object.entries(CASES), ["no action", NO_ACTION]];

it("has cases for every action, each name once", () => {
  for (const [action, cases] of Object.entries(CASES)) expect(cases.length, action).toBeGreaterThan(0);
  const names = GROUPS.flatMap(([, cases]) => cases.map((c) => c.name));
  expect(new Set(names).size).toBe(names.length);
});

describe.each([SUBPROTOCOL, SUBPROTOCOL_V2])("%s: direct and in-band hear the same", (protocol) => {
  it.each(GROUPS)("%s", async (_group, cases) => {
    await Promise.all(
      cases.map(async (c) => {
        const [direct, inBand] = await Promise.all([run(c, "direct", protocol), run(c, "in-band", protocol)]);
        // The case does what its name says, on the path every action was first written for.
        expect.soft(summary(direct.actor), c.name).toEqual(c.answer);
        expect.soft(inBand.peer, `${c.name}: what PEER heard`).toEqual(direct.peer);
        if (c.differs) DIFFERENCES[c.differs](direct, inBand);
        else expect.soft(inBand.actor, c.name).toEqual(direct.actor);
      }),
    );
  });
});
