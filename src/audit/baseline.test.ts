import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { CauseCode, Severity } from "../codes/causes.js";
import type { Finding } from "../engine/types.js";
import { failsAt, type AuditResult } from "./audit.js";
import { BaselineError, compareWithBaseline, newFindings, parseAuditBaseline } from "./baseline.js";

const REG = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr1";
const AKS1 = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1";
const AKS2 = "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks2";

const RULE_OF: Partial<Record<CauseCode, string>> = {
  RBAC_PULL_ROLE_MISSING: "rbac-pull-role-missing",
  SP_SECRET_EXPIRED: "sp-secret-expired",
  CFG_ADMIN_USER_ENABLED: "cfg-admin-user-enabled",
};
const SEVERITY_OF: Partial<Record<CauseCode, Severity>> = { RBAC_PULL_ROLE_MISSING: "error", SP_SECRET_EXPIRED: "error", CFG_ADMIN_USER_ENABLED: "warning" };

function finding(code: CauseCode, subject: string, o: Partial<Finding> = {}): Finding {
  return { code, severity: SEVERITY_OF[code]!, category: "rbac", stage: "rbac", rule: RULE_OF[code]!, title: code, message: "m", subject, evidence: [], remediation: [], ...o };
}

/** A minimal audit result: clusters with their findings (registry-only findings appear on the clusters paired with the registry, as `audit` puts them). */
function result(clusters: { id: string; name: string; findings: Finding[] }[], registryFindings: Finding[] = []): AuditResult {
  return {
    schemaVersion: 1,
    kind: "audit",
    tool: { name: "pulldoctor", version: "test" },
    generatedAt: "2026-11-28T00:00:00Z",
    options: { expiringWithinDays: 30 },
    clusters: clusters.map((c) => ({ ...c, registries: [], access: [], unknown: [] })),
    registries: [{ id: REG, loginServer: "acr1.azurecr.io", pairedWith: [], pullableBy: [], nobodyCanPull: false, findings: registryFindings }],
    expiries: [],
    summary: { clusters: clusters.length, registries: 1, byCode: {}, bySeverity: { error: 0, warning: 0, info: 0 }, registriesNobodyCanPull: [] },
    unattributed: [],
    inputs: { kind: "evidence", files: 0, used: 0, errors: [] },
  };
}

const baselineOf = (r: AuditResult) => parseAuditBaseline(JSON.stringify({ ...r, generatedAt: "2026-11-27T00:00:00Z" }), "last-night.json");
const states = (r: AuditResult) => [...r.clusters.flatMap((c) => c.findings.map((f) => `${c.name}:${f.code}:${f.baselineState}`)), ...r.registries.flatMap((x) => x.findings.map((f) => `registry:${f.code}:${f.baselineState}`))];

interface Case {
  name: string;
  before: AuditResult;
  now: AuditResult;
  states: string[];
  counts: { new: number; unchanged: number };
  gone: string[];
}

const admin = finding("CFG_ADMIN_USER_ENABLED", REG);
const CASES: Case[] = [
  {
    name: "the same finding on both nights is unchanged, even with another message",
    before: result([{ id: AKS1, name: "aks1", findings: [finding("RBAC_PULL_ROLE_MISSING", REG, { message: "3 days ago" })] }]),
    now: result([{ id: AKS1, name: "aks1", findings: [finding("RBAC_PULL_ROLE_MISSING", REG, { message: "4 days ago" })] }]),
    states: ["aks1:RBAC_PULL_ROLE_MISSING:unchanged"],
    counts: { new: 0, unchanged: 1 },
    gone: [],
  },
  {
    name: "ids compare case-insensitively, as ARM does",
    before: result([{ id: AKS1.toUpperCase(), name: "aks1", findings: [finding("RBAC_PULL_ROLE_MISSING", REG.toLowerCase())] }]),
    now: result([{ id: AKS1, name: "aks1", findings: [finding("RBAC_PULL_ROLE_MISSING", REG)] }]),
    states: ["aks1:RBAC_PULL_ROLE_MISSING:unchanged"],
    counts: { new: 0, unchanged: 1 },
    gone: [],
  },
  {
    name: "a finding only tonight is new; one only last night is gone, with its cluster's name",
    before: result([{ id: AKS1, name: "aks1", findings: [finding("SP_SECRET_EXPIRED", AKS1)] }]),
    now: result([{ id: AKS1, name: "aks1", findings: [finding("RBAC_PULL_ROLE_MISSING", REG)] }]),
    states: ["aks1:RBAC_PULL_ROLE_MISSING:new"],
    counts: { new: 1, unchanged: 0 },
    gone: ["aks1:SP_SECRET_EXPIRED"],
  },
  {
    name: "the same code and subject on another cluster is a different finding",
    before: result([{ id: AKS1, name: "aks1", findings: [finding("RBAC_PULL_ROLE_MISSING", REG)] }, { id: AKS2, name: "aks2", findings: [] }]),
    now: result([{ id: AKS1, name: "aks1", findings: [] }, { id: AKS2, name: "aks2", findings: [finding("RBAC_PULL_ROLE_MISSING", REG)] }]),
    states: ["aks2:RBAC_PULL_ROLE_MISSING:new"],
    counts: { new: 1, unchanged: 0 },
    gone: ["aks1:RBAC_PULL_ROLE_MISSING"],
  },
  {
    name: "a registry-only code belongs to the registry: counted once however many clusters list it, and unchanged when another cluster listed it before",
    before: result([{ id: AKS1, name: "aks1", findings: [admin] }], [admin]),
    now: result([{ id: AKS1, name: "aks1", findings: [admin] }, { id: AKS2, name: "aks2", findings: [admin] }], [admin]),
    states: ["aks1:CFG_ADMIN_USER_ENABLED:unchanged", "aks2:CFG_ADMIN_USER_ENABLED:unchanged", "registry:CFG_ADMIN_USER_ENABLED:unchanged"],
    counts: { new: 0, unchanged: 1 },
    gone: [],
  },
  {
    name: "a registry-only finding that is gone names no cluster",
    before: result([{ id: AKS1, name: "aks1", findings: [admin] }], [admin]),
    now: result([{ id: AKS1, name: "aks1", findings: [] }]),
    states: [],
    counts: { new: 0, unchanged: 0 },
    gone: ["(registry):CFG_ADMIN_USER_ENABLED"],
  },
];

describe("compareWithBaseline", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const out = compareWithBaseline(c.now, baselineOf(c.before));
      assert.deepEqual(states(out), c.states);
      assert.deepEqual({ new: out.baseline!.new, unchanged: out.baseline!.unchanged }, c.counts);
      assert.deepEqual(out.baseline!.resolved.map((g) => `${g.clusterName ?? "(registry)"}:${g.code}`), c.gone);
      assert.equal(out.baseline!.file, "last-night.json");
      assert.equal(out.baseline!.generatedAt, "2026-11-27T00:00:00Z");
      // the input result is left as it was
      assert.ok(c.now.clusters.every((x) => x.findings.every((f) => f.baselineState === undefined)));
    });
  }
});

describe("failsAt with a baseline counts only new findings", () => {
  const before = result([{ id: AKS1, name: "aks1", findings: [finding("RBAC_PULL_ROLE_MISSING", REG)] }]);
  it("an unchanged error does not fail the gate", () => {
    const now = compareWithBaseline(before, baselineOf(before));
    assert.equal(failsAt(before, "error"), true, "without a baseline the error fails");
    assert.equal(failsAt(now, "error"), false);
  });
  it("a new warning fails --fail-on warning, not --fail-on error", () => {
    const tonight = result([{ id: AKS1, name: "aks1", findings: [finding("RBAC_PULL_ROLE_MISSING", REG), admin] }], [admin]);
    const now = compareWithBaseline(tonight, baselineOf(before));
    assert.equal(failsAt(now, "warning"), true);
    assert.equal(failsAt(now, "error"), false);
  });
});

describe("parseAuditBaseline refuses what is not an earlier audit result, naming the file", () => {
  const good = JSON.stringify(result([{ id: AKS1, name: "aks1", findings: [finding("SP_SECRET_EXPIRED", AKS1)] }]));
  const bad: [string, string, RegExp][] = [
    ["not JSON", "{", /b\.json is not JSON/],
    ["a diagnose report", JSON.stringify({ schemaVersion: 1, findings: [], unknown: [] }), /b\.json is a diagnose report/],
    ["another JSON file", JSON.stringify({ name: "pkg" }), /b\.json is not an audit result/],
    ["a newer schema", JSON.stringify({ ...JSON.parse(good), schemaVersion: 2 }), /b\.json has audit schema version 2; this pulldoctor reads version 1/],
    ["no clusters list", JSON.stringify({ kind: "audit", schemaVersion: 1, registries: [] }), /b\.json has no clusters or registries list/],
    ["a finding without its code", JSON.stringify({ kind: "audit", schemaVersion: 1, clusters: [{ id: AKS1, findings: [{ subject: AKS1 }] }], registries: [] }), /b\.json: a finding of clusters\[0\] lacks its code/],
  ];
  for (const [name, text, message] of bad) {
    it(name, () => assert.throws(() => parseAuditBaseline(text, "b.json"), (e: unknown) => e instanceof BaselineError && message.test(e.message)));
  }
  it("a BOM-prefixed result is read", () => {
    assert.equal(parseAuditBaseline(`\uFEFF${good}`, "b.json").findings.length, 1);
  });
});

describe("a baseline run with another --expiring-within is named as a caveat", () => {
  const before = result([{ id: AKS1, name: "aks1", findings: [] }]);
  it("different windows: one caveat naming both", () => {
    const base = parseAuditBaseline(JSON.stringify({ ...before, options: { expiringWithinDays: 14 } }), "b.json");
    assert.deepEqual(compareWithBaseline(before, base).baseline!.caveats, [
      "the baseline used --expiring-within 14, this run 30: SP_SECRET_EXPIRING findings may be new or gone because of that alone",
    ]);
  });
  it("the same window: none", () => {
    assert.equal(compareWithBaseline(before, baselineOf(before)).baseline!.caveats, undefined);
  });
});

describe("newFindings lists each new finding once: cluster codes per cluster, registry-only codes per registry", () => {
  const before = result([{ id: AKS1, name: "aks1", findings: [] }]);
  const pullMissing = finding("RBAC_PULL_ROLE_MISSING", REG);
  const cases: { name: string; now: AuditResult; expected: string[] }[] = [
    {
      name: "a registry code on two clusters and the registry: once, named by the registry",
      now: result([{ id: AKS1, name: "aks1", findings: [pullMissing, admin] }, { id: AKS2, name: "aks2", findings: [pullMissing, admin] }], [admin]),
      expected: ["cluster aks1 RBAC_PULL_ROLE_MISSING", "cluster aks2 RBAC_PULL_ROLE_MISSING", "registry acr1.azurecr.io CFG_ADMIN_USER_ENABLED"],
    },
    {
      name: "a registry code only a cluster view found: still once, still named by the registry",
      now: result([{ id: AKS1, name: "aks1", findings: [admin] }, { id: AKS2, name: "aks2", findings: [admin] }]),
      expected: ["registry acr1.azurecr.io CFG_ADMIN_USER_ENABLED"],
    },
    {
      name: "unchanged findings are not listed",
      now: result([{ id: AKS1, name: "aks1", findings: [] }]),
      expected: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const listed = newFindings(compareWithBaseline(c.now, baselineOf(before))).map((n) => `${n.kind} ${n.owner} ${n.finding.code}`);
      assert.deepEqual(listed, c.expected);
    });
  }
});
