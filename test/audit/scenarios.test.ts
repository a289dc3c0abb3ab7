// The acceptance test of the fleet audit: on every public scenario combined into one folder, the audit reports
// exactly the union of what `diagnose` reports per scenario, on the configuration codes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../cli-harness.js";
import { requireShared } from "../paths.js";
import { runAudit } from "../../src/cli/audit-cmd.js";
import { AUDIT_CODES, type AuditResult } from "../../src/audit/audit.js";
import type { Report } from "../../src/engine/types.js";

const NOW = "2026-11-28T12:00:00Z";

async function auditJson(dir: string, extra: string[] = []): Promise<{ code: number; result: AuditResult; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runAudit(["--evidence", dir, "--format", "json", "--now", NOW, ...extra], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), isTTY: false, env: { NO_COLOR: "1" } });
  return { code, result: JSON.parse(stdout) as AuditResult, stderr };
}

function combine(shared: string): { dir: string; names: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "pulldoctor-audit-"));
  const root = join(shared, "scenarios");
  const names = readdirSync(root).filter((n) => statSync(join(root, n)).isDirectory());
  for (const n of names) cpSync(join(root, n), join(dir, n), { recursive: true });
  return { dir, names };
}

const key = (cluster: string, f: { code: string; subject: string; severity: string }) => `${cluster.toLowerCase()} | ${f.code} | ${f.subject.toLowerCase()} | ${f.severity}`;

test("audit of all scenarios in one folder equals the union of per-scenario diagnose, on the configuration codes", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const { dir, names } = combine(shared);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  assert.ok(names.length >= 10, "the scenario corpus is there");

  const codes = new Set<string>(AUDIT_CODES);
  const expected = new Set<string>();
  for (const n of names) {
    const r = await runCli(["diagnose", "--evidence", join(dir, n), "--format", "json", "--now", NOW]);
    assert.ok(r.code === 0 || r.code === 1, `diagnose ${n} ran: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as Report;
    const cluster = report.subjects.clusters.join(",");
    for (const f of report.findings) if (codes.has(f.code)) expected.add(key(cluster, f));
  }
  const { result } = await auditJson(dir);
  const actual = new Set<string>();
  for (const c of result.clusters) for (const f of c.findings) actual.add(key(c.id, f));

  assert.ok(expected.size >= 10, `diagnose found configuration findings to compare (${expected.size})`);
  assert.deepEqual([...actual].sort(), [...expected].sort());
  assert.equal(result.clusters.length, names.length, "one audited cluster per scenario");
  assert.deepEqual(result.unattributed, [], "every scenario's kubectl output is attributed to its own cluster");
});

test("registries no cluster can pull from are the ones whose only cluster is refused", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const { dir } = combine(shared);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { result } = await auditJson(dir);
  const registryOf = (name: string) => {
    const hit = result.registries.find((r) => r.loginServer.startsWith(`${name}.`));
    assert.ok(hit, `registry ${name} is audited`);
    return hit;
  };
  const byLogin = (login: string) => result.summary.registriesNobodyCanPull.includes(registryOf(login).id);
  for (const r of result.registries) {
    const pairedClusters = result.clusters.filter((c) => c.registries.includes(r.id));
    const granted = pairedClusters.filter((c) => c.access.some((a) => a.registry === r.id && a.verdict === "granted"));
    assert.equal(r.nobodyCanPull, pairedClusters.length > 0 && granted.length === 0, `${r.loginServer}: nobodyCanPull follows the verdicts`);
    assert.deepEqual([...r.pullableBy].sort(), granted.map((c) => c.id).sort());
  }
  assert.ok(result.summary.registriesNobodyCanPull.length >= 3, "several scenarios refuse every pull");
  assert.equal(byLogin("contosostorefrontacr"), false, "healthy-managed-identity's registry is pullable");
  assert.equal(byLogin("fabrikamlogistics"), true, "mi-acrpull-missing: the kubelet identity holds no role");
  assert.equal(byLogin("cmsgdispatch"), true, "deny-assignment-blocks-pull: a deny assignment refuses pull");
  assert.equal(byLogin("tailwindretail"), true, "acrpull-on-control-plane-identity: the role is on the wrong identity");
  assert.ok(result.summary.registriesNobodyCanPull.every((id) => result.registries.find((r) => r.id === id)!.pullableBy.length === 0));
});
