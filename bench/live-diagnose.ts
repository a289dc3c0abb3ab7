// Benchmark: live diagnose (real SDK clients) against the sandbox with injected latency per request, for a
// generated cluster with 2 registries and 20 failing pods. Prints wall time and the number of sequential request
// waves, derived from the sandbox's request log (a request is in wave n+1 when it started after a wave-n request
// ended). Usage: node dist/bench/live-diagnose.js [--latency-ms 200]

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startSandbox, type RecordedRequest } from "../src/sandbox/server.js";
import { buildLiveClients } from "../src/cli/live.js";
import { collectLive } from "../src/collectors/live.js";
import { evaluate } from "../src/engine/evaluate.js";
import { RULES } from "../src/rules/index.js";

const SUB = "11111111-2222-4333-8444-555555555555";
const RG = "rg-bench-aks";
const CLUSTER = "aks-bench";
const NODE_RG = `MC_${RG}_${CLUSTER}_westeurope`;
const KUBELET_OID = "aaaaaaaa-0000-4000-8000-000000000001";
const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";

function generate(dir: string): void {
  const w = (name: string, v: unknown) => writeFileSync(join(dir, name), JSON.stringify(v, null, 2));
  const ipId = `/subscriptions/${SUB}/resourceGroups/${NODE_RG}/providers/Microsoft.Network/publicIPAddresses/egress-1`;
  w("aks-show.json", {
    id: `/subscriptions/${SUB}/resourcegroups/${RG}/providers/Microsoft.ContainerService/managedClusters/${CLUSTER}`,
    name: CLUSTER, location: "westeurope", type: "Microsoft.ContainerService/ManagedClusters", resourceGroup: RG,
    identity: { type: "SystemAssigned", principalId: "aaaaaaaa-0000-4000-8000-000000000002", tenantId: "aaaaaaaa-0000-4000-8000-00000000000f" },
    identityProfile: { kubeletidentity: { clientId: "aaaaaaaa-0000-4000-8000-000000000003", objectId: KUBELET_OID, resourceId: `/subscriptions/${SUB}/resourcegroups/${NODE_RG}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${CLUSTER}-agentpool` } },
    servicePrincipalProfile: { clientId: "msi" }, nodeResourceGroup: NODE_RG, kubernetesVersion: "1.31", apiServerAccessProfile: null,
    agentPoolProfiles: [{ name: "nodepool1", mode: "System", osType: "Linux", count: 3, vnetSubnetId: null }],
    networkProfile: { outboundType: "loadBalancer", networkPlugin: "azure", loadBalancerProfile: { effectiveOutboundIPs: [{ id: ipId, resourceGroup: NODE_RG }] } },
  });
  const registries = ["benchapps", "benchtools"].map((name, i) => ({
    id: `/subscriptions/${SUB}/resourceGroups/rg-bench-acr/providers/Microsoft.ContainerRegistry/registries/${name}`,
    name, type: "Microsoft.ContainerRegistry/registries", location: "westeurope", loginServer: `${name}.azurecr.io`,
    sku: { name: i === 0 ? "Standard" : "Premium", tier: i === 0 ? "Standard" : "Premium" }, adminUserEnabled: false, publicNetworkAccess: "Enabled",
    networkRuleSet: i === 1 ? { defaultAction: "Deny", ipRules: [{ action: "Allow", ipAddressOrRange: "20.1.2.0/28" }] } : { defaultAction: "Allow", ipRules: [] },
    privateEndpointConnections: [], dataEndpointEnabled: false, dataEndpointHostNames: [], resourceGroup: "rg-bench-acr",
  }));
  w("acr-list.json", registries);
  w("public-ip-show.json", { id: ipId, name: "egress-1", type: "Microsoft.Network/publicIPAddresses", ipAddress: "20.9.9.9", resourceGroup: NODE_RG });
  w("role-assignments.json", [{
    id: `${registries[0]!.id}/providers/Microsoft.Authorization/roleAssignments/bbbbbbbb-0000-4000-8000-000000000001`, name: "bbbbbbbb-0000-4000-8000-000000000001",
    principalId: "aaaaaaaa-0000-4000-8000-000000000002", principalName: "x", principalType: "ServicePrincipal", roleDefinitionName: "AcrPull",
    roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${ACR_PULL}`, scope: registries[0]!.id, type: "Microsoft.Authorization/roleAssignments",
  }]);
  const pods = [];
  const events = [];
  for (let i = 0; i < 20; i++) {
    const reg = registries[i % 2]!;
    const image = `${reg.loginServer}/team${i}/svc:1.${i}.0`;
    const name = `svc-${i}-7d9f8c6b5-x${i}`;
    pods.push({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "bench", uid: `uid-${i}`, creationTimestamp: "2026-11-28T10:00:00Z" },
      spec: { containers: [{ name: "app", image, imagePullPolicy: "IfNotPresent" }], nodeName: "aks-nodepool1-1-vmss000000", serviceAccountName: "default" },
      status: { phase: "Pending", containerStatuses: [{ name: "app", image, imageID: "", ready: false, restartCount: 0, state: { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}"` } } }] } });
    const msg = i % 2 === 0
      ? `Failed to pull image "${image}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://${reg.loginServer}/oauth2/token?scope=repository%3Ateam${i}%2Fsvc%3Apull&service=${reg.loginServer}: 401 Unauthorized`
      : `Failed to pull image "${image}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://${reg.loginServer}/oauth2/token?scope=repository%3Ateam${i}%2Fsvc%3Apull&service=${reg.loginServer}: 403 Forbidden`;
    events.push({ apiVersion: "v1", kind: "Event", metadata: { name: `${name}.${i}`, namespace: "bench" }, type: "Warning", reason: "Failed", message: msg, count: 12,
      firstTimestamp: "2026-11-28T10:00:00Z", lastTimestamp: "2026-11-28T10:30:00Z", involvedObject: { kind: "Pod", name, namespace: "bench", fieldPath: "spec.containers{app}" }, source: { component: "kubelet", host: "aks-nodepool1-1-vmss000000" } });
  }
  w("pods.json", { apiVersion: "v1", kind: "List", items: pods });
  w("events.json", { apiVersion: "v1", kind: "List", items: events });
}

/** Sequential depth of the request log: wave(r) = 1 + max wave of the requests that ended before r started. */
export function waves(requests: RecordedRequest[]): number {
  const sorted = [...requests].sort((a, b) => a.start - b.start);
  const depth = new Map<RecordedRequest, number>();
  let max = 0;
  for (const r of sorted) {
    let d = 1;
    for (const q of sorted) if (q !== r && q.end <= r.start && depth.has(q)) d = Math.max(d, depth.get(q)! + 1);
    depth.set(r, d);
    max = Math.max(max, d);
  }
  return max;
}

async function main(): Promise<void> {
  const arg = process.argv.indexOf("--latency-ms");
  const latencyMs = arg > 0 ? Number(process.argv[arg + 1]) : 200;
  const dir = mkdtempSync(join(tmpdir(), "pulldoctor-bench-"));
  generate(dir);
  // real ARM pages role-assignment and registry lists in pages of hundreds: no extra page round trips here
  const sb = await startSandbox({ scenarioDir: dir, latencyMs, pageSize: 100 });
  try {
    const clients = buildLiveClients(sb.env, { kubeconfig: sb.kubeconfigPath });
    const target = { subscriptionId: SUB, resourceGroup: RG, clusterName: CLUSTER, images: [], registries: [] };
    for (const label of ["cold (sign-in included)", "warm (token cached, as az keeps it)"]) {
      sb.requests.length = 0;
      const t0 = performance.now();
      const snapshot = await collectLive(clients, target, { now: new Date("2026-11-28T12:00:00Z"), callTimeoutMs: 10_000 });
      const report = evaluate(snapshot, RULES);
      const wall = performance.now() - t0;
      const data = sb.requests.filter((r) => r.api !== "token");
      console.log(`${label}: wall ${(wall / 1000).toFixed(3)} s · ${sb.requests.length} requests (${data.length} data) · waves: ${waves(data)} data, ${waves(sb.requests)} including sign-in · ${report.findings.length} findings (${[...new Set(report.findings.map((f) => f.code))].join(", ")})`);
    }
    console.log(`latency ${latencyMs} ms per request; targets: <= 3 waves, < 1.0 s`);
  } finally {
    await sb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
