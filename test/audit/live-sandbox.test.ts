// Live `pulldoctor audit` end to end: the real @azure/arm-resourcegraph client and the Microsoft Graph client, through
// the CLI, against the HTTPS sandbox serving Resource Graph (paged with $skipToken, one page throttled) and `$batch`.
// The live audit must find what `audit --evidence` finds in the same folder, reading only.

import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli, type CliResult } from "../cli-harness.js";
import { repoRoot, requireShared } from "../paths.js";
import { runAudit } from "../../src/cli/audit-cmd.js";
import { startSandbox, type Fault, type RecordedRequest, type Sandbox } from "../../src/sandbox/server.js";
import { loadScenario } from "../../src/sandbox/scenario.js";
import { parseQuery, resourceGraphEndpoint } from "../../src/sandbox/resource-graph.js";
import { alternateKeyLookup, answerBatch } from "../../src/sandbox/graph-batch.js";
import type { AuditResult, ClusterAudit } from "../../src/audit/audit.js";

const NOW = "2026-11-28T12:00:00Z";
const DEMO = join(repoRoot(), "examples", "demo-broken-cluster");
/** scenarios whose Azure configuration alone decides the audit (no workload-only pairing) */
const SHARED_SCENARIOS = ["sp-deleted", "practices-only", "egress-blocked-nsg", "acr-firewall-denies-cluster", "private-dns-zone-not-linked", "sp-disabled", "deny-assignment-blocks-pull"];
/** every query of this one fits one row, so it has no second page to throttle */
const SINGLE_PAGE = new Set(["sp-disabled"]);
const RESOURCE_GRAPH = /^\/providers\/Microsoft\.ResourceGraph\/resources\?/i;
/** the first request that continues a paged query (the second page of something) is throttled once */
const THROTTLE_A_SECOND_PAGE: Fault = { match: /Microsoft\.ResourceGraph\/resources\S* .*"\$skipToken"/, kind: "status", status: 429, retryAfter: 1, times: 1 };

async function withSandbox<T>(dir: string, faults: Fault[], f: (sb: Sandbox) => Promise<T>): Promise<T> {
  // a generous quota: these tests throttle with injected faults, the quota has its own test below
  const sb = await startSandbox({ scenarioDir: dir, faults, resourceGraphQuota: { perWindow: 10_000, windowMs: 5000 } });
  try {
    return await f(sb);
  } finally {
    await sb.stop();
  }
}

function liveAudit(sb: Sandbox, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(["audit", ...args, "--format", "json", "--now", NOW], { env: { ...sb.env, NO_COLOR: "1", ...env } });
}

/** What both audits must agree on: each cluster's and registry's findings by code and subject. */
function findingKeys(r: AuditResult): string[] {
  return [
    ...r.clusters.flatMap((c) => c.findings.map((f) => `cluster ${c.name}: ${f.code} on ${f.subject.toLowerCase()}`)),
    ...r.registries.flatMap((g) => g.findings.map((f) => `registry ${g.loginServer}: ${f.code} on ${f.subject.toLowerCase()}`)),
  ].sort();
}

const rgRequests = (sb: Sandbox): RecordedRequest[] => sb.requests.filter((r) => RESOURCE_GRAPH.test(r.path));

function assertReadOnly(requests: RecordedRequest[]): void {
  const writes = requests.filter((r) => !(r.method === "GET" || (r.method === "POST" && (r.api === "token" || RESOURCE_GRAPH.test(r.path) || r.path === "/v1.0/$batch"))));
  assert.deepEqual(writes.map((r) => `${r.method} ${r.path}`), [], "only GETs, token POSTs, Resource Graph queries and Graph $batch reads");
}

test("live audit pages Resource Graph, waits out a throttled page, and finds what audit --evidence finds", async (t) => {
  const shared = requireShared(t);
  const dirs = [DEMO, ...(shared ? SHARED_SCENARIOS.map((n) => join(shared, "scenarios", n)) : [])];
  const codesSeen = new Set<string>();
  for (const dir of dirs) {
    await t.test(dir.split("/").pop()!, async () => {
      const offline = await runCli(["audit", "--evidence", dir, "--format", "json", "--now", NOW]);
      assert.ok(offline.code === 0 || offline.code === 1, offline.stderr);
      await withSandbox(dir, [THROTTLE_A_SECOND_PAGE], async (sb) => {
        const live = await liveAudit(sb, ["--subscription", sb.subscriptionId], { PULLDOCTOR_RG_PAGE_SIZE: "1" });
        assert.equal(live.stderr, "", "no progress line off a terminal, no errors");
        assert.equal(live.code, offline.code);
        const liveResult = JSON.parse(live.stdout) as AuditResult;
        const offlineResult = JSON.parse(offline.stdout) as AuditResult;
        assert.deepEqual(liveResult.clusters.map((c) => c.name).sort(), offlineResult.clusters.map((c) => c.name).sort());
        assert.deepEqual(liveResult.registries.map((r) => r.loginServer).sort(), offlineResult.registries.map((r) => r.loginServer).sort());
        assert.deepEqual(findingKeys(liveResult), findingKeys(offlineResult));
        for (const k of findingKeys(liveResult)) codesSeen.add(k.split(": ")[1]!.split(" ")[0]!);

        const rg = rgRequests(sb);
        assert.ok(rg.every((r) => r.method === "POST" && r.resourceGraph?.top === 1), "every query asks for one-row pages");
        assert.ok(rg.every((r) => JSON.stringify(r.resourceGraph?.subscriptions) === JSON.stringify([sb.subscriptionId])), "every query is scoped to the subscription");
        const continued = rg.filter((r) => r.resourceGraph?.skipToken);
        assertReadOnly(sb.requests);
        if (SINGLE_PAGE.has(dir.split("/").pop()!)) {
          assert.deepEqual([continued.length, rg.filter((r) => r.fault).length], [0, 0], "one page per query: no skip token, nothing to throttle");
          return;
        }
        assert.ok(continued.length >= 2, `several pages were followed with $skipToken (saw ${continued.length})`);

        const throttled = rg.filter((r) => r.fault === "status");
        assert.equal(throttled.length, 1, "exactly one page was throttled");
        const retry = rg[rg.indexOf(throttled[0]!) + 1];
        assert.ok(retry, "the throttled page was asked again");
        assert.equal(retry.status, 200);
        assert.equal(retry.resourceGraph?.query, throttled[0]!.resourceGraph?.query);
        assert.equal(retry.resourceGraph?.skipToken, throttled[0]!.resourceGraph?.skipToken, "the same page, same skip token");
        // Retry-After: 1 was honoured (the sandbox clock has millisecond resolution)
        assert.ok(retry.start - throttled[0]!.end >= 990, `retried ${retry.start - throttled[0]!.end} ms after the 429`);
      });
    });
  }
  // not vacuous: the parity runs covered identity, RBAC, network and registry findings
  if (shared) for (const code of ["SP_NOT_FOUND", "SP_DISABLED", "SP_SECRET_EXPIRING", "RBAC_ORPHANED_ASSIGNMENT", "RBAC_OVERPRIVILEGED", "NET_EGRESS_BLOCKED", "NET_FIREWALL_DENIES_CLUSTER", "NET_PRIVATE_DNS_MISCONFIGURED", "CFG_ADMIN_USER_ENABLED"]) assert.ok(codesSeen.has(code), `${code} found live`);
  else assert.ok(codesSeen.has("CFG_ADMIN_USER_ENABLED"));
});

test("Service principal credentials come from Microsoft Graph $batch (alternate keys), and deleted principals from directory lookups", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  await withSandbox(join(shared, "scenarios", "sp-deleted"), [], async (sb) => {
    const live = await liveAudit(sb, ["--subscription", sb.subscriptionId]);
    const result = JSON.parse(live.stdout) as AuditResult;
    assert.deepEqual(findingKeys(result).map((k) => k.split(" on ")[0]), ["cluster aks-aw-erp: RBAC_ORPHANED_ASSIGNMENT", "cluster aks-aw-erp: SP_NOT_FOUND", "registry adventureworkserp.azurecr.io: RBAC_ORPHANED_ASSIGNMENT"]);
    const batches = sb.requests.filter((r) => r.path === "/v1.0/$batch");
    assert.ok(batches.length >= 1 && batches.every((r) => r.method === "POST" && r.status === 200));
    assert.ok(!sb.requests.some((r) => r.api === "graph" && r.method === "GET"), "Graph was read through $batch only");
  });
});

test("without --subscription the whole tenant is queried; --management-group scopes the queries to it", async () => {
  await withSandbox(DEMO, [], async (sb) => {
    const tenant = await liveAudit(sb, []);
    assert.equal(tenant.code, 1, tenant.stderr);
    const scoped = rgRequests(sb);
    assert.ok(scoped.length >= 7 && scoped.every((r) => r.resourceGraph !== undefined && r.resourceGraph.subscriptions === undefined && r.resourceGraph.managementGroups === undefined), "tenant scope: neither subscriptions nor management groups");
    const byGroup = await liveAudit(sb, ["--management-group", "mg-platform", "--management-group", "mg-apps"]);
    assert.equal(byGroup.code, 1, byGroup.stderr);
    assert.deepEqual(findingKeys(JSON.parse(byGroup.stdout) as AuditResult), findingKeys(JSON.parse(tenant.stdout) as AuditResult));
    const mg = rgRequests(sb).slice(scoped.length);
    assert.ok(mg.length >= 7 && mg.every((r) => JSON.stringify(r.resourceGraph?.managementGroups) === JSON.stringify(["mg-platform", "mg-apps"])));
  });
});

test("a spent quota (x-ms-user-quota-remaining: 0) is waited out before the next query, so no 429 is earned", async () => {
  const sb = await startSandbox({ scenarioDir: DEMO, resourceGraphQuota: { perWindow: 8, windowMs: 1000 } });
  try {
    const r = await liveAudit(sb, ["--subscription", sb.subscriptionId]);
    assert.equal(r.code, 1, r.stderr);
    const rg = rgRequests(sb);
    assert.ok(rg.length > 8, `more queries (${rg.length}) than one window allows`);
    assert.deepEqual(rg.filter((x) => x.status !== 200).map((x) => x.status), [], "every query answered: the quota was respected");
    assert.ok(rg[8]!.start - rg[7]!.end >= 990, "the ninth query waited for the window to reset");
  } finally {
    await sb.stop();
  }
});

test("403 from Resource Graph: exit 2, one line naming the query and the status", async () => {
  await withSandbox(DEMO, [{ match: "Microsoft.ResourceGraph", kind: "status", status: 403 }], async (sb) => {
    const r = await liveAudit(sb, ["--subscription", sb.subscriptionId]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "");
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /^pulldoctor: Resource Graph query "clusters" .*HTTP 403.*AuthorizationFailed/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal(rgRequests(sb).length, 1, "a 403 is not retried");
  });
});

test("a Resource Graph that stays throttled: bounded retries with capped waits, then exit 2 saying so", async () => {
  await withSandbox(DEMO, [{ match: "Microsoft.ResourceGraph", kind: "status", status: 429, retryAfter: 3600 }], async (sb) => {
    const r = await liveAudit(sb, ["--subscription", sb.subscriptionId], { PULLDOCTOR_RG_MAX_WAIT_MS: "20" });
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /still throttled \(HTTP 429\) after 5 attempts/);
    assert.equal(rgRequests(sb).length, 5, "five attempts, not one more: the SDK's own throttling retry is out of the pipeline");
  });
});

/** A live audit of a shared scenario with one kind of read answering 403: the run must go on (not exit 2); `check` gets its stderr and the one cluster. */
async function auditRefusing(t: TestContext, scenario: string, match: string, check: (stderr: string, cluster: ClusterAudit) => void): Promise<void> {
  const shared = requireShared(t);
  if (!shared) return;
  await withSandbox(join(shared, "scenarios", scenario), [{ match, kind: "status", status: 403 }], async (sb) => {
    const r = await liveAudit(sb, ["--subscription", sb.subscriptionId]);
    assert.notEqual(r.code, 2, r.stderr);
    check(r.stderr, (JSON.parse(r.stdout) as AuditResult).clusters[0]!);
  });
}

test("Microsoft Graph refusing the lookups: the audit still runs, the failed lookups are reported and become unknowns", (t) =>
  auditRefusing(t, "practices-only", "/v1.0/$batch", (stderr, cluster) => {
    assert.match(stderr, /Graph GET \/servicePrincipals\(appId='[0-9a-f-]+'\): HTTP 403 Authorization_RequestDenied/);
    assert.ok(!cluster.findings.some((f) => f.code === "SP_SECRET_EXPIRING"), "no credential verdict without the application");
    assert.ok(cluster.unknown.some((u) => u.rule === "sp-secret-expired"), "the expiry check is reported as not decidable");
    assert.ok(cluster.findings.some((f) => f.code === "CFG_ADMIN_USER_ENABLED"), "what Resource Graph alone decides is still reported");
  }));

test("ARM refusing the deny assignments: the run goes on, says which read failed, and the deny check is unknown instead of passed", (t) =>
  auditRefusing(t, "deny-assignment-blocks-pull", "/providers/Microsoft.Authorization/denyAssignments", (stderr, cluster) => {
    assert.match(stderr, /denyAssignments\.json: GET \/subscriptions\/[0-9a-f-]+\/providers\/Microsoft\.Authorization\/denyAssignments: .*403/);
    assert.ok(!cluster.findings.some((f) => f.code === "RBAC_DENY_ASSIGNMENT"), "no deny verdict without the deny assignments");
    assert.ok(cluster.unknown.some((u) => u.rule === "rbac-deny-assignment"), cluster.unknown.map((u) => u.rule).join());
  }));

test("usage errors are one line, exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["audit", "--evidence", DEMO, "--subscription", "4f2a9c7e-1b3d-4e5f-8a6b-7c8d9e0f1a2b"], /use one or the other/],
    [["audit", "--evidence", DEMO, "--management-group", "mg"], /use one or the other/],
    [["audit", "--subscription", "prod"], /--subscription must be a subscription id/],
    [["audit", "--subscription", "4f2a9c7e-1b3d-4e5f-8a6b-7c8d9e0f1a2b", "--timeout", "soon"], /--timeout must be a number of seconds/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args, { env: { NO_COLOR: "1", PULLDOCTOR_ARM_ENDPOINT: "https://127.0.0.1:1" } });
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1, r.stderr);
  }
});

test("progress is drawn on stderr only when it is a terminal, and erased", async () => {
  await withSandbox(DEMO, [], async (sb) => {
    let stderr = "";
    let stdout = "";
    const code = await runAudit(["--subscription", sb.subscriptionId, "--format", "json", "--now", NOW], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), isTTY: false, stderrIsTTY: true, env: { ...sb.env } });
    assert.equal(code, 1);
    assert.match(stderr, /\r\x1b\[2K {2}reading clusters: page 1, 1 rows/);
    assert.ok(stderr.endsWith("\r\x1b[2K"), "the line is erased before the report");
    assert.doesNotMatch(stdout, /reading/);
  });
});

// ───────────── the sandbox's Resource Graph and $batch, directly ─────────────

test("sandbox Resource Graph: the collector's KQL subset, Resource Graph's 400 for anything else", () => {
  assert.deepEqual(parseQuery("authorizationresources | where type =~ 'microsoft.authorization/roledefinitions' and tostring(properties.type) =~ 'CustomRole' | project id, name"), { ok: true, value: { table: "authorizationresources", types: ["microsoft.authorization/roledefinitions"], propertiesType: "customrole", project: ["id", "name"] } });
  const rg = resourceGraphEndpoint(loadScenario(DEMO));
  const bad = rg.answer(JSON.stringify({ query: "resources | summarize count() by type" }), 0);
  assert.equal(bad.status, 400);
  const error = bad.body["error"] as { code: string; details: { code: string }[] };
  assert.equal(error.code, "BadRequest");
  assert.equal(error.details[0]!.code, "InvalidQuery");
});

test("sandbox Resource Graph: rows in Resource Graph's shape, scoped by subscription, paged with an opaque skip token", () => {
  const rg = resourceGraphEndpoint(loadScenario(DEMO), { perWindow: 100, windowMs: 5000 });
  const query = "authorizationresources | where type =~ 'microsoft.authorization/roleassignments' | project id, name, type, resourceGroup, subscriptionId, properties";
  const sub = "4f2a9c7e-1b3d-4e5f-8a6b-7c8d9e0f1a2b";
  const ask = (options: object, subscriptions = [sub]) => rg.answer(JSON.stringify({ query, subscriptions, options: { resultFormat: "objectArray", ...options } }), 1);
  const all = ask({});
  assert.equal(all.status, 200);
  const rows = all.body["data"] as { type: string; properties: { scope?: string; principalId?: string; roleDefinitionId?: string } }[];
  assert.ok(rows.length >= 2);
  assert.ok(rows.every((r) => r.type === "microsoft.authorization/roleassignments" && r.properties.scope && r.properties.principalId && r.properties.roleDefinitionId));
  assert.equal(all.body["totalRecords"], rows.length);
  assert.equal(all.body["$skipToken"], undefined);
  assert.deepEqual(ask({}, ["00000000-0000-4000-8000-000000000000"]).body["data"], [], "another subscription's rows are not served");

  const first = ask({ $top: 1 });
  assert.equal(first.body["count"], 1);
  const token = first.body["$skipToken"];
  assert.equal(typeof token, "string");
  const second = ask({ $top: 1, $skipToken: token });
  assert.deepEqual(second.body["data"], [rows[1]], "the next row of the same stable order");
  const foreign = rg.answer(JSON.stringify({ query: "resources | where type =~ 'microsoft.containerregistry/registries'", subscriptions: [sub], options: { $skipToken: token } }), 1);
  assert.equal(foreign.status, 400, "a skip token continues only the query it came from");
});

test("sandbox Resource Graph: the quota headers count down and a spent quota answers 429 until the window resets", () => {
  const rg = resourceGraphEndpoint(loadScenario(DEMO), { perWindow: 2, windowMs: 5000 });
  const body = JSON.stringify({ query: "resources | where type =~ 'microsoft.containerservice/managedclusters'" });
  const a = rg.answer(body, 1000);
  assert.deepEqual([a.status, a.headers["x-ms-user-quota-remaining"], a.headers["x-ms-user-quota-resets-after"]], [200, "1", "00:00:05"]);
  const b = rg.answer(body, 2000);
  assert.deepEqual([b.status, b.headers["x-ms-user-quota-remaining"], b.headers["x-ms-user-quota-resets-after"]], [200, "0", "00:00:04"]);
  const c = rg.answer(body, 3000);
  assert.deepEqual([c.status, c.headers["retry-after"], (c.body["error"] as { code: string }).code], [429, "3", "RateLimiting"]);
  assert.equal(rg.answer(body, 6000).status, 200, "a new window");
});

test("sandbox Graph: alternate keys with $select, a 404 naming the id, and $batch limits", (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const scenario = loadScenario(join(shared, "scenarios", "practices-only"));
  const base = "https://127.0.0.1:1";
  const sp = scenario.graph.servicePrincipals[0];
  assert.ok(sp, "the scenario has a service principal");
  const hit = alternateKeyLookup(scenario, new URL(`/v1.0/servicePrincipals(appId='${String(sp["appId"]).toUpperCase()}')?$select=id,appId`, base), base)!;
  assert.equal(hit.status, 200, "alternate keys compare case-insensitively");
  assert.deepEqual(Object.keys(hit.body).sort(), ["@odata.context", "appId", "id"]);
  const gone = alternateKeyLookup(scenario, new URL("/v1.0/applications(appId='11111111-2222-4333-8444-555555555555')", base), base)!;
  assert.equal(gone.status, 404);
  assert.match(JSON.stringify(gone.body), /Resource '11111111-2222-4333-8444-555555555555' does not exist/);
  assert.equal(alternateKeyLookup(scenario, new URL("/v1.0/servicePrincipals/abc", base), base), undefined);

  const get = (url: URL) => ({ status: 200, body: { path: url.pathname } });
  const ok = answerBatch(JSON.stringify({ requests: [{ id: "1", method: "GET", url: "/applications(appId='x')" }, { id: "2", method: "PATCH", url: "/applications/x" }] }), base, get);
  assert.deepEqual(ok.body, { responses: [
    { id: "1", status: 200, headers: { "content-type": "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8" }, body: { path: "/v1.0/applications(appId='x')" } },
    { id: "2", status: 405, headers: { "content-type": "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8" }, body: { error: { code: "Request_BadRequest", message: "The sandbox is read-only: PATCH is not served." } } },
  ] });
  const tooMany = answerBatch(JSON.stringify({ requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: "GET", url: "/me" })) }), base, get);
  assert.equal(tooMany.status, 400);
  assert.equal(answerBatch(JSON.stringify({ requests: [{ id: "1", method: "GET", url: "/a" }, { id: "1", method: "GET", url: "/b" }] }), base, get).status, 400, "ids must be unique");
});

// The demo with a management-group tree: its subscription sits under mg-tailspin-prod < mg-tailspin < the tenant root
// group, a second one under mg-sandbox; the kubelet identity gets AcrPull at the management group `at`.
const DEMO_SUB = "4f2a9c7e-1b3d-4e5f-8a6b-7c8d9e0f1a2b";
const KUBELET_OBJECT_ID = "8a7b6c5d-4e3f-4a1b-9c8d-7e6f5a4b3c2d";
function demoWithManagementGroupGrant(at: string): string {
  const dir = mkdtempSync(join(tmpdir(), "pd-mg-"));
  cpSync(DEMO, dir, { recursive: true });
  const chain = (...names: string[]) => names.map((name) => ({ displayName: name, name }));
  const row = (sub: string, name: string, ancestors: { displayName: string; name: string }[]) => ({
    id: `/subscriptions/${sub}`, name, type: "microsoft.resources/subscriptions", tenantId: "00000000-0000-0000-0000-000000000000", subscriptionId: sub,
    properties: { state: "Enabled", managementGroupAncestorsChain: ancestors },
  });
  // `az graph query -q "resourcecontainers | where type =~ 'microsoft.resources/subscriptions'"` output
  writeFileSync(join(dir, "subscriptions.json"), JSON.stringify({ count: 2, data: [
    row(DEMO_SUB, "Tailspin Production", chain("mg-tailspin-prod", "mg-tailspin", "00000000-0000-0000-0000-000000000000")),
    row("9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a", "Sandbox", chain("mg-sandbox", "00000000-0000-0000-0000-000000000000")),
  ], skip_token: null, total_records: 2 }, null, 2));
  const mg = `/providers/Microsoft.Management/managementGroups/${at}`;
  writeFileSync(join(dir, "role-assignments-mg.json"), JSON.stringify([{
    condition: null, conditionVersion: null,
    id: `${mg}/providers/Microsoft.Authorization/roleAssignments/5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d`,
    name: "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d",
    principalId: KUBELET_OBJECT_ID, principalName: "3c1e5a7b-2d4f-4b6a-8c9e-0f1a2b3c4d5e", principalType: "ServicePrincipal",
    roleDefinitionId: `${mg}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d`,
    roleDefinitionName: "AcrPull", scope: mg, type: "Microsoft.Authorization/roleAssignments",
  }], null, 2));
  return dir;
}

test("AcrPull at a management group above the cluster's subscription lets it pull, one beside it does not: offline and live (AtScopeAboveAndBelow)", async () => {
  const verdicts: Record<string, { nobody: string[]; codes: string[] }> = {};
  for (const at of ["mg-tailspin", "mg-sandbox"]) {
    const dir = demoWithManagementGroupGrant(at);
    const offline = await runCli(["audit", "--evidence", dir, "--format", "json", "--now", NOW]);
    const off = JSON.parse(offline.stdout) as AuditResult;
    await withSandbox(dir, [], async (sb) => {
      const live = await liveAudit(sb, ["--subscription", sb.subscriptionId]);
      assert.equal(live.stderr.includes("Error"), false, live.stderr);
      const on = JSON.parse(live.stdout) as AuditResult;
      assert.deepEqual(findingKeys(on), findingKeys(off), `${at}: live and offline agree`);
      assert.deepEqual(on.summary.registriesNobodyCanPull, off.summary.registriesNobodyCanPull);
      const rg = rgRequests(sb).map((r) => r.resourceGraph!);
      const filtered = rg.filter((r) => r.authorizationScopeFilter === "AtScopeAboveAndBelow").map((r) => r.query);
      assert.ok(filtered.some((q) => /roleassignments/.test(q)) && filtered.every((q) => /^authorizationresources/.test(q)), "assignments (and custom roles) are read with AtScopeAboveAndBelow, nothing else");
      assert.ok(rg.some((r) => /^resourcecontainers/.test(r.query)), "the subscriptions' management-group ancestry is read");
    });
    verdicts[at] = { nobody: off.summary.registriesNobodyCanPull, codes: findingKeys(off) };
  }
  // above: the kubelet identity can pull from tailspinapps, and the management-group-wide AcrPull is called too broad
  assert.ok(!verdicts["mg-tailspin"]!.nobody.some((r) => /tailspinapps/.test(r)), verdicts["mg-tailspin"]!.nobody.join());
  assert.ok(!verdicts["mg-tailspin"]!.codes.some((k) => /RBAC_WRONG_PRINCIPAL/.test(k)));
  assert.ok(verdicts["mg-tailspin"]!.codes.some((k) => /RBAC_OVERPRIVILEGED on .*tailspinapps/.test(k)));
  // beside: nothing changes for tailspinapps (the group is not above the subscription)
  assert.ok(verdicts["mg-sandbox"]!.nobody.some((r) => /tailspinapps/.test(r)), verdicts["mg-sandbox"]!.nobody.join());
  assert.ok(verdicts["mg-sandbox"]!.codes.some((k) => /RBAC_WRONG_PRINCIPAL/.test(k)));
});
