/**
 * axe-core (Deque's accessibility engine) run on a page as the browser tests
 * have it. The engine's source is evaluated through playwright, over the
 * DevTools protocol, which the page's Content-Security-Policy does not
 * govern: the page is audited exactly as served, its `script-src 'self'`
 * untouched (no script tag is added, nothing is bypassed).
 *
 *   const found = await audit(tab.page);
 *   expect(found, report(found)).toEqual([]);
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AxeResults, ImpactValue, RunOptions } from "axe-core";
import type { Page } from "playwright-core";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** What is checked: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and Deque's best practices (landmarks among them). */
const RUN: RunOptions = {
  runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
  resultTypes: ["violations"],
};

/**
 * Moderate or minor findings the page lives with, each with its reason: a
 * rule named here is left out of what `audit` returns. Serious and critical
 * ones can never be listed here: `audit` returns them whatever this says.
 */
export const ACCEPTED: Readonly<Record<string, string>> = {};

/** One rule broken, where, and how badly. */
export interface Finding {
  rule: string;
  impact: ImpactValue | null | undefined;
  help: string;
  /** The CSS selectors of the elements that break it, and axe's summary of why (contrast ratios and colours, say). */
  nodes: { target: string; why: string }[];
}

/** With `prefers-contrast: more`, text is held to WCAG's AAA contrast (7:1, 4.5:1 for large text) too. */
const ENHANCED: RunOptions = { runOnly: { type: "rule", values: ["color-contrast-enhanced"] }, resultTypes: ["violations"] };

type Axe = { run(context: Document, options: RunOptions): Promise<AxeResults> };

/**
 * The page's violations as it is now, but those ACCEPTED (never a serious or
 * critical one); with `enhancedContrast`, AAA contrast is checked as well.
 */
export async function audit(page: Page, { enhancedContrast = false } = {}): Promise<Finding[]> {
  const loaded = await page.evaluate(() => "axe" in window);
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const run = (options: RunOptions) => page.evaluate((o) => (window as unknown as { axe: Axe }).axe.run(document, o), options);
  const violations = (await run(RUN)).violations;
  if (enhancedContrast) violations.push(...(await run(ENHANCED)).violations);
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical" || !(v.id in ACCEPTED))
    .map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(" "), why: n.failureSummary?.replace(/\s+/g, " ") ?? "" })),
    }));
}

/** A failure message: each finding, with its elements. */
export function report(findings: Finding[], where = ""): string {
  const lines = findings.flatMap((f) => [`${f.impact} ${f.rule}: ${f.help}`, ...f.nodes.map((n) => `  ${n.target}: ${n.why}`)]);
  return `${where}${where ? ": " : ""}${lines.join("\n")}`;
}
