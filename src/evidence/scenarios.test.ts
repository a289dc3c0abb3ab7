// Every scenario folder of the shared corpus reads cleanly, and the facts each verdict depends on are there.

import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { sameId } from "../snapshot/ids.js";
import type { Fact, Snapshot } from "../snapshot/types.js";
import { readEvidenceFolder } from "./read.js";

/** `PULLDOCTOR_SHARED_DIR`, else `<dir with package.json>/../shared` walking up from this file. */
function sharedDir(): string | undefined {
  const env = process.env["PULLDOCTOR_SHARED_DIR"];
  if (env) return env;
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(d, "package.json")) && existsSync(join(d, "..", "shared", "scenarios"))) return resolve(d, "..", "shared");
    const up = dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

const shared = sharedDir();
const scenariosDir = shared ? join(shared, "scenarios") : undefined;
const haveCorpus = scenariosDir !== undefined && existsSync(scenariosDir);
if (!haveCorpus) {
  if (process.env["CI"] === "true") throw new Error("scenario corpus not found: set PULLDOCTOR_SHARED_DIR (required in CI)");
  console.warn("\n*** evidence scenario tests SKIPPED: ../shared/scenarios not found (set PULLDOCTOR_SHARED_DIR) ***\n");
}

const NOW = new Date("2026-11-28T12:00:00Z");

function ok<T>(f: Fact<T>, what: string): T {
  assert.equal(f.status, "ok", `${what}: ${JSON.stringify(f)}`);
  return (f as { status: "ok"; value: T }).value;
}

const spot: Record<string, (s: Snapshot) => void> = {
  "abac-mode-acrpull-only": (s) => {
    const [reg] = ok(s.registries, "registries");
    assert.equal(reg?.roleAssignmentMode, "AbacRepositoryPermissions");
    assert.equal(reg?.source.file, "acr-get-rest.json");
    assert.ok(ok(s.roleAssignments, "ra").some((r) => r.roleDefinitionName === "AcrPull"));
  },
  "acr-firewall-denies-cluster": (s) => {
    const [reg] = ok(s.registries, "registries");
    assert.equal(reg?.networkRuleSet?.defaultAction, "Deny");
    assert.equal(reg?.networkRuleSet?.ipRules.length, 3);
    assert.ok(reg?.networkRuleSet?.ipRules.some((r) => r.value === "20.74.91.0/28"));
    const [ip] = ok(s.publicIps, "publicIps");
    assert.equal(ip?.ipAddress, "20.74.91.37");
    const [c] = ok(s.clusters, "clusters");
    assert.ok(c?.networkProfile?.effectiveOutboundIpIds.some((id) => sameId(id, ip?.id)));
    assert.ok(ok(s.events, "events").some((e) => /is not allowed access/.test(e.message)));
  },
  "acrpull-on-control-plane-identity": (s) => {
    const [c] = ok(s.clusters, "clusters");
    const [sp] = ok(s.servicePrincipals, "sps");
    assert.equal(sp?.servicePrincipalType, "ManagedIdentity");
    assert.equal(sp?.id, c?.identity?.principalId);
    const [uai] = ok(s.userAssignedIdentities, "uai");
    assert.equal(uai?.clientId, c?.kubeletIdentity?.clientId);
    assert.ok(sameId(uai?.id, c?.kubeletIdentity?.resourceId));
  },
  "auth-as-arm-disabled": (s) => {
    const [reg] = ok(s.registries, "registries");
    assert.equal(reg?.azureAdAuthenticationAsArmPolicy, "disabled");
    assert.ok(ok(s.nodes, "nodes").every((n) => n.kubeletVersion?.startsWith("v1.28")));
  },
  "deny-assignment-blocks-pull": (s) => {
    const deny = ok(s.denyAssignments, "deny");
    assert.equal(deny.length, 1);
    assert.equal(deny[0]?.excludePrincipals.length, 1);
    assert.equal(deny[0]?.principals[0]?.type, "SystemDefined");
    assert.ok(deny[0]?.permissions[0]?.actions.includes("Microsoft.ContainerRegistry/registries/pull/read"));
    assert.equal(deny[0]?.doNotApplyToChildScopes, false);
  },
  "dockerhub-rate-limit-and-missing-secret": (s) => {
    const secrets = ok(s.pullSecrets, "pullSecrets");
    assert.equal(secrets.length, 1, "the Opaque secret is dropped");
    const [sec] = secrets;
    assert.equal(sec?.name, "ghcr-gdi-studio");
    assert.equal(sec?.auths[0]?.host, "ghcr.io");
    assert.equal(sec?.auths[0]?.username, "gdi-render-bot");
    assert.equal(sec?.auths[0]?.hasPassword, true);
    assert.match(sec?.auths[0]?.fingerprint ?? "", /^[0-9a-f]{12}$/);
    const json = JSON.stringify(s);
    assert.ok(!json.includes("ghp_EXAMPLE"), "no password in the snapshot");
    assert.ok(!json.includes("render-settings"), "non-pull secrets are dropped with their names");
    assert.ok(!json.includes("cmVuZGVyLWpvYnM="), "no secret data");
    const sas = ok(s.serviceAccounts, "sas");
    assert.equal(sas.length, 3);
    assert.ok(sas.every((a) => a.imagePullSecrets.length === 0));
    assert.ok(ok(s.pods, "pods").some((p) => p.statuses.some((st) => /toomanyrequests/.test(st.waiting?.message ?? ""))));
  },
  "egress-blocked-nsg": (s) => {
    const [nsg] = ok(s.networkSecurityGroups, "nsg");
    const deny = nsg?.securityRules.find((r) => r.access === "Deny" && r.direction === "Outbound" && !r.isDefault);
    assert.equal(deny?.priority, 200);
    assert.deepEqual(deny?.destinationAddressPrefixes, ["Internet"]);
    assert.deepEqual(deny?.destinationPortRanges, ["443"]);
    assert.equal(deny?.path, "$.securityRules[1]");
    assert.ok(nsg?.securityRules.some((r) => r.isDefault && r.name === "DenyAllOutBound" && r.path.startsWith("$.defaultSecurityRules[")));
    const [c] = ok(s.clusters, "clusters");
    assert.equal(c?.privateCluster, true);
    assert.ok(nsg?.subnetIds.some((id) => sameId(id, c?.agentPools[0]?.vnetSubnetId)));
  },
  "healthy-managed-identity": (s) => {
    const [c] = ok(s.clusters, "clusters");
    assert.equal(c?.servicePrincipalClientId, "msi");
    assert.equal(c?.privateCluster, false);
    assert.ok(ok(s.roleAssignments, "ra").some((r) => r.principalId === c?.kubeletIdentity?.objectId && r.roleDefinitionName === "AcrPull"));
    assert.equal(ok(s.userAssignedIdentities, "uai")[0]?.principalId, c?.kubeletIdentity?.objectId);
  },
  "image-tag-not-found": (s) => {
    const [d] = ok(s.podDescriptions, "describe");
    assert.equal(d?.namespace, "orders");
    assert.equal(d?.nodeName, "aks-orders-83720164-vmss000002");
    assert.equal(d?.serviceAccountName, "default");
    assert.deepEqual(d?.images, ["fourthcoffeeorders.azurecr.io/orders/orders-api:3.9.0"]);
    assert.equal(d?.events.length, 6);
    const failed = d?.events.find((e) => e.reason === "Failed" && /NotFound/.test(e.message));
    assert.equal(failed?.count, 7);
    assert.equal(failed?.type, "Warning");
    assert.equal(d?.events.find((e) => e.reason === "BackOff")?.count, 112);
  },
  "mi-acrpull-missing": (s) => {
    const [c] = ok(s.clusters, "clusters");
    const [v] = ok(s.vmssIdentities, "vmss");
    assert.equal(v?.type, "UserAssigned");
    assert.equal(v?.userAssignedIdentities[0]?.clientId, c?.kubeletIdentity?.clientId);
  },
  "mi-acrpull-on-other-registry": (s) => {
    const regs = ok(s.registries, "registries");
    assert.equal(regs.length, 2, "acr list + raw GET of northwindprod are merged");
    const prod = regs.find((r) => r.name === "northwindprod");
    assert.equal(prod?.loginServer, "northwindprod.azurecr.io");
    assert.equal(prod?.resourceGroup, "rg-northwind-registry-prod");
    const [ra] = ok(s.roleAssignments, "ra");
    assert.ok(sameId(ra?.scope, regs.find((r) => r.name === "northwinddev")?.id));
  },
  "practices-only": (s) => {
    assert.equal(ok(s.registries, "registries")[0]?.adminUserEnabled, true);
    const [app] = ok(s.applications, "apps");
    assert.deepEqual(app?.passwordCredentials.map((p) => p.endDateTime), ["2025-12-10T16:20:00Z", "2026-12-10T10:02:41Z"]);
    assert.ok(ok(s.roleAssignments, "ra").some((r) => r.roleDefinitionName === "Contributor"));
  },
  "private-dns-zone-not-linked": (s) => {
    const links = ok(s.privateDnsVnetLinks, "links");
    assert.equal(links.length, 2);
    assert.ok(links.every((l) => l.zoneName === "privatelink.azurecr.io" && l.zoneId.endsWith("/privatelink.azurecr.io")));
    const recs = ok(s.privateDnsARecordSets, "A");
    assert.deepEqual(recs.map((r) => [r.name, r.zoneName, r.ipv4Addresses]), [
      ["alpineskibooking", "privatelink.azurecr.io", ["10.60.4.5"]],
      ["alpineskibooking.swedencentral.data", "privatelink.azurecr.io", ["10.60.4.4"]],
    ]);
    const [vnet] = ok(s.virtualNetworks, "vnets");
    assert.deepEqual(vnet?.dnsServers, []);
    assert.equal(vnet?.peerings[0]?.peeringState, "Connected");
    assert.ok(!links.some((l) => sameId(l.virtualNetworkId, vnet?.id)), "the AKS VNet is not linked");
    assert.equal(ok(s.privateDnsZones, "zones").length, 2);
    const pe = ok(s.privateEndpoints, "pe").find((p) => p.connections.some((c) => c.groupIds.includes("registry")));
    assert.equal(pe?.connections[0]?.status, "Approved");
    assert.equal(ok(s.registries, "registries")[0]?.privateEndpointConnections[0]?.status, "Approved");
  },
  "public-access-disabled-no-private-endpoint": (s) => {
    const [reg] = ok(s.registries, "registries");
    assert.equal(reg?.publicNetworkAccess, "Disabled");
    assert.deepEqual(reg?.privateEndpointConnections, []);
    const pes = ok(s.privateEndpoints, "pe");
    assert.equal(pes.length, 2);
    assert.ok(!pes.some((p) => p.connections.some((c) => sameId(c.privateLinkServiceId, reg?.id))));
    const [ra] = ok(s.roleAssignments, "ra");
    assert.equal(ra?.source.path, "$.value[0]");
    assert.match(ra?.roleDefinitionId ?? "", /7f951dda-4ed3-4680-a7ca-43fe172d538d$/);
  },
  "sp-deleted": (s) => {
    const lookups = ok(s.directoryLookups, "lookups");
    const l = lookups.find((x) => x.id === "2e01ea31-e519-4791-aae4-88cc29e105a1");
    assert.equal(l?.found, false);
    assert.equal(l?.idKind, "objectId", "inferred from the orphaned role assignment");
    assert.ok(lookups.some((x) => x.id === "" && !x.found && x.message === "servicePrincipals query returned no results"));
    assert.ok(ok(s.roleAssignments, "ra").some((r) => r.principalId === l?.id && r.principalName === ""));
  },
  "sp-disabled": (s) => {
    const [sp] = ok(s.servicePrincipals, "sps");
    assert.equal(sp?.accountEnabled, false);
    const [c] = ok(s.clusters, "clusters");
    assert.equal(c?.source.file, "aks-get-rest.json");
    assert.equal(c?.servicePrincipalClientId, sp?.appId);
    assert.equal(c?.privateCluster, false);
  },
  "sp-secret-expired": (s) => {
    const [app] = ok(s.applications, "apps");
    assert.equal(app?.passwordCredentials[0]?.endDateTime, "2026-10-31T14:02:51Z");
    assert.equal(ok(s.clusters, "clusters")[0]?.servicePrincipalClientId, app?.appId);
  },
  "windows-node-linux-image": (s) => {
    const nodes = ok(s.nodes, "nodes");
    const win = nodes.filter((n) => n.os === "windows");
    assert.ok(win.length > 0 && nodes.some((n) => n.os === "linux"));
    assert.equal(win[0]?.osImage, "Windows Server 2022 Datacenter");
    assert.ok(ok(s.pods, "pods").some((p) => win.some((n) => n.name === p.nodeName) && p.statuses.some((st) => st.waiting)));
  },
};

describe("scenario corpus", { skip: haveCorpus ? false : "no ../shared/scenarios" }, () => {
  const folders = haveCorpus
    ? readdirSync(scenariosDir!, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort()
    : [];

  it("has a spot check for every scenario folder", () => {
    assert.deepEqual(folders.filter((f) => !spot[f]), []);
  });

  for (const folder of folders) {
    it(folder, async () => {
      const s = await readEvidenceFolder(join(scenariosDir!, folder), { now: NOW });
      assert.equal(s.now, NOW.toISOString());
      assert.equal(s.input.kind, "evidence");
      for (const f of s.input.files) {
        assert.notEqual(f.status, "error", `${f.file}: ${f.reason}`);
        if (f.file === "expected.json") {
          assert.equal(f.status, "skipped");
          assert.equal(f.reason, "scenario expectations, not evidence");
        } else {
          assert.equal(f.status, "used", `${f.file}: ${f.reason}`);
          assert.equal(f.reason, undefined, `${f.file}: every item recognised`);
          assert.ok(f.kinds.length > 0);
        }
      }
      assert.ok(s.input.files.some((f) => f.file === "expected.json"));
      spot[folder]?.(s);
    });
  }
});
