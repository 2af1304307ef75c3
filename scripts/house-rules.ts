/**
 * The size rules of docs/architecture.md, checked rather than remembered
 * (`npm run check`): no source file under src/ (tests aside), scripts/ or
 * bench/ over 400 lines, and no function there over 60. Lists every breach
 * and exits 1 if there is one.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import ts from "typescript";

const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 60;

const SOURCE = /\.(ts|mts|js|mjs)$/;
const TEST = /\.test\.|(^|\/)fakes\.ts$/;

function sources(): string[] {
  const listed = execFileSync("git", ["ls-files", "src", "scripts", "bench"], { encoding: "utf8" });
  return listed.split("\n").filter((path) => SOURCE.test(path) && !TEST.test(path));
}

function isFunction(node: ts.Node): boolean {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/** Every breach in one file, as `path:line what`. */
function breaches(path: string): string[] {
  const text = readFileSync(path, "utf8");
  const found: string[] = [];
  const lines = text.split("\n").length;
  if (lines > MAX_FILE_LINES) found.push(`${path}: ${lines} lines (at most ${MAX_FILE_LINES})`);
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos: number) => file.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node: ts.Node): void => {
    if (isFunction(node)) {
      const start = lineOf(node.getStart(file));
      const length = lineOf(node.getEnd()) - start + 1;
      if (length > MAX_FUNCTION_LINES) found.push(`${path}:${start}: a function of ${length} lines (at most ${MAX_FUNCTION_LINES})`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const all = sources().flatMap(breaches);
for (const line of all) console.error(line);
console.log(all.length ? `house rules: ${all.length} breaches` : "house rules: every file and function within its size");
process.exitCode = all.length ? 1 : 0;
