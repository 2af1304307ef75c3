// Searches are reads: they share an address's HTTP_READS_PER_MINUTE (5 here) with every other read.
import { describe, expect, it } from "vitest";
import { call, uniqueRoom } from "../client";

describe("search over HTTP", () => {
  it("is limited per address with the other reads: the sixth read in a minute gets 429", async () => {
    const room = uniqueRoom();
    const headers = { "CF-Connecting-IP": "2001:db8::5ea4" };
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call(`/api/rooms/${room}/messages`, { headers })).status);
    for (let i = 0; i < 3; i++) statuses.push((await call(`/api/rooms/${room}/search?q=x`, { headers })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const refused = await call(`/api/rooms/${room}/search?q=x`, { headers });
    expect(await refused.json()).toMatchObject({ error: { code: "too_many_requests" } });
  });
});
