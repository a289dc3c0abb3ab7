import { test } from "node:test";
import assert from "node:assert/strict";
import { attribute, localFactsOf } from "../../src/audit/attribute.js";
import { audit } from "../../src/audit/audit.js";
import { assignment, ACR_PULL, failedEvent, miCluster, pod, registry, snapshot, SUB } from "../factories.js";
import type { ManagedCluster, VmssIdentity } from "../../src/snapshot/types.js";

const src = (file: string) => ({ file, path: "$" });

function cluster(name: string, folder: string, o: Partial<ManagedCluster> = {}): ManagedCluster {
  return miCluster({
    id: `/subscriptions/${SUB}/resourcegroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/${name}`,
    name,
    nodeResourceGroup: `MC_rg-aks_${name}_westeurope`,
    kubeletIdentity: { clientId: `${name}-client`, objectId: `${name}-object`, resourceId: `/subscriptions/${SUB}/resourcegroups/MC_rg-aks_${name}_westeurope/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}-agentpool` },
    source: src(`${folder}${folder ? "/" : ""}aks-show.json`),
    ...o,
  });
}

test("kubectl output belongs to the cluster in its folder, or in the nearest folder above that holds one", () => {
  const a = cluster("aks-a", "team-a");
  const b = cluster("aks-b", "team-b");
  const s = snapshot({
    clusters: [a, b],
    pods: [pod({ name: "pa", source: src("team-a/pods.json") }), pod({ name: "pb", source: src("team-b/kubectl/prod/pods.json") })],
    events: [failedEvent("Failed to pull image \"acrb.azurecr.io/app:1\": 401 Unauthorized", { source: src("team-b/events.json") })],
  });
  const at = attribute(s);
  assert.deepEqual(localFactsOf(at, a).pods.map((p) => p.name), ["pa"]);
  assert.deepEqual(localFactsOf(at, b).pods.map((p) => p.name), ["pb"]);
  assert.equal(localFactsOf(at, b).events.length, 1);
  assert.equal(localFactsOf(at, a).events.length, 0);
  assert.deepEqual(at.unattributed, []);
});

test("kubectl output with no cluster above it, or beside several clusters, is reported as unattributed", () => {
  const a = cluster("aks-a", "shared");
  const b = cluster("aks-b", "shared");
  const c = cluster("aks-c", "solo");
  const s = snapshot({
    clusters: [a, b, c],
    pods: [pod({ name: "p1", source: src("shared/pods.json") }), pod({ name: "p2", source: src("pods.json") }), pod({ name: "p3", source: src("solo/pods.json") })],
  });
  const at = attribute(s);
  assert.deepEqual(at.unattributed.map((u) => [u.file, u.count]), [["pods.json", 1], ["shared/pods.json", 1]]);
  assert.match(at.unattributed.find((u) => u.file === "shared/pods.json")!.reason, /2 clusters/);
  assert.match(at.unattributed.find((u) => u.file === "pods.json")!.reason, /no az aks show/);
  assert.deepEqual(localFactsOf(at, c).pods.map((p) => p.name), ["p3"]);
  assert.equal(localFactsOf(at, a).pods.length + localFactsOf(at, b).pods.length, 0);
});

test("a VMSS resource goes to the cluster whose node resource group holds it, wherever the file sits", () => {
  const a = cluster("aks-a", "team-a");
  const b = cluster("aks-b", "team-b");
  const vmss: VmssIdentity = { vmssId: `/subscriptions/${SUB}/resourceGroups/MC_rg-aks_aks-b_westeurope/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-1-vmss`, type: "UserAssigned", userAssignedIdentities: [], source: src("team-a/vmss.json") };
  const at = attribute(snapshot({ clusters: [a, b], vmssIdentities: [vmss] }));
  assert.equal(localFactsOf(at, b).vmssIdentities.length, 1);
  assert.equal(localFactsOf(at, a).vmssIdentities.length, 0);
});

test("a directory lookup by id is global; an id-less query result belongs to its folder's cluster", () => {
  const a = cluster("aks-a", "team-a");
  const b = cluster("aks-b", "team-b");
  const s = snapshot({
    clusters: [a, b],
    directoryLookups: [
      { id: "", idKind: "unknown", found: false, message: "servicePrincipals query returned no results", source: src("team-a/graph-sp.json") },
      { id: "0000aaaa-0000-4000-8000-000000000001", idKind: "objectId", found: false, source: src("team-b/graph-404.json") },
    ],
  });
  const at = attribute(s);
  assert.equal(localFactsOf(at, a).directoryLookups.length, 1);
  assert.equal(localFactsOf(at, b).directoryLookups.length, 0);
});

test("a cluster is paired with the registries its own workloads pull from, not with another cluster's", () => {
  const a = cluster("aks-a", "team-a", { id: "/subscriptions/aaaaaaaa-0000-4000-8000-00000000000a/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-a", subscriptionId: "aaaaaaaa-0000-4000-8000-00000000000a" });
  const b = cluster("aks-b", "team-b", { id: "/subscriptions/bbbbbbbb-0000-4000-8000-00000000000b/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-b", subscriptionId: "bbbbbbbb-0000-4000-8000-00000000000b" });
  // both registries sit in a third subscription, so only the workloads pair them
  const other = "cccccccc-0000-4000-8000-00000000000c";
  const ra = registry({ name: "acra", id: `/subscriptions/${other}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acra`, subscriptionId: other });
  const rb = registry({ name: "acrb", id: `/subscriptions/${other}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acrb`, subscriptionId: other });
  const s = snapshot({
    clusters: [a, b],
    registries: [ra, rb],
    roleAssignments: [assignment("aks-b-object", ACR_PULL, rb.id)],
    pods: [pod({ name: "pa", image: "acra.azurecr.io/app:1", source: src("team-a/pods.json") }), pod({ name: "pb", image: "acrb.azurecr.io/app:1", source: src("team-b/pods.json") })],
  });
  const r = audit(s);
  const ca = r.clusters.find((c) => c.name === "aks-a")!;
  const cb = r.clusters.find((c) => c.name === "aks-b")!;
  assert.deepEqual(ca.registries, [ra.id]);
  assert.deepEqual(cb.registries, [rb.id]);
  assert.deepEqual(ca.findings.map((f) => [f.code, f.subject]), [["RBAC_PULL_ROLE_MISSING", ra.id]]);
  assert.deepEqual(cb.findings, []);
  assert.deepEqual(r.summary.registriesNobodyCanPull, [ra.id]);
  assert.deepEqual(r.registries.find((x) => x.id === rb.id)!.pullableBy, [cb.id]);
});

test("a cluster is paired with registries its identity holds a role on; its subscription's registries only when nothing else names one", () => {
  const a = cluster("aks-a", "team-a");
  const lost = cluster("aks-lost", "team-lost");
  const elsewhere = "dddddddd-0000-4000-8000-00000000000d";
  const held = registry({ name: "held", id: `/subscriptions/${elsewhere}/resourceGroups/rg-x/providers/Microsoft.ContainerRegistry/registries/held`, subscriptionId: elsewhere });
  const local = registry({ name: "local" });
  const unrelated = registry({ name: "unrelated", id: `/subscriptions/${elsewhere}/resourceGroups/rg-y/providers/Microsoft.ContainerRegistry/registries/unrelated`, subscriptionId: elsewhere });
  const s = snapshot({ clusters: [a, lost], registries: [held, local, unrelated], roleAssignments: [assignment("aks-a-object", ACR_PULL, `/subscriptions/${elsewhere}/resourceGroups/rg-x`)] });
  const r = audit(s);
  const ca = r.clusters.find((c) => c.name === "aks-a")!;
  const cl = r.clusters.find((c) => c.name === "aks-lost")!;
  assert.deepEqual(ca.registries, [held.id], "a role names the registry the cluster uses: the other registries of its subscription are not judged");
  assert.deepEqual(ca.access.map((x) => x.pairedBy), ["role"]);
  assert.deepEqual(cl.registries, [local.id], "no role, no workload: paired with its subscription's registries");
  assert.deepEqual(cl.access.map((x) => [x.pairedBy, x.verdict]), [["subscription", "denied"]]);
  assert.deepEqual(cl.findings.map((f) => [f.code, f.subject]), [["RBAC_PULL_ROLE_MISSING", local.id]]);
  assert.deepEqual(r.registries.find((x) => x.id === unrelated.id)!.pairedWith, []);
  assert.equal(r.registries.find((x) => x.id === unrelated.id)!.nobodyCanPull, false, "a registry no cluster is paired with is not 'nobody can pull'");
  assert.deepEqual(r.summary.registriesNobodyCanPull, [local.id]);
});

test("with `az aks list` at the top, kubectl output in a folder named after a cluster is that cluster's", () => {
  const a = cluster("aks-a", "");
  const b = cluster("aks-b", "");
  const s = snapshot({
    clusters: [a, b],
    pods: [pod({ name: "pb", source: src("clusters/AKS-B/pods.json") }), pod({ name: "top", source: src("pods.json") })],
  });
  const at = attribute(s);
  assert.deepEqual(localFactsOf(at, b).pods.map((p) => p.name), ["pb"]);
  assert.equal(localFactsOf(at, a).pods.length, 0);
  assert.deepEqual(at.unattributed.map((u) => u.file), ["pods.json"], "top-level kubectl output beside two clusters stays unattributed");
});
