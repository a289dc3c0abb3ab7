// `pulldoctor audit` end to end on a small generated fleet (the 10,000-cluster one is for bench/ only), checked
// against the generator's ground truth; output shapes; --fail-on; usage errors.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateFleet, type FleetManifest } from "../../bench/fleet-gen.js";
import { runAudit } from "../../src/cli/audit-cmd.js";
import type { AuditResult } from "../../src/audit/audit.js";
import { requireShared } from "../paths.js";

const NOW = "2026-11-28T00:00:00Z";
let dir = "";
let truth: FleetManifest;
let result: AuditResult;

async function cli(args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await runAudit(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), isTTY: false, env: { NO_COLOR: "1" } });
  return { code, stdout, stderr };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "pulldoctor-fleet-"));
  truth = await generateFleet({ out: join(dir, "fleet"), seed: 10, clusters: 50, registries: 30, assignments: 3000, servicePrincipals: 120, assignmentsPerFile: 1000, managementGroupGrants: { above: 0.06, beside: 0.04 }, now: NOW });
  const r = await cli(["--evidence", join(dir, "fleet"), "--format", "json", "--now", NOW, "--fail-on", "none"]);
  assert.equal(r.code, 0, r.stderr);
  result = JSON.parse(r.stdout) as AuditResult;
});
after(() => rmSync(dir, { recursive: true, force: true }));

const clustersWith = (code: string) => result.clusters.filter((c) => c.findings.some((f) => f.code === code)).map((c) => c.id).sort();
const subjectsOf = (code: string) => [...new Set(result.clusters.flatMap((c) => c.findings).concat(result.registries.flatMap((r) => r.findings)).filter((f) => f.code === code).map((f) => f.subject))].sort();

test("the generated fleet is read whole: role assignments in several files, az list shapes", () => {
  assert.ok(truth.files.filter((f) => f.startsWith("role-assignments-")).length >= 3, "role assignments are chunked");
  assert.equal(result.clusters.length, 50);
  assert.equal(result.registries.length, 30);
  assert.equal(result.inputs.errors.length, 0);
});

test("audit findings match the fleet's ground truth", () => {
  for (const [k, v] of Object.entries(truth.truth)) assert.ok(v.length > 0, `the seed exercises ${k}`);
  assert.deepEqual(subjectsOf("CFG_ADMIN_USER_ENABLED"), [...truth.truth.adminEnabledRegistries].sort());
  assert.deepEqual(subjectsOf("CFG_ANONYMOUS_PULL_ENABLED"), [...truth.truth.anonymousPullRegistries].sort());
  assert.deepEqual(subjectsOf("RBAC_ORPHANED_ASSIGNMENT"), [...truth.truth.registriesWithOrphans].sort());
  assert.deepEqual(clustersWith("SP_SECRET_EXPIRING"), [...truth.truth.clustersWithExpiringSecret].sort());
  // a cluster whose identity holds no role at all can pull only where anonymous pull is on
  const anonymous = new Set(truth.truth.anonymousPullRegistries);
  for (const id of truth.truth.clustersWithoutPullRole) {
    const c = result.clusters.find((x) => x.id === id)!;
    assert.ok(c.registries.length > 0, `${c.name} is paired with its subscription's registries`);
    for (const a of c.access) assert.equal(a.verdict === "granted", anonymous.has(a.registry), `${c.name} -> ${a.registry}`);
    assert.ok(c.findings.some((f) => f.code === "RBAC_PULL_ROLE_MISSING"), `${c.name} reports RBAC_PULL_ROLE_MISSING`);
  }
  // AcrPull at the management group above the subscription: every registry paired through the subscription is pullable
  for (const id of truth.truth.clustersGrantedByManagementGroup) {
    const c = result.clusters.find((x) => x.id === id)!;
    assert.ok(c.access.length > 0 && c.access.every((a) => a.verdict === "granted"), `${c.name}: ${JSON.stringify(c.access)}`);
    assert.ok(!c.findings.some((f) => f.code === "RBAC_PULL_ROLE_MISSING" || f.code === "RBAC_SCOPE_MISMATCH"), c.name);
    assert.ok(c.findings.some((f) => f.code === "RBAC_OVERPRIVILEGED"), `${c.name}: a management-group-wide pull role is broader than needed`);
  }
  // AcrPull at the other landing zone's group: not above the subscription, so the role is in the wrong place
  for (const id of truth.truth.clustersGrantedBesideTheirSubscription) {
    const c = result.clusters.find((x) => x.id === id)!;
    for (const a of c.access) assert.equal(a.verdict === "granted", anonymous.has(a.registry), `${c.name} -> ${a.registry}`);
    assert.ok(c.findings.some((f) => f.code === "RBAC_SCOPE_MISMATCH" && /managementGroup/.test(f.message)), `${c.name} reports RBAC_SCOPE_MISMATCH`);
  }
  assert.deepEqual([...result.summary.registriesNobodyCanPull].sort(), [...truth.truth.registriesNobodyCanPull].sort());
});

test("clusters are listed worst first and the summary counts by code and severity", () => {
  const rank = (c: AuditResult["clusters"][number]) => [c.findings.filter((f) => f.severity === "error").length, c.findings.filter((f) => f.severity === "warning").length];
  for (let i = 1; i < result.clusters.length; i++) {
    const [e0, w0] = rank(result.clusters[i - 1]!);
    const [e1, w1] = rank(result.clusters[i]!);
    assert.ok(e0! > e1! || (e0 === e1 && w0! >= w1!), "sorted by errors, then warnings");
  }
  assert.equal(result.schemaVersion, 1);
  assert.equal(result.kind, "audit");
  const total = Object.values(result.summary.byCode).reduce((s, n) => s + (n ?? 0), 0);
  assert.equal(total, result.summary.bySeverity.error + result.summary.bySeverity.warning + result.summary.bySeverity.info);
  assert.equal(result.summary.byCode.CFG_ADMIN_USER_ENABLED, truth.truth.adminEnabledRegistries.length, "a registry-only practice counts once per registry, however many clusters pull from it");
  for (const c of result.clusters) assert.ok(Array.isArray(c.findings) && Array.isArray(c.unknown) && typeof c.id === "string");
  for (const r of result.registries) assert.ok(Array.isArray(r.pullableBy) && typeof r.id === "string");
});

/** RFC 4180 reader: enough to check the writer (quotes, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") { row.push(cell); cell = ""; }
    else if (ch === "\r" && text[i + 1] === "\n") { row.push(cell); rows.push(row); row = []; cell = ""; i++; }
    else cell += ch;
  }
  return rows;
}

test("CSV has one row per finding, with the header and every column", async () => {
  const r = await cli(["--evidence", join(dir, "fleet"), "--format", "csv", "--now", NOW, "--fail-on", "none"]);
  assert.equal(r.code, 0);
  const rows = parseCsv(r.stdout);
  assert.deepEqual(rows[0], ["scope", "cluster", "code", "severity", "category", "rule", "subject", "title", "message", "remediation"]);
  const expected = result.clusters.reduce((s, c) => s + c.findings.length, 0) + result.registries.reduce((s, x) => s + x.findings.length, 0);
  assert.equal(rows.length - 1, expected);
  assert.ok(rows.slice(1).every((x) => x.length === 10), "every row has ten fields even when messages hold commas and quotes");
  const first = result.clusters[0]!.findings[0]!;
  assert.deepEqual(rows[1]!.slice(0, 4), ["cluster", result.clusters[0]!.id, first.code, first.severity]);
});

test("the terminal summary lists the worst clusters and the counts by code", async () => {
  const r = await cli(["--evidence", join(dir, "fleet"), "--now", NOW, "--fail-on", "none", "--top", "5"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /50 clusters, 30 registries/);
  assert.match(r.stdout, new RegExp(`^${result.clusters[0]!.name}\\s`, "m"), "the worst cluster is listed first");
  assert.match(r.stdout, /Findings by code:/);
  assert.match(r.stdout, /CFG_ADMIN_USER_ENABLED\s+warning\s+\d+/);
  // checks that could not be made are counted, and grouped by rule and reason with the clusters each covers
  const unknowns = result.clusters.flatMap((c) => c.unknown.map((u) => ({ ...u, cluster: c.id })));
  assert.ok(unknowns.length > 0, "the fleet has no deny assignments, so that check is unknown everywhere");
  assert.match(r.stdout, new RegExp(`; ${unknowns.length} checks could not be made\n`));
  assert.match(r.stdout, new RegExp(`Checks that could not be made \\(${unknowns.length}; not passed, not failed\\):`));
  const denyClusters = new Set(unknowns.filter((u) => u.rule === "rbac-deny-assignment").map((u) => u.cluster)).size;
  assert.match(r.stdout, new RegExp(`^rbac-deny-assignment\\s+${denyClusters}\\s+`, "m"));
});

test("--fail-on: exit 1 only when a finding at or above the threshold exists", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const only = mkdtempSync(join(tmpdir(), "pulldoctor-failon-"));
  t.after(() => rmSync(only, { recursive: true, force: true }));
  cpSync(join(shared, "scenarios", "practices-only"), join(only, "practices-only"), { recursive: true });
  cpSync(join(shared, "scenarios", "healthy-managed-identity"), join(only, "healthy-managed-identity"), { recursive: true });
  const practices = ["--evidence", join(only, "practices-only"), "--now", "2026-11-28T12:00:00Z", "--format", "json"];
  assert.equal((await cli([...practices, "--fail-on", "error"])).code, 0, "warnings only: an error gate passes");
  assert.equal((await cli([...practices, "--fail-on", "warning"])).code, 1, "warnings fail a warning gate");
  assert.equal((await cli([...practices])).code, 0, "the default gate is error");
  const healthy = ["--evidence", join(only, "healthy-managed-identity"), "--now", "2026-11-28T12:00:00Z", "--format", "json", "--fail-on", "warning"];
  assert.equal((await cli(healthy)).code, 0, "a clean cluster passes even a warning gate");
  assert.equal((await cli(["--evidence", dir + "/fleet", "--now", NOW, "--format", "json"])).code, 1, "the fleet has errors");
});

test("unreadable inputs: a few named on stderr, then a count; the JSON report lists every one", async (t) => {
  const broken = mkdtempSync(join(tmpdir(), "pulldoctor-broken-"));
  t.after(() => rmSync(broken, { recursive: true, force: true }));
  cpSync(join(dir, "fleet"), broken, { recursive: true });
  for (let i = 0; i < 12; i++) writeFileSync(join(broken, `truncated-${String(i).padStart(2, "0")}.json`), '[{"id": "/subscriptions/');
  const r = await cli(["--evidence", broken, "--format", "json", "--now", NOW, "--fail-on", "none"]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 6, r.stderr);
  assert.ok(lines.slice(0, 5).every((l, i) => l.startsWith(`pulldoctor: truncated-0${i}.json: `)), r.stderr);
  assert.equal(lines[5], "pulldoctor: and 7 more inputs could not be read (every one is in the JSON report's inputs.errors)");
  const errors = (JSON.parse(r.stdout) as AuditResult).inputs.errors;
  assert.deepEqual(errors.map((e) => e.file), Array.from({ length: 12 }, (_, i) => `truncated-${String(i).padStart(2, "0")}.json`));
});

test("usage errors are one line with exit 2", async () => {
  for (const args of [["--format", "yaml", "--evidence", "."], [], ["--evidence", join(dir, "missing")], ["--evidence", ".", "--expiring-within", "soon"], ["--evidence", ".", "--fail-on", "info"]]) {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(" ")} -> ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test("JSON is written cluster by cluster, and reads back as the same text JSON.stringify gives", async () => {
  const { auditJsonChunks } = await import("../../src/audit/render.js");
  const chunks = [...auditJsonChunks(result)];
  assert.ok(chunks.length > result.clusters.length, "one chunk per cluster at least");
  assert.equal(chunks.join(""), JSON.stringify(result, null, 2) + "\n");
  const out = join(dir, "audit.json");
  const r = await cli(["--evidence", join(dir, "fleet"), "--format", "json", "--now", NOW, "--fail-on", "none", "-o", out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "");
  const { readFileSync } = await import("node:fs");
  assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), result);
});

test("SARIF, HTML and markdown come from the shared reporters, one result per audit finding", async () => {
  const findings = result.clusters.reduce((s, c) => s + c.findings.length, 0) + result.registries.reduce((s, x) => s + x.findings.length, 0);
  const sarif = await cli(["--evidence", join(dir, "fleet"), "--format", "sarif", "--now", NOW, "--fail-on", "none"]);
  assert.equal(sarif.code, 0, sarif.stderr);
  const log = JSON.parse(sarif.stdout) as { version: string; runs: { results: { ruleId?: string; message: { text: string } }[] }[] };
  assert.equal(log.version, "2.1.0");
  assert.equal(log.runs[0]!.results.length, findings);
  const worst = result.clusters[0]!;
  assert.ok(log.runs[0]!.results.some((r) => r.message.text.includes(worst.findings[0]!.message.slice(0, 40))), "the worst cluster's first finding is in the log");
  const html = await cli(["--evidence", join(dir, "fleet"), "--format", "html", "--now", NOW, "--fail-on", "none"]);
  assert.equal(html.code, 0, html.stderr);
  assert.match(html.stdout, /<html/i);
  assert.ok(html.stdout.includes("<h1>pulldoctor: fleet audit</h1>"), "html is the fleet page");
  assert.ok(html.stdout.includes(`<span class="cluster-name">${worst.name}</span>`), "the worst cluster is listed by name");
  const md = await cli(["--evidence", join(dir, "fleet"), "--format", "markdown", "--now", NOW, "--fail-on", "none"]);
  assert.match(md.stdout, new RegExp(`### .*\\\\?\\[${worst.name}\\\\?\\]`), "markdown headings carry the cluster (brackets escaped)");
});

test("--baseline: an unchanged night passes the gate; a removed AcrPull is new, and only it fails the gate", async (t) => {
  const work = join(dir, "baseline");
  const base = join(work, "last-night.json");
  cpSync(join(dir, "fleet"), join(work, "fleet"), { recursive: true });
  const first = await cli(["--evidence", join(work, "fleet"), "--format", "json", "--now", NOW, "--fail-on", "none", "-o", base]);
  assert.equal(first.code, 0, first.stderr);

  await t.test("the same evidence: every finding unchanged, nothing gone, exit 0 although errors exist", async () => {
    const r = await cli(["--evidence", join(work, "fleet"), "--format", "json", "--now", NOW, "--baseline", base]);
    assert.equal(r.code, 0, r.stderr);
    const now = JSON.parse(r.stdout) as AuditResult;
    assert.ok(now.summary.bySeverity.error > 0, "the fleet has errors");
    const all = [...now.clusters.flatMap((c) => c.findings), ...now.registries.flatMap((x) => x.findings)];
    assert.ok(all.length > 0 && all.every((f) => f.baselineState === "unchanged"));
    assert.equal(now.baseline?.new, 0);
    assert.deepEqual(now.baseline?.resolved, []);
  });

  // take away one cluster's AcrPull on one registry (a named principal: orphans have an empty principalName)
  const file = truth.files.filter((f) => f.startsWith("role-assignments-")).sort()[0]!;
  const list = JSON.parse(readFileSync(join(work, "fleet", file), "utf8")) as { scope: string; roleDefinitionName: string; principalName: string }[];
  const removed = list.findIndex((a) => a.roleDefinitionName === "AcrPull" && /\/registries\/[^/]+$/.test(a.scope) && a.principalName !== "");
  assert.ok(removed >= 0, "the fleet has an AcrPull on a registry");
  const registry = list[removed]!.scope.toLowerCase();
  writeFileSync(join(work, "fleet", file), JSON.stringify(list.filter((_, i) => i !== removed)));

  await t.test("the removed role: its RBAC_PULL_ROLE_MISSING is new, on one cluster, and --fail-on error exits 1", async () => {
    const r = await cli(["--evidence", join(work, "fleet"), "--format", "json", "--now", NOW, "--baseline", base]);
    assert.equal(r.code, 1, r.stderr);
    const now = JSON.parse(r.stdout) as AuditResult;
    const fresh = now.clusters.flatMap((c) => c.findings.filter((f) => f.baselineState === "new").map((f) => ({ cluster: c.id, f })));
    assert.ok(fresh.length > 0);
    assert.ok(fresh.every((x) => x.f.code === "RBAC_PULL_ROLE_MISSING"), fresh.map((x) => x.f.code).join());
    assert.equal(new Set(fresh.map((x) => x.cluster)).size, 1);
    assert.ok(fresh.some((x) => x.f.subject.toLowerCase() === registry));
    assert.equal(now.baseline?.new, fresh.length);
    // the fleet's other errors are all unchanged, so without the new one the gate would pass
    assert.ok(now.summary.bySeverity.error > fresh.length);
  });

  await t.test("every format says it: SARIF baselineState, a CSV column, the terminal and HTML summaries", async () => {
    const run = async (format: string) => {
      const r = await cli(["--evidence", join(work, "fleet"), "--format", format, "--now", NOW, "--fail-on", "none", "--baseline", base]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const sarif = JSON.parse(await run("sarif")) as { runs: { results: { baselineState?: string }[] }[] };
    const states = sarif.runs[0]!.results.map((x) => x.baselineState);
    assert.ok(states.length > 0 && states.every((s) => s === "new" || s === "unchanged"));
    assert.ok(states.includes("new"));
    const csv = (await run("csv")).split("\r\n");
    assert.ok(csv[0]!.endsWith(",baseline_state"));
    assert.ok(csv.slice(1).some((l) => l.endsWith(",new")));
    const terminal = await run("terminal");
    assert.match(terminal, /Since the baseline \(.*last-night\.json, audited 2026-11-28T00:00:00\.000Z\): \d+ new, 0 gone, \d+ unchanged/);
    assert.match(terminal, /New since the baseline \(\d+\):\ncluster or registry +severity +code +subject\naks-fleet-\d+ +error +RBAC_PULL_ROLE_MISSING/);
    assert.match(await run("html"), /<dt>Since the baseline<\/dt><dd>\d+ new, 0 gone/);
  });

  await t.test("a baseline that is missing or not an audit result: one line naming it, exit 2", async () => {
    const missing = await cli(["--evidence", join(work, "fleet"), "--baseline", join(work, "nope.json")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^pulldoctor: --baseline \S*nope\.json cannot be read: it does not exist\n$/);
    const notAudit = join(work, "report.json");
    writeFileSync(notAudit, JSON.stringify({ schemaVersion: 1, findings: [] }));
    const wrong = await cli(["--evidence", join(work, "fleet"), "--baseline", notAudit]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /^pulldoctor: --baseline \S*report\.json is a diagnose report: give the output of an earlier `pulldoctor audit --format json`\n$/);
  });
});
