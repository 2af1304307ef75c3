// The README and docs/protocol.md state every limit's default and every
// error code; these checks keep them saying what the code does.
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_LIMITS } from "../../src/limits";
import { ERROR_CODES } from "../../src/protocol";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const read = (path: string) => readFileSync(resolve(ROOT, path), "utf8");

describe("docs agree with the code", () => {
  it.each(["README.md", "docs/protocol.md"])("%s's limits table gives each var its default", (path) => {
    const text = read(path);
    for (const [name, value] of Object.entries(DEFAULT_LIMITS)) {
      expect(text, `${name} in ${path}`).toMatch(new RegExp(`^\\| \`${name}\` \\| ${value}\\b`, "m"));
    }
  });

  it("docs/protocol.md lists every error code, and no other", () => {
    const section = read("docs/protocol.md").split("## Error codes")[1] ?? "";
    const listed = [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(new Set(ERROR_CODES));
  });
});
