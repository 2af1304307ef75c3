/**
 * 3. Reads of rooms nobody wrote to, and sockets that join and leave
 * without a word. Fixed: no new room database; and a GET flood from one
 * address is eventually 429. The 200 GETs come from 200 addresses, so that
 * a per-address limit cannot answer them for the room.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { now, pool, sleep } from "../lib/clock.ts";
import { count, counted } from "../lib/figures.ts";
import { freshRoom, http, nextAddress } from "../lib/http.ts";
import { direct, openPeer } from "../lib/peer.ts";
import type { Target, Targets } from "../lib/targets.ts";
import type { Attack, Verdict } from "../lib/verdict.ts";

/**
 * The rooms in a server's persistence directory that stored anything. Each
 * room's SQLite file is `<persist>/v3/do/<worker>-Room/<64 hex>.sqlite`
 * (plus -wal and -shm); `metadata.sqlite` beside them is miniflare's own.
 * miniflare makes a file for every object it starts, with only its own
 * `__miniflare_do_name` table in it, so a file alone says nothing; Cloudflare
 * keeps no storage at all for an object that never wrote. So a room counts
 * when its file holds any table of Parley's.
 */
function roomDatabases(t: Target): Set<string> {
  const doDir = join(t.persistTo, "v3", "do");
  if (!existsSync(doDir)) return new Set();
  const files = readdirSync(doDir)
    .filter((d) => d.endsWith("-Room"))
    .flatMap((d) => readdirSync(join(doDir, d)).map((f) => `${d}/${f}`))
    .filter((f) => /\/[0-9a-f]{64}\.sqlite$/.test(f));
  return new Set(files.filter((f) => storedAnything(join(doDir, f))));
}

function storedAnything(path: string): boolean {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    return tables.some((t) => !t.name.startsWith("__miniflare") && !t.name.startsWith("_cf_"));
  } finally {
    db.close();
  }
}

/**
 * One address sends GETs as fast as it can (at most 800 — past the default
 * HTTP_READS_PER_MINUTE of 600 —, for at most 15 s: on a machine busy with
 * other tests, 6 s was not always enough to pass 600).
 */
async function getFlood(t: Target): Promise<{ first429: number; sent: number }> {
  const ip = nextAddress();
  const url = `${t.url}/api/rooms/${freshRoom("getflood")}/messages`;
  let first429 = -1;
  let sent = 0;
  const start = now();
  await pool(8, 800, async (i) => {
    if (first429 >= 0 || now() - start >= 15_000) return;
    sent += 1;
    const res = await http(url, { ip });
    if (res.status === 429 && (first429 < 0 || i < first429)) first429 = i;
  });
  return { first429, sent };
}

/** 20 direct sockets, each to a room of its own, join and leave; how many were greeted with `joined`. */
async function joinAndLeave(t: Target): Promise<number> {
  let joined = 0;
  await pool(5, 20, async () => {
    const peer = await openPeer(direct(t, freshRoom("ghost"), "ghost"), { json: true }).catch(() => null);
    if (!peer) return;
    try {
      if ((await peer.event().catch(() => null))?.type === "joined") joined += 1;
      peer.send({ action: "leave" });
      await peer.closedWith(3_000).catch(() => {});
    } finally {
      peer.terminate();
    }
  });
  return joined;
}

async function run({ main }: Targets): Promise<Verdict> {
  await sleep(200);
  const before = roomDatabases(main);
  const statuses = new Map<number, number>();
  await pool(10, 200, async (i) => {
    const room = encodeURIComponent(freshRoom("ghost"));
    const res = await http(`${main.url}/api/rooms/${room}${i < 100 ? "" : "/messages"}`);
    count(statuses, res.status);
  });
  const joined = await joinAndLeave(main);
  await sleep(500);
  const created = [...roomDatabases(main)].filter((f) => !before.has(f)).length;
  const refusedReads = [...statuses].filter(([s]) => s === 0 || s === 429 || s >= 500).reduce((n, [, c]) => n + c, 0);
  const flood = await getFlood(main);
  return {
    ok: created === 0 && refusedReads === 0 && joined === 20 && flood.first429 >= 0,
    figure:
      `${created} new room databases after 200 GETs (${counted(statuses)}) and ${joined}/20 sockets joined and left; ` +
      `GET flood from one address: first 429 at #${flood.first429 < 0 ? `none of ${flood.sent}` : flood.first429}`,
  };
}

export const readsCreateRooms: Attack = { n: 3, name: "Reads create rooms", run, timeoutMs: 45_000 };
