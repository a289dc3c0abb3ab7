// Every live collector x {401, 403, 404, 429 + Retry-After, 500, 503, connection reset, stalled response,
// malformed JSON, truncated body} against the sandbox: the run ends within --timeout plus a small margin, the
// fault fired, the affected fact is an error naming the call and the status (a 404 on a single resource may
// instead prove it is gone), and no error finding appears that the complete evidence does not support.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { requireShared } from "../paths.js";
import { liveAgainst, offline, withSandbox } from "./harness.js";
import type { Fault } from "../../src/sandbox/server.js";
import type { FactKey } from "../../src/snapshot/types.js";

interface Collector { name: string; scenario: string; match: RegExp; fact: FactKey; singleResource?: boolean }

const COLLECTORS: Collector[] = [
  { name: "AKS cluster", scenario: "acr-firewall-denies-cluster", match: /^GET \/subscriptions\/[^?]*\/managedClusters\/[^/?]+\?/i, fact: "clusters", singleResource: true },
  { name: "registry list", scenario: "acr-firewall-denies-cluster", match: /^GET \/subscriptions\/[^/]+\/providers\/Microsoft\.ContainerRegistry\/registries\?/i, fact: "registries" },
  { name: "role assignments", scenario: "mi-acrpull-missing", match: /roleAssignments\?/i, fact: "roleAssignments" },
  { name: "deny assignments", scenario: "deny-assignment-blocks-pull", match: /denyAssignments\?/i, fact: "denyAssignments" },
  { name: "public IP", scenario: "acr-firewall-denies-cluster", match: /publicIPAddresses\//i, fact: "publicIps", singleResource: true },
  { name: "private endpoints", scenario: "private-dns-zone-not-linked", match: /providers\/Microsoft\.Network\/privateEndpoints\?/i, fact: "privateEndpoints" },
  { name: "private DNS zones", scenario: "private-dns-zone-not-linked", match: /providers\/Microsoft\.Network\/privateDnsZones\?/i, fact: "privateDnsZones" },
  { name: "DNS zone links", scenario: "private-dns-zone-not-linked", match: /virtualNetworkLinks/i, fact: "privateDnsVnetLinks" },
  { name: "virtual network", scenario: "private-dns-zone-not-linked", match: /virtualNetworks\/[^/?]+\?/i, fact: "virtualNetworks", singleResource: true },
  { name: "network security group", scenario: "egress-blocked-nsg", match: /networkSecurityGroups\//i, fact: "networkSecurityGroups", singleResource: true },
  { name: "node scale sets", scenario: "mi-acrpull-missing", match: /virtualMachineScaleSets/i, fact: "vmssIdentities" },
  { name: "kubelet identity", scenario: "healthy-managed-identity", match: /userAssignedIdentities\//i, fact: "userAssignedIdentities", singleResource: true },
  { name: "Graph service principals", scenario: "sp-disabled", match: /\/v1\.0\/servicePrincipals/i, fact: "servicePrincipals" },
  { name: "Graph applications", scenario: "sp-secret-expired", match: /\/v1\.0\/applications/i, fact: "applications" },
  { name: "Kubernetes events", scenario: "image-tag-not-found", match: /\/api\/v1\/(namespaces\/[^/]+\/)?events/i, fact: "events" },
  { name: "Kubernetes pods", scenario: "image-tag-not-found", match: /\/api\/v1\/(namespaces\/[^/]+\/)?pods/i, fact: "pods" },
  { name: "Kubernetes nodes", scenario: "windows-node-linux-image", match: /\/api\/v1\/nodes/i, fact: "nodes" },
  { name: "Kubernetes service accounts", scenario: "dockerhub-rate-limit-and-missing-secret", match: /serviceaccounts/i, fact: "serviceAccounts" },
];

const FAULTS: { label: string; fault: Omit<Fault, "match">; status?: number }[] = [
  { label: "401", fault: { kind: "status", status: 401 }, status: 401 },
  { label: "403", fault: { kind: "status", status: 403 }, status: 403 },
  { label: "404", fault: { kind: "status", status: 404 }, status: 404 },
  { label: "429 + Retry-After", fault: { kind: "status", status: 429, retryAfter: 1 }, status: 429 },
  { label: "500", fault: { kind: "status", status: 500 }, status: 500 },
  { label: "503", fault: { kind: "status", status: 503 }, status: 503 },
  { label: "connection reset", fault: { kind: "reset" } },
  { label: "stalled response", fault: { kind: "stall" } },
  { label: "malformed JSON", fault: { kind: "malformed" } },
  { label: "truncated body", fault: { kind: "truncated" } },
];

const COLLECTOR_WORDS = ["dns", "nsg", "security", "subnet", "endpoint", "identity", "scale set", "graph", "pods", "events", "nodes"];

// one stalled call may use a third of the budget; 6 s leaves the later waves theirs
const TIMEOUT_S = 6;
const MARGIN_MS = 2500;

test("fault matrix: every collector x every fault ends bounded, named, and without a false error finding", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  let injected = 0;
  for (const col of COLLECTORS) {
    const dir = join(shared, "scenarios", col.scenario);
    const supported = new Set((await offline(dir)).findings.filter((f) => f.severity === "error").map((f) => `${f.code}|${f.subject.toLowerCase()}`));
    await withSandbox(dir, async (sb) => {
      for (const f of FAULTS) {
        await t.test(`${col.name}: ${f.label}`, async () => {
          sb.setFaults([{ match: col.match, ...f.fault }]);
          const before = sb.requests.length;
          const started = Date.now();
          const { snapshot, report } = await liveAgainst(sb, { timeout: String(TIMEOUT_S) });
          const elapsed = Date.now() - started;
          sb.setFaults([]);
          assert.ok(elapsed < TIMEOUT_S * 1000 + MARGIN_MS, `took ${elapsed} ms with --timeout ${TIMEOUT_S}`);
          assert.ok(sb.requests.slice(before).some((r) => r.fault !== undefined), `the fault never fired for ${col.match}`);
          injected++;
          for (const x of report.findings.filter((y) => y.severity === "error")) {
            assert.ok(supported.has(`${x.code}|${x.subject.toLowerCase()}`), `false error finding ${x.code} on ${x.subject} (${x.message.slice(0, 160)})`);
          }
          // Either the diagnosis is still complete (the collector recovered), or what is missing is reported as
          // unknown with a reason naming the failed call and its status.
          const complete = [...supported].every((k) => report.findings.some((x) => `${x.code}|${x.subject.toLowerCase()}` === k));
          const fact = snapshot[col.fact];
          if (fact.status === "error" && f.status !== undefined && !(f.status === 404 && col.singleResource)) {
            assert.match(fact.message, new RegExp(`\\b${f.status}\\b`), `the fact's reason names the status: ${fact.message}`);
          }
          if (!complete) {
            const names = (r: string) => col.match.test(`GET ${r}`) || r.includes(col.fact) || COLLECTOR_WORDS.some((w) => r.toLowerCase().includes(w) && col.name.toLowerCase().includes(w));
            const says = (r: string) => (f.status !== undefined ? new RegExp(`\\b${f.status}\\b`).test(r) : /reset|time limit|timeout|malformed|truncated|JSON|socket|network|ECONNRESET|closed/i.test(r));
            assert.ok(report.unknown.some((u) => names(u.reason) && says(u.reason)), `diagnosis incomplete and no unknown names the call and status: ${JSON.stringify(report.unknown.map((u) => u.reason)).slice(0, 600)}`);
          }
        });
      }
    });
  }
  console.log(`fault matrix: ${injected} faults injected over ${COLLECTORS.length} collectors`);
  assert.equal(injected, COLLECTORS.length * FAULTS.length);
});
