// Faults for each collector family (ARM, Graph, Kubernetes, sign-in): 403, 404, 429 with Retry-After, 500 and a
// stalled connection end in a correct finding or an unknown naming the call: never a false error finding, never
// a hang.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { requireShared } from "../paths.js";
import { liveAgainst, offline, withSandbox } from "./harness.js";
import type { Fault } from "../../src/sandbox/server.js";
import type { FactKey } from "../../src/snapshot/types.js";

interface Family {
  name: string;
  scenario: string;
  match: string;
  fact: FactKey;
  /** the permission a 403 must name */
  permission: RegExp;
}

const FAMILIES: Family[] = [
  { name: "ARM role assignments", scenario: "mi-acrpull-missing", match: "/providers/Microsoft.Authorization/roleAssignments", fact: "roleAssignments", permission: /Microsoft\.Authorization\/roleAssignments\/read/ },
  { name: "ARM cluster", scenario: "acr-firewall-denies-cluster", match: "/providers/Microsoft.ContainerService/managedClusters/", fact: "clusters", permission: /Microsoft\.ContainerService\/managedClusters\/read/ },
  { name: "Graph applications", scenario: "sp-secret-expired", match: "/v1.0/applications", fact: "applications", permission: /Application\.Read\.All|Graph/ },
  { name: "Kubernetes pods", scenario: "image-tag-not-found", match: "/api/v1/pods", fact: "pods", permission: /pods/ },
];

const CASES: { label: string; fault: Omit<Fault, "match">; kind: string; timeout: string }[] = [
  { label: "403", fault: { kind: "status", status: 403 }, kind: "forbidden", timeout: "9" },
  { label: "404", fault: { kind: "status", status: 404 }, kind: "not-found", timeout: "9" },
  { label: "429 + Retry-After: 1", fault: { kind: "status", status: 429, retryAfter: 1 }, kind: "throttled", timeout: "9" },
  { label: "500", fault: { kind: "status", status: 500 }, kind: "other", timeout: "9" },
  { label: "stalled connection", fault: { kind: "stall" }, kind: "timeout", timeout: "3" },
];

test("faults become unknowns naming the call, never false error findings or hangs", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  for (const fam of FAMILIES) {
    const dir = join(shared, "scenarios", fam.scenario);
    const offErrors = new Set((await offline(dir)).findings.filter((f) => f.severity === "error").map((f) => `${f.code}|${f.subject.toLowerCase()}`));
    for (const c of CASES) {
      await t.test(`${fam.name}: ${c.label}`, async () => {
        await withSandbox(dir, async (sb) => {
          const started = Date.now();
          const { snapshot, report } = await liveAgainst(sb, { timeout: c.timeout });
          const elapsed = Date.now() - started;
          assert.ok(elapsed < Number(c.timeout) * 1000 + 2000, `took ${elapsed} ms with --timeout ${c.timeout}`);
          assert.ok(sb.requests.some((r) => r.fault !== undefined && r.path.includes(fam.match)), "the fault fired");
          const fact = snapshot[fam.fact];
          assert.equal(fact.status, "error", `${fam.fact} should be an error fact, got ${JSON.stringify(fact).slice(0, 200)}`);
          if (fact.status !== "error") return;
          assert.equal(fact.kind, c.kind);
          assert.match(fact.message, new RegExp(fam.match.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")), "the message names the call");
          if (c.label === "403") assert.match(fact.message, fam.permission);
          for (const f of report.findings.filter((x) => x.severity === "error")) {
            assert.ok(offErrors.has(`${f.code}|${f.subject.toLowerCase()}`), `false error finding ${f.code} on ${f.subject}`);
          }
          // a correct finding (every error the full evidence proves) or an unknown with the reason
          const complete = [...offErrors].every((k) => report.findings.some((f) => `${f.code}|${f.subject.toLowerCase()}` === k));
          assert.ok(complete || report.unknown.some((u) => u.reason.includes(fam.fact)), "neither the finding nor an unknown naming the fact");
        }, { faults: [{ match: fam.match, ...c.fault }] });
      });
    }
  }
});

test("a transient 429 (Retry-After) and a transient 500 are retried and the diagnosis is complete", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const dir = join(shared, "scenarios", "mi-acrpull-missing");
  const off = (await offline(dir)).findings.map((f) => f.code).sort();
  await withSandbox(dir, async (sb) => {
    const { snapshot, report } = await liveAgainst(sb, { timeout: "9" });
    assert.equal(snapshot.roleAssignments.status, "ok");
    assert.equal(snapshot.pods.status, "ok");
    assert.deepEqual(report.findings.map((f) => f.code).sort(), off);
    assert.ok(sb.requests.filter((r) => r.status === 429 || r.status === 500).length >= 2, "the faults fired");
  }, { faults: [{ match: "/providers/Microsoft.Authorization/roleAssignments", kind: "status", status: 429, retryAfter: 1, times: 1 }, { match: "/api/v1/pods", kind: "status", status: 500, times: 1 }] });
});

test("a reset, a truncated body and malformed JSON are network/malformed errors, not crashes", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const dir = join(shared, "scenarios", "mi-acrpull-missing");
  for (const kind of ["reset", "truncated", "malformed"] as const) {
    await t.test(kind, async () => {
      await withSandbox(dir, async (sb) => {
        const { snapshot } = await liveAgainst(sb, { timeout: "6" });
        const fact = snapshot.registries;
        assert.equal(fact.status, "error");
        if (fact.status === "error") {
          assert.ok(["network", "malformed", "other"].includes(fact.kind), fact.kind);
          assert.match(fact.message, /Microsoft\.ContainerRegistry\/registries/);
        }
      }, { faults: [{ match: "/providers/Microsoft.ContainerRegistry/registries", kind }] });
    });
  }
});

test("a failing sign-in (token endpoint 500) leaves Azure facts as errors and Kubernetes facts intact", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const dir = join(shared, "scenarios", "image-tag-not-found");
  await withSandbox(dir, async (sb) => {
    const started = Date.now();
    const { snapshot, report } = await liveAgainst(sb, { timeout: "6" });
    assert.ok(Date.now() - started < 8000);
    assert.equal(snapshot.clusters.status, "error");
    assert.equal(snapshot.pods.status, "ok");
    assert.ok(!report.findings.some((f) => f.code.startsWith("RBAC_") && f.severity === "error"));
  }, { faults: [{ match: "/oauth2/v2.0/token", kind: "status", status: 500 }] });
});
