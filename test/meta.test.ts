import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { RULES } from "../src/rules/index.js";
import { CAUSE_CODES, CAUSES } from "../src/codes/causes.js";
import { VERSION } from "../src/version.js";
import { repoRoot, requireShared } from "./paths.js";

const root = repoRoot();
const ruleFiles = readdirSync(join(root, "src", "rules")).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && f !== "index.ts").map((f) => f.slice(0, -3));

test("rule ids equal their file names, and index.ts lists every rule file once", () => {
  const ids = RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, "duplicate rule id");
  assert.deepEqual([...ids].sort(), [...ruleFiles].sort());
  for (const id of ids) assert.match(id, /^[a-z0-9]+(-[a-z0-9]+)*$/, `${id} is not kebab-case`);
});

test("every rule has its table-driven test beside it and its page in docs/rules/", () => {
  const missing: string[] = [];
  for (const r of RULES) {
    if (!existsSync(join(root, "src", "rules", `${r.id}.test.ts`))) missing.push(`src/rules/${r.id}.test.ts`);
    if (!existsSync(join(root, "docs", "rules", `${r.id}.md`))) missing.push(`docs/rules/${r.id}.md`);
  }
  const orphanDocs = existsSync(join(root, "docs", "rules")) ? readdirSync(join(root, "docs", "rules")).filter((f) => f.endsWith(".md") && f !== "README.md" && !RULES.some((r) => `${r.id}.md` === f)) : [];
  assert.deepEqual(missing, []);
  assert.deepEqual(orphanDocs, [], "doc pages without a rule");
  const index = readFileSync(join(root, "docs", "rules", "README.md"), "utf8");
  assert.deepEqual(RULES.filter((r) => !index.includes(`(${r.id}.md)`)).map((r) => r.id), [], "rules missing from docs/rules/README.md");
});

test("every cause code is produced by some rule and exercised by a rule test", () => {
  const declared = new Set(RULES.flatMap((r) => r.codes));
  assert.deepEqual(CAUSE_CODES.filter((c) => !declared.has(c)), [], "codes no rule declares");
  const tests = ruleFiles.filter((id) => existsSync(join(root, "src", "rules", `${id}.test.ts`))).map((id) => readFileSync(join(root, "src", "rules", `${id}.test.ts`), "utf8")).join("\n");
  const exercised = CAUSE_CODES.filter((c) => new RegExp(`code:\\s*"${c}"`).test(tests));
  assert.deepEqual(CAUSE_CODES.filter((c) => !exercised.includes(c)), [], "codes no rule test expects as a finding");
});

test("src/codes/causes.ts matches ../shared/CAUSES.md exactly (codes, severities)", (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const md = readFileSync(join(shared, "CAUSES.md"), "utf8");
  const rows = [...md.matchAll(/^\|\s*([A-Z][A-Z0-9_]+)\s*\|\s*(error|warning|info)\s*\|/gm)].map((m) => [m[1]!, m[2]!] as const);
  assert.ok(rows.length >= 40, `parsed ${rows.length} codes from CAUSES.md`);
  assert.deepEqual(rows.map(([c]) => c).sort(), [...CAUSE_CODES].sort());
  for (const [code, sev] of rows) assert.equal(CAUSES[code as keyof typeof CAUSES].severity, sev, code);
});

test("VERSION equals package.json's version", () => {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  assert.equal(VERSION, pkg.version);
});

test("every rule declares a stage, a title, a description and at least one code", () => {
  for (const r of RULES) {
    assert.ok(r.title.length > 5 && r.description.length > 20, r.id);
    assert.ok(r.codes.length > 0, r.id);
  }
});
