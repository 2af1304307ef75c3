/**
 * The attacks of issue "Hardening II: what an outside attacker found", each
 * one run against a real `wrangler dev` and judged by what the FIXED server
 * must do. Shared by `npm run security` (scripts/security.ts) and
 * test/node/security.test.ts, so both run exactly the same checks.
 *
 *   const targets = await startTargets();
 *   for (const attack of ATTACKS) console.log(formatVerdict(attack, await runAttack(attack, targets)));
 *   await targets.stop();
 *
 * One module per attack in attacks/; what they share in lib/: the servers
 * (targets), HTTP from addresses of their own (http), the WebSocket client
 * (peer), and the verdict (verdict). Every wait and every loop is bounded in
 * count and in time.
 */
import { absentRoles } from "./attacks/absent-roles.ts";
import { credentialGuessing } from "./attacks/credential-guessing.ts";
import { deletedText } from "./attacks/deleted-text.ts";
import { docsAgree } from "./attacks/docs-agree.ts";
import { everyWayOfSpeaking } from "./attacks/every-way-of-speaking.ts";
import { forgedLines } from "./attacks/forged-lines.ts";
import { greetingBytes } from "./attacks/greeting-bytes.ts";
import { historyAmplification } from "./attacks/history-amplification.ts";
import { httpWriteFlood } from "./attacks/http-write-flood.ts";
import { hugeBody } from "./attacks/huge-body.ts";
import { idHijack } from "./attacks/id-hijack.ts";
import { kickClose } from "./attacks/kick-close.ts";
import { longToken } from "./attacks/long-token.ts";
import { names } from "./attacks/names.ts";
import { pathsAgree } from "./attacks/paths-agree.ts";
import { readsCreateRooms } from "./attacks/reads-create-rooms.ts";
import { relayBudget } from "./attacks/relay-budget.ts";
import { steadyFlood } from "./attacks/steady-flood.ts";
import type { Attack } from "./lib/verdict.ts";

export { startTargets, type Targets } from "./lib/targets.ts";
export { type Attack, formatVerdict, runAttack, type Verdict } from "./lib/verdict.ts";

/** In their issue's order: `n` is the number each verdict line carries. */
export const ATTACKS: Attack[] = [
  httpWriteFlood,
  hugeBody,
  readsCreateRooms,
  historyAmplification,
  idHijack,
  steadyFlood,
  names,
  forgedLines,
  pathsAgree,
  docsAgree,
  // Issue "Hardening III: what the third outside attack found": n is its class number + 10.
  relayBudget,
  absentRoles,
  everyWayOfSpeaking,
  deletedText,
  credentialGuessing,
  kickClose,
  greetingBytes,
  longToken,
];
