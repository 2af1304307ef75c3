// A room under garbage: thousands of random and malformed frames while two
// members chat. Nothing crashes, every bad frame gets an error, the chat goes
// on, and history holds only the valid messages.
import { describe, expect, it } from "vitest";
import type { MessageEvent, ServerEvent } from "../src/shared/events";
import { call, connect, uniqueRoom } from "./client";

const FRAMES = 5_000;

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ODD = [
  "",
  " ",
  "\u0000",
  "\u202e",
  "\ud800",
  "\udfff",
  "🦇",
  "\u2028",
  "null",
  "{",
  '"',
  "\\",
  "<script>",
  "' OR 1=1 --",
  "ｆｕｌｌ",
];

/** One bad frame: every one must be refused. */
function badFrame(rand: () => number): string | Uint8Array {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const junk = () => Array.from({ length: 1 + Math.floor(rand() * 12) }, () => pick(ODD)).join("");
  const kinds: (() => string | Uint8Array)[] = [
    () => junk(), // not JSON (or JSON that is not an object)
    () => JSON.stringify(junk()),
    () => `{"action":"send_to_room","msg":${junk()}`, // broken JSON
    () => JSON.stringify([{ action: "send_to_room", msg: "x" }]),
    () => JSON.stringify({ action: pick(["dance", "JOIN", "", 7, null, ["join"]]), msg: "x", nick: "n" }),
    () => JSON.stringify({ action: "send_to_room", msg: pick([1, true, null, {}, [], "", "   ", "\n\t"]) }),
    () => JSON.stringify({ action: "send_to_room", msg: "ok", id: pick(["", 5, {}, "i".repeat(65), "a\u0000b", "\ud800", "a\u200Bb"]) }),
    () => JSON.stringify({ action: "join", msg: "other", nick: pick([1, {}, [], false, "evil\u202Eecila", "a\ud800"]) }),
    () => JSON.stringify({ action: "send_to_room", msg: "x".repeat(4001 + Math.floor(rand() * 100)) }),
    () => JSON.stringify({ action: "send_to_room", msg: "x", pad: "🦇".repeat(5000) }), // > 16 KiB
    () => JSON.stringify({ action: "join", msg: pick(["other", "", "a/b", "r".repeat(65), 8888]), nick: "n" }),
    () => JSON.stringify({ action: "leave", msg: pick([1, {}, []]) }),
    () => new Uint8Array(Array.from({ length: Math.floor(rand() * 32) }, () => Math.floor(rand() * 256))),
  ];
  return pick(kinds)();
}

describe("fuzz", () => {
  // CPU-bound, and it shares two cores with three other test files (vitest.config.ts's maxWorkers): a longer bound than the default.
  it(`${FRAMES} malformed frames: each gets an error, the chat goes on, history holds only valid messages`, {
    timeout: 90_000,
  }, async () => {
    const room = uniqueRoom("fuzz");
    const rand = prng(20261125);
    const alice = await connect(`/ws?room=${room}&nick=alice`, { json: true });
    await alice.event();
    const bob = await connect(`/ws?room=${room}&nick=bob`, { json: true });
    await bob.event();
    const fuzzer = await connect(`/ws?room=${room}&nick=fuzzer`, { json: true });
    await fuzzer.event();

    let chats = 0;
    for (let i = 0; i < FRAMES; i++) {
      const frame = badFrame(rand);
      if (typeof frame === "string") fuzzer.send(frame);
      else fuzzer.ws.send(frame);
      if (i % 250 === 0) {
        (chats % 2 ? bob : alice).send({ action: "send_to_room", msg: `chat ${chats}`, id: `chat-${chats}` });
        chats++;
      }
    }

    const replies: ServerEvent[] = [];
    while (replies.length < FRAMES) {
      const e = await fuzzer.event();
      if (e.type !== "message" && e.type !== "presence") replies.push(e);
    }
    expect(replies.every((e) => e.type === "error")).toBe(true);
    expect(fuzzer.closed).toBeNull();

    for (const member of [alice, bob]) {
      const texts: string[] = [];
      while (texts.length < chats) {
        const e = await member.event();
        if (e.type === "message") texts.push((e as MessageEvent).text);
      }
      expect(texts).toEqual(Array.from({ length: chats }, (_, i) => `chat ${i}`));
    }
    const history = (await (await call(`/api/rooms/${room}/messages?limit=200`)).json()) as { messages: MessageEvent[] };
    expect(history.messages.map((m) => m.id)).toEqual(Array.from({ length: chats }, (_, i) => `chat-${i}`));
  });
});
