// What a live run says when a call fails: the status survives a retry loop cut short by the deadline, facts that
// depend on a failed call name that call, no response body is ever quoted, and the node subnet is read on its own
// so the NSG proof does not need the VNet.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { requireShared } from "../paths.js";
import { liveAgainst, offline, withSandbox } from "./harness.js";
import { FACT_KEYS, type Fact } from "../../src/snapshot/types.js";
import { startSandbox } from "../../src/sandbox/server.js";
import { request } from "node:https";
import { readFileSync } from "node:fs";

function get(url: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers: { authorization: "Bearer t" } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("a 429 that outlasts the per-call time limit keeps its status and the attempt count, for ARM, Graph and Kubernetes", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const cases = [
    { scenario: "acr-firewall-denies-cluster", match: /managedClusters\/[^/?]+\?/i, fact: "clusters" as const },
    { scenario: "sp-disabled", match: /\/v1\.0\/servicePrincipals/i, fact: "servicePrincipals" as const },
    { scenario: "image-tag-not-found", match: /\/api\/v1\/pods/i, fact: "pods" as const },
  ];
  for (const c of cases) {
    await t.test(c.fact, async () => {
      // Retry-After 1 s, three attempts, a 1.3 s per-call budget (--timeout 4): the deadline ends the loop
      await withSandbox(join(shared, "scenarios", c.scenario), async (sb) => {
        const { snapshot } = await liveAgainst(sb, { timeout: "4" });
        const fact: Fact<unknown[]> = snapshot[c.fact];
        assert.equal(fact.status, "error");
        if (fact.status !== "error") return;
        assert.equal(fact.kind, "throttled");
        assert.match(fact.message, /^GET \S.*: throttled \(429\) — gave up after \d+ attempts? before the time limit/);
      }, { faults: [{ match: c.match, kind: "status", status: 429, retryAfter: 1 }] });
    });
  }
});

test("facts that need a failed call are errors naming that call and its status, never an evidence-style reason", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  await withSandbox(join(shared, "scenarios", "private-dns-zone-not-linked"), async (sb) => {
    const { snapshot } = await liveAgainst(sb, { timeout: "6" });
    for (const k of ["privateDnsVnetLinks", "privateDnsARecordSets"] as const) {
      const f = snapshot[k];
      assert.equal(f.status, "error", `${k}: ${JSON.stringify(f)}`);
      if (f.status === "error") assert.match(f.message, /^not read because GET \/subscriptions\/[^ ]+\/privateDnsZones failed: 403 on GET .*needs Microsoft\.Network\/privateDnsZones\/read/);
    }
    for (const k of FACT_KEYS) {
      const f = snapshot[k];
      const text = f.status === "skipped" ? f.reason : f.status === "error" ? f.message : "";
      assert.doesNotMatch(text, /in the evidence/, `${k}: ${text}`);
    }
  }, { faults: [{ match: /providers\/Microsoft\.Network\/privateDnsZones\?/i, kind: "status", status: 403 }] });
  await withSandbox(join(shared, "scenarios", "mi-acrpull-missing"), async (sb) => {
    const { snapshot } = await liveAgainst(sb, { timeout: "6" });
    for (const k of ["publicIps", "vmssIdentities", "userAssignedIdentities", "virtualNetworks"] as const) {
      const f = snapshot[k];
      assert.equal(f.status, "error", `${k}: ${JSON.stringify(f)}`);
      if (f.status === "error") assert.match(f.message, /^not read because GET [^ ]+\/managedClusters\/[^ ]+ failed: .*\b500\b/);
    }
  }, { faults: [{ match: /managedClusters\/[^/?]+\?/i, kind: "status", status: 500 }] });
});

test("a malformed or truncated body is never quoted in an error message (ARM, Graph, Kubernetes)", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const cases = [
    { scenario: "acr-firewall-denies-cluster", match: /managedClusters\/[^/?]+\?/i, fact: "clusters" as const },
    { scenario: "sp-disabled", match: /\/v1\.0\/servicePrincipals/i, fact: "servicePrincipals" as const },
    { scenario: "image-tag-not-found", match: /\/api\/v1\/pods/i, fact: "pods" as const },
  ];
  for (const c of cases) {
    for (const kind of ["malformed", "truncated"] as const) {
      await t.test(`${c.fact}: ${kind}`, async () => {
        await withSandbox(join(shared, "scenarios", c.scenario), async (sb) => {
          const { snapshot } = await liveAgainst(sb, { timeout: "4" });
          const fact: Fact<unknown[]> = snapshot[c.fact];
          assert.equal(fact.status, "error");
          if (fact.status !== "error") return;
          // the sandbox's bodies start `{"value": [ {"id": ...` (malformed) and `{"value":[{"id":"xxx...` (truncated)
          assert.doesNotMatch(fact.message, /"value"|\{"id"|xxxxx/, fact.message);
          if (kind === "malformed") {
            assert.equal(fact.kind, "malformed");
            assert.match(fact.message, /: 200 with a malformed JSON body$/);
          } else {
            // a cut-off body is seen as such at once, not as a stall until the deadline
            assert.equal(fact.kind, "network");
            assert.match(fact.message, /200 but the connection closed before the whole body arrived \(truncated\)/);
          }
        }, { faults: [{ match: c.match, kind }] });
      });
    }
  }
});

test("the sandbox serves a node subnet from the NSG that lists it when the scenario has no VNet document", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const dir = join(shared, "scenarios", "egress-blocked-nsg");
  const sb = await startSandbox({ scenarioDir: dir });
  try {
    const ca = readFileSync(sb.caFile, "utf8");
    const aks = JSON.parse(readFileSync(join(dir, "aks-show.json"), "utf8")) as { agentPoolProfiles: { vnetSubnetId: string }[] };
    const subnetId = aks.agentPoolProfiles[0]!.vnetSubnetId;
    const r = await get(`${sb.url}${subnetId}?api-version=2024-05-01`, ca);
    assert.equal(r.status, 200);
    const body = JSON.parse(r.body) as { id: string; properties: { networkSecurityGroup?: { id: string } } };
    assert.equal(body.id.toLowerCase(), subnetId.toLowerCase());
    assert.match(body.properties.networkSecurityGroup?.id ?? "", /\/networkSecurityGroups\/nsg-margies-aks-nodes$/i);
    const missing = await get(`${sb.url}${subnetId.replace(/[^/]+$/, "snet-nobody")}?api-version=2024-05-01`, ca);
    assert.equal(missing.status, 404);
  } finally {
    await sb.stop();
  }
});

test("live reads the node subnet's NSG without the VNet: the egress finding carries the NSG rules like offline", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const dir = join(shared, "scenarios", "egress-blocked-nsg");
  const off = (await offline(dir)).findings.find((f) => f.code === "NET_EGRESS_BLOCKED");
  assert.ok(off?.evidence.some((e) => e.source === "nsg-show.json"), "offline cites the NSG");
  await withSandbox(dir, async (sb) => {
    const { report, snapshot } = await liveAgainst(sb);
    assert.equal(snapshot.networkSecurityGroups.status, "ok");
    const live = report.findings.find((f) => f.code === "NET_EGRESS_BLOCKED");
    assert.ok(live, "live finds the egress block");
    const nsgEvidence = (f: typeof off) => (f?.evidence ?? []).filter((e) => /nsg|networkSecurityGroups/i.test(e.source)).map((e) => e.path);
    assert.ok(nsgEvidence(live).length > 0, "live cites the NSG");
    assert.deepEqual(nsgEvidence(live), nsgEvidence(off));
    assert.equal(live.confidence, off!.confidence);
    assert.ok(sb.requests.some((r) => /\/subnets\/[^/?]+\?/i.test(r.path) && r.status === 200), "the node subnet was read");
  });
});
