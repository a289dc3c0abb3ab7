import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { runCli } from "./cli-harness.js";
import { requireShared, repoRoot } from "./paths.js";
import { scoreScenario, type Expected } from "./expectations.js";
import type { Report } from "../src/engine/types.js";

const NOW = "2026-11-28T12:00:00Z"; // the scenarios' "now" (shared/scenarios/README.md)

async function diagnose(dir: string): Promise<{ report: Report; code: number; stderr: string }> {
  const r = await runCli(["diagnose", "--evidence", dir, "--format", "json", "--now", NOW]);
  assert.notEqual(r.code, 2, `diagnose failed on ${dir}: ${r.stderr}`);
  return { report: JSON.parse(r.stdout) as Report, code: r.code, stderr: r.stderr };
}

test("every shared scenario reaches its expected verdict through the CLI", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const root = join(shared, "scenarios");
  const folders = readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  assert.ok(folders.length >= 18, `expected the scenario corpus, found ${folders.length} folders`);
  const failures: string[] = [];
  for (const name of folders) {
    const dir = join(root, name);
    const exp = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Expected;
    const { report, code } = await diagnose(dir);
    const problems = scoreScenario(report, exp);
    const hasErrors = report.findings.some((f) => f.severity === "error");
    if (code !== (hasErrors ? 1 : 0)) problems.push(`exit code ${code} does not match findings`);
    if (problems.length) failures.push(`${name}: ${problems.join("; ")} [got: ${report.findings.map((f) => `${f.code}/${f.severity}`).join(", ")}]`);
  }
  console.log(`scenarios: ${folders.length - failures.length}/${folders.length} pass`);
  assert.deepEqual(failures, []);
});

test("the demo environment reaches its expected verdict", async () => {
  const dir = join(repoRoot(), "examples", "demo-broken-cluster");
  assert.ok(existsSync(dir));
  const exp = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Expected;
  const { report } = await diagnose(dir);
  assert.deepEqual(scoreScenario(report, exp), []);
});

test("every error finding carries evidence and a remediation command", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const root = join(shared, "scenarios");
  for (const name of readdirSync(root).filter((n) => existsSync(join(root, n, "expected.json")))) {
    const { report } = await diagnose(join(root, name));
    for (const f of report.findings) {
      assert.ok(f.evidence.length > 0, `${name}: ${f.code} has no evidence`);
      assert.ok(f.remediation.length > 0, `${name}: ${f.code} has no remediation`);
      for (const e of f.evidence) assert.ok(e.source && e.observed !== undefined, `${name}: ${f.code} evidence lacks source`);
    }
  }
});
