/**
 * `npm run security`: runs every attack of issue "Hardening II: what an
 * outside attacker found" (scripts/security/) against a real `wrangler dev`,
 * one line per attack:
 *
 *   PASS  1. HTTP write flood: stored 38 of 412 posts in 3.0 s (at most 40); …
 *   FAIL  2. Huge body: …
 *   security: 9 passed, 1 failed
 *
 * Exits 1 if any attack failed (or the servers did not start). The servers
 * run a snapshot of the work tree; SECURITY_REF=<commit> runs that commit's
 * tree instead (to see each check catch its defect on code from before a fix).
 */
import { ATTACKS, formatVerdict, runAttack, startTargets } from "./security/index.ts";

const ref = process.env.SECURITY_REF || undefined;
if (ref) console.log(`security: against ${ref}, not the work tree`);
const targets = await startTargets({ ref });
let stopping = false;
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  await targets.stop();
  process.exit(code);
};
process.once("SIGINT", () => void stop(130));
process.once("SIGTERM", () => void stop(143));

let passed = 0;
let failed = 0;
try {
  for (const attack of ATTACKS) {
    const verdict = await runAttack(attack, targets);
    console.log(formatVerdict(attack, verdict));
    if (verdict.ok) passed += 1;
    else failed += 1;
  }
} finally {
  stopping = true;
  await targets.stop();
}
console.log(`security: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
