/**
 * A before-send hook on 127.0.0.1 for the hook's tests: it checks every
 * request's signature with the reference Standard Webhooks library (as the
 * webhook tests do), records it, and answers by the text it is shown —
 * "forbidden" refused, "replace" replaced, "slow" past any timeout, "broken"
 * with a 500 — and otherwise allows it.
 */
import { createServer, type ServerResponse } from "node:http";
import { Webhook } from "standardwebhooks";

export interface Asked {
  body: {
    room: string;
    from: { id: string; nick: string };
    text: string;
    id?: string;
    replyTo?: unknown;
    mentions?: string[];
    edit?: number;
  };
  verified: boolean;
}

export interface HookReceiver {
  readonly url: string;
  readonly asked: Asked[];
  close(): Promise<void>;
}

export const REFUSAL = "no forbidden words here";
export const REPLACEMENT = "[replaced by the hook]";

function answer(res: ServerResponse, text: string, held: Set<ServerResponse>): void {
  const json = (body: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  if (text.includes("forbidden")) json({ allow: false, reason: REFUSAL });
  else if (text.includes("replace")) json({ allow: true, text: REPLACEMENT });
  else if (text.includes("broken")) res.writeHead(500).end("down");
  else if (text.includes("slow")) held.add(res);
  else json({ allow: true });
}

export async function startHookReceiver(secret: string): Promise<HookReceiver> {
  const verifier = new Webhook(secret);
  const asked: Asked[] = [];
  const held = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const header = (name: string) => String(req.headers[name] ?? "");
      let verified = true;
      try {
        verifier.verify(raw, {
          "webhook-id": header("webhook-id"),
          "webhook-timestamp": header("webhook-timestamp"),
          "webhook-signature": header("webhook-signature"),
        });
      } catch {
        verified = false;
      }
      const body = JSON.parse(raw) as Asked["body"];
      asked.push({ body, verified });
      answer(res, body.text, held);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/before-send`,
    asked,
    close: async () => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
