/**
 * Webhooks that cannot be delivered (issue 23: "delivery never slows the
 * room"): the fan-out scenario's room again, on a Parley of its own whose
 * rooms report every event to a receiver that never answers — each request
 * is held until the server's timeout gives up on it — so the outbox fills
 * and the alarm keeps retrying. Its rows (target `parley:webhooks-down`) sit
 * beside `fanout`'s on the `parley` target, the same load without webhooks:
 * acknowledgement latency and server CPU per delivery should not move.
 */
import { createServer, type ServerResponse } from "node:http";
import { startParleyWith } from "../lib/admin.ts";
import { CFG } from "../lib/config.ts";
import { directRuns } from "../lib/load-run.ts";
import type { Row, Scenario } from "../lib/rows.ts";

/** A receiver on 127.0.0.1 that takes every request and never answers it. */
async function silentReceiver(): Promise<{ url: string; held: () => number; close: () => Promise<void> }> {
  const held = new Set<ServerResponse>();
  let total = 0;
  const server = createServer((req, res) => {
    req.resume();
    total++;
    held.add(res);
    res.on("close", () => held.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    held: () => total,
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function downReceiverRuns(): Promise<Row[]> {
  const receiver = await silentReceiver();
  const secret = `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64")}`;
  const admin = await startParleyWith("parley-webhooks", {
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: secret,
    WEBHOOK_TIMEOUT_MS: "10000",
  });
  const rows: Row[] = [];
  try {
    const shape = { name: "webhooks", prefix: "wh", rooms: 1, perRoom: CFG.fanoutClients, rate: CFG.fanoutRate };
    for (const run of directRuns(admin.server, "parley:webhooks-down", shape)) {
      for (const row of await run()) rows.push({ ...row, webhookRequests: receiver.held() });
    }
  } finally {
    await admin.server.stop();
    await receiver.close();
  }
  return rows;
}

export const webhooks: Scenario = {
  runs: (_server, target) => (target === "parley" ? [() => downReceiverRuns()] : []),
};
