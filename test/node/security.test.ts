// Issue "Hardening II: what an outside attacker found": every attack of
// `npm run security` (scripts/security/), one test each, against
// real `wrangler dev` servers started once for the file. Each test asserts the
// attack's verdict; its figure (what was measured) is the failure message.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ATTACKS, formatVerdict, runAttack, startTargets, type Targets } from "../../scripts/security/index.ts";

describe("an outside attacker, against wrangler dev", () => {
  let targets: Targets | undefined;

  beforeAll(async () => {
    targets = await startTargets();
  }, 120_000);

  afterAll(async () => {
    await targets?.stop();
  }, 30_000);

  for (const attack of ATTACKS) {
    it(
      `${attack.n}. ${attack.name}`,
      async () => {
        const verdict = await runAttack(attack, targets!);
        expect(verdict.ok, formatVerdict(attack, verdict)).toBe(true);
      },
      // runAttack bounds the attack itself; this leaves room for its clean-up.
      attack.timeoutMs + 10_000,
    );
  }
});
