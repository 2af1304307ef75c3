// Issue 23: the before-send hook. Every message and edit is shown to the
// operator's endpoint (signed, checked here by the reference Standard
// Webhooks library) before it is stored: refused, replaced, or let through;
// a hook that is slow or broken means what BEFORE_SEND_FAIL says. On both
// socket paths and over HTTP.
import { beforeAll, describe, expect, it } from "vitest";
import type { ErrorEvent, MessageEvent, ServerEvent } from "../../src/shared/events";
import type { DevServerOptions } from "./dev-server";
import { roomHistory, serverSuite } from "./e2e";
import { type HookReceiver, REFUSAL, REPLACEMENT, startHookReceiver } from "./hook-receiver";
import { newSecret } from "./webhook-receiver";
import { connect, uniqueRoom, type WsClient } from "./ws-client";

const SECRET = newSecret();
const isMessage = (e: ServerEvent): e is MessageEvent => e.type === "message";
const isError = (e: ServerEvent): e is ErrorEvent => e.type === "error";

/** A wrangler dev whose hook fails `fail` after 300 ms, and its receiver. */
function hookedServer(fail: "open" | "closed") {
  let hook: HookReceiver | undefined;
  const options: DevServerOptions = { keepPort: true, vars: {} };
  beforeAll(async () => {
    hook = await startHookReceiver(SECRET);
    options.vars = {
      BEFORE_SEND_URL: hook.url,
      BEFORE_SEND_TIMEOUT_MS: "300",
      BEFORE_SEND_FAIL: fail,
      WEBHOOK_SECRET: SECRET,
      RATE_LIMIT_BURST: "1000",
      RATE_LIMIT_PER_SECOND: "1000",
      CONNECTS_PER_MINUTE: "0",
    };
    return () => hook?.close();
  });
  const suite = serverSuite(options);
  const member = async (room: string, nick: string, json = true): Promise<WsClient> => {
    const c = await connect(`${suite.dev.wsUrl}/ws?room=${room}&nick=${nick}`, { json });
    suite.clients.push(c);
    if (json) await c.event();
    else await c.next();
    return c;
  };
  return { suite, member, hook: () => hook as HookReceiver };
}

describe("before-send hook, failing open", () => {
  const { suite, member, hook } = hookedServer("open");

  it("refuses, replaces and lets through on a direct socket; what it refused is never stored", async () => {
    const room = uniqueRoom();
    const a = await member(room, "ann");
    a.send({ action: "send_to_room", msg: "this is forbidden", id: "m-1" });
    expect(await a.until(isError)).toMatchObject({ code: "rejected", message: REFUSAL, ref: "m-1" });
    a.send({ action: "send_to_room", msg: "please replace this", id: "m-2" });
    expect(await a.until(isMessage)).toMatchObject({ text: REPLACEMENT, id: "m-2" });
    a.send({ action: "send_to_room", msg: "hello", id: "m-3" });
    expect(await a.until(isMessage)).toMatchObject({ text: "hello", id: "m-3" });
    expect((await roomHistory(suite.dev, room)).map((m) => m.text)).toEqual([REPLACEMENT, "hello"]);
    const shown = hook().asked.filter((x) => x.body.room === room);
    expect(shown.map((x) => x.body.text)).toEqual(["this is forbidden", "please replace this", "hello"]);
    expect(shown.every((x) => x.verified)).toBe(true);
    expect(shown[0]?.body).toMatchObject({ room, from: { nick: "ann" }, id: "m-1" });
  });

  it("screens an edit: a refused edit changes nothing, a replaced one stores the replacement", async () => {
    const room = uniqueRoom();
    const a = await member(room, "ann");
    a.send({ action: "send_to_room", msg: "first", id: "e-1" });
    const { seq } = await a.until(isMessage);
    a.send({ action: "edit", seq, msg: "now forbidden" });
    expect(await a.until(isError)).toMatchObject({ code: "rejected", message: REFUSAL });
    a.send({ action: "edit", seq, msg: "replace it" });
    expect(await a.until((e) => e.type === "edit")).toMatchObject({ target: seq, text: REPLACEMENT });
    expect(hook().asked.find((x) => x.body.room === room && x.body.edit === seq)).toBeDefined();
  });

  it("in-band text clients read the refusal as an error line and see the replacement", async () => {
    const room = uniqueRoom();
    const c = await connect(`${suite.dev.wsUrl}/ws`);
    suite.clients.push(c);
    c.send({ action: "join", msg: room, nick: "tex" });
    expect(await c.next()).toBe(`tex join room ${room} success .`);
    c.send({ action: "send_to_room", msg: "forbidden words" });
    expect(await c.next()).toBe(`error: ${REFUSAL}`);
    c.send({ action: "send_to_room", msg: "replace me" });
    expect(await c.next()).toBe(`tex : ${REPLACEMENT}`);
  });

  it("over HTTP: 422 rejected, or 201 with the replaced text", async () => {
    const room = uniqueRoom();
    const post = (text: string) =>
      fetch(`${suite.dev.url}/api/rooms/${room}/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ nick: "bot", text }),
      });
    const refused = await post("forbidden post");
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ error: { code: "rejected", message: REFUSAL } });
    const replaced = await post("replace the post");
    expect(replaced.status).toBe(201);
    expect(await replaced.json()).toMatchObject({ text: REPLACEMENT });
  });

  it("a slow or broken hook lets the message through, in the order it was sent", async () => {
    const room = uniqueRoom();
    const a = await member(room, "ann");
    a.send({ action: "send_to_room", msg: "slow one", id: "s-1" });
    a.send({ action: "typing" });
    a.send({ action: "send_to_room", msg: "broken one", id: "s-2" });
    a.send({ action: "send_to_room", msg: "fast one", id: "s-3" });
    const texts = [(await a.until(isMessage)).text, (await a.until(isMessage)).text, (await a.until(isMessage)).text];
    expect(texts).toEqual(["slow one", "broken one", "fast one"]);
  });
});

describe("before-send hook, failing closed", () => {
  const { suite, member } = hookedServer("closed");

  it("a slow or broken hook refuses the message, and nothing is stored", async () => {
    const room = uniqueRoom();
    const a = await member(room, "ann");
    a.send({ action: "send_to_room", msg: "slow one", id: "c-1" });
    expect(await a.until(isError)).toMatchObject({ code: "rejected", ref: "c-1" });
    a.send({ action: "send_to_room", msg: "broken one", id: "c-2" });
    expect(await a.until(isError)).toMatchObject({ code: "rejected", ref: "c-2" });
    a.send({ action: "send_to_room", msg: "fine", id: "c-3" });
    expect(await a.until(isMessage)).toMatchObject({ text: "fine" });
    expect((await roomHistory(suite.dev, room)).map((m) => m.text)).toEqual(["fine"]);
  });
});
