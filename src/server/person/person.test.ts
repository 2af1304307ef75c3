import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

const fresh = () => env.PERSONS.getByName(`person-${crypto.randomUUID()}`);

describe("Person", () => {
  it("lists a room once: a rejoin writes nothing (no row written, the first marker kept)", async () => {
    const stub = fresh();
    expect(await stub.joined("r", 5, 1)).toEqual({ ok: true, value: true });
    expect(await stub.joined("r", 9, 2)).toEqual({ ok: true, value: false });
    expect(await stub.rooms()).toEqual({ ok: true, value: [{ room: "r", joined: 1, lastRead: 5 }] });
  });

  it("moves a marker forward only, and never lists a room by a read", async () => {
    const stub = fresh();
    await stub.joined("r", 0, 1);
    await stub.read("r", 7);
    await stub.read("r", 3);
    await stub.read("elsewhere", 4);
    expect(await stub.rooms()).toEqual({ ok: true, value: [{ room: "r", joined: 1, lastRead: 7 }] });
  });

  it("forgets a room, marker and all", async () => {
    const stub = fresh();
    await stub.joined("r", 2, 1);
    expect(await stub.forget("r")).toEqual({ ok: true, value: true });
    expect(await stub.forget("r")).toEqual({ ok: true, value: false });
    expect(await stub.rooms()).toEqual({ ok: true, value: [] });
  });
});
