// The README and docs/protocol.md state every limit's default, every error
// code and every close code; these checks keep them saying what the code does.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CLOSE_CODE_MEANINGS, ERROR_CODES } from "../../src/shared/codes";
import { DEFAULT_LIMITS } from "../../src/shared/limits";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const read = (path: string) => readFileSync(resolve(ROOT, path), "utf8");
/** The rows `| first | … | last |` of a Markdown section, as [first, last] cells. */
function rows(doc: string, heading: string): [string, string][] {
  const section = doc.split(`\n## ${heading}\n`)[1]?.split("\n## ")[0] ?? "";
  return [...section.matchAll(/^\| (.+?) \|(?:.*\|)? (.+) \|$/gm)].map((m) => [m[1] ?? "", m[2] ?? ""]);
}

describe("docs agree with the code", () => {
  it.each(["README.md", "docs/protocol.md"])("%s's limits table gives each var its default", (path) => {
    const text = read(path);
    for (const [name, value] of Object.entries(DEFAULT_LIMITS)) {
      expect(text, `${name} in ${path}`).toMatch(new RegExp(`^\\| \`${name}\` \\| ${value}\\b`, "m"));
    }
  });

  it("docs/protocol.md lists every error code with its meaning, and no other", () => {
    const listed = rows(read("docs/protocol.md"), "Error codes").filter(([code]) => code.startsWith("`"));
    expect(Object.fromEntries(listed.map(([code, meaning]) => [code.slice(1, -1), meaning]))).toEqual(ERROR_CODES);
  });

  it("docs/protocol.md lists every close code the server sends with its meaning, and no other", () => {
    const listed = rows(read("docs/protocol.md"), "Close codes").filter(([code]) => /^\d+$/.test(code));
    const meanings = Object.fromEntries(Object.entries(CLOSE_CODE_MEANINGS).map(([code, meaning]) => [code, meaning]));
    expect(Object.fromEntries(listed)).toEqual(meanings);
  });
});
