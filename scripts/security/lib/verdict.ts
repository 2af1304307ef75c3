/** One attack, how it is run, and its verdict line. */
import { secs } from "./figures.ts";
import { closeOpenPeers } from "./peer.ts";
import type { Targets } from "./targets.ts";

export interface Verdict {
  /** whether the server did what the fixed server must */
  ok: boolean;
  /** what was measured, on one line */
  figure: string;
}

export interface Attack {
  n: number;
  name: string;
  run: (targets: Targets) => Promise<Verdict>;
  timeoutMs: number;
}

/**
 * Runs one attack, bounded by its timeout; an error or a timeout is a FAIL
 * with the reason as its figure. Sockets it left open are closed.
 */
export async function runAttack(attack: Attack, targets: Targets): Promise<Verdict> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<Verdict>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, figure: `did not finish within ${secs(attack.timeoutMs)}` }), attack.timeoutMs);
  });
  try {
    return await Promise.race([
      attack.run(targets).catch((err: unknown) => ({ ok: false, figure: `error: ${err instanceof Error ? err.message : err}` })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    closeOpenPeers();
  }
}

/** The attack's line: `PASS|FAIL  <n>. <name>: <figure>`. */
export function formatVerdict(attack: Attack, verdict: Verdict): string {
  return `${verdict.ok ? "PASS" : "FAIL"}  ${attack.n}. ${attack.name}: ${verdict.figure}`;
}
