// Synthetic fleet: an evidence folder in real `az` shapes (az aks list, az acr list, az role assignment list --all,
// az ad sp list, az ad app list, az graph query over resourcecontainers), deterministic from a seed. Usage:
//   node dist/bench/fleet-gen.js [OUT_DIR] [--seed N] [--clusters N] [--registries N] [--assignments N] [--sps N]
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export interface FleetOptions {
  out: string;
  seed: number;
  clusters: number;
  registries: number;
  assignments: number;
  servicePrincipals: number;
  /** the "now" the credential expiries are placed around (ISO) */
  now: string;
  /** role assignments per file (az run per subscription batch) */
  assignmentsPerFile: number;
  /** share of clusters pulling through AcrPull at their landing zone's management group, and holding it at the other one */
  managementGroupGrants: { above: number; beside: number };
}

export const FLEET_DEFAULTS: FleetOptions = {
  out: "/tmp/pulldoctor-fleet",
  seed: 42,
  clusters: 10_000,
  registries: 3_000,
  assignments: 500_000,
  servicePrincipals: 20_000,
  now: "2026-11-28T00:00:00Z",
  assignmentsPerFile: 50_000,
  // a platform team's few dozen landing-zone-wide grants, not one per cluster
  managementGroupGrants: { above: 0.005, beside: 0.003 },
};

export const ROLE = {
  AcrPull: "7f951dda-4ed3-4680-a7ca-43fe172d538d",
  AcrPush: "8311e382-0749-4cb8-b61a-304f252e45ec",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
  Reader: "acdd72a7-3385-48ef-bd42-f606fba81ae7",
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
  "Storage Blob Data Reader": "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
} as const;
type RoleName = keyof typeof ROLE;

/** mulberry32: tiny, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FleetManifest {
  clusters: number;
  registries: number;
  assignments: number;
  servicePrincipals: number;
  subscriptions: number;
  files: string[];
  /** ground truth the tests check against */
  truth: {
    adminEnabledRegistries: string[];
    anonymousPullRegistries: string[];
    /** cluster ids whose pulling identity holds no role at all (RBAC_PULL_ROLE_MISSING expected) */
    clustersWithoutPullRole: string[];
    /** cluster ids whose only pull role is AcrPull at the management group above their subscription (every registry of it pullable) */
    clustersGrantedByManagementGroup: string[];
    /** cluster ids whose only pull role is AcrPull at a management group beside their subscription's (RBAC_SCOPE_MISMATCH expected) */
    clustersGrantedBesideTheirSubscription: string[];
    /** cluster ids whose SP's newest secret expires within 30 days of now */
    clustersWithExpiringSecret: string[];
    /** registry ids with an assignment whose principal az could not resolve */
    registriesWithOrphans: string[];
    /** registries that no cluster is granted pull on although some cluster is paired with them */
    registriesNobodyCanPull: string[];
  };
}

export async function generateFleet(partial: Partial<FleetOptions> = {}): Promise<FleetManifest> {
  const o: FleetOptions = { ...FLEET_DEFAULTS, ...partial };
  const rnd = prng(o.seed);
  const int = (n: number) => Math.floor(rnd() * n);
  const hex = (n: number) => {
    let s = "";
    for (let i = 0; i < n; i++) s += "0123456789abcdef"[int(16)]!;
    return s;
  };
  const guid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${"89ab"[int(4)]}${hex(3)}-${hex(12)}`;
  const nowMs = Date.parse(o.now);
  const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  const DAY = 86_400_000;
  const tenantId = guid();

  await rm(o.out, { recursive: true, force: true });
  await mkdir(o.out, { recursive: true });
  const files: string[] = [];
  const write = async (name: string, value: unknown) => {
    files.push(name);
    // az prints two-space indented JSON
    await writeFile(join(o.out, name), JSON.stringify(value, null, 2) + "\n");
  };

  // ~20 clusters and 6 registries per subscription, like a landing-zone per team.
  const subscriptions = Math.max(1, Math.ceil(o.clusters / 20));
  const subs = Array.from({ length: subscriptions }, () => guid());
  // Two landing-zone management groups under mg-platform under the tenant root group; subscriptions alternate between them.
  const landingZone = (i: number) => (i % 2 === 0 ? "mg-landing-a" : "mg-landing-b");
  const otherLandingZone = (i: number) => landingZone(i + 1);
  const regions = ["westeurope", "northeurope", "eastus2", "southcentralus", "uksouth"];

  // ── service principals and their applications (az ad sp list / az ad app list) ──
  interface Sp { objectId: string; appId: string; appObjectId: string; name: string; ends: number[]; enabled: boolean }
  const sps: Sp[] = [];
  for (let i = 0; i < o.servicePrincipals; i++) {
    const r = rnd();
    // newest secret: 5% already expired, 8% within 30 days, the rest later
    const newest = r < 0.05 ? nowMs - (1 + int(200)) * DAY : r < 0.13 ? nowMs + (1 + int(29)) * DAY : nowMs + (31 + int(700)) * DAY;
    const ends = rnd() < 0.5 ? [newest] : [newest - 365 * DAY, newest];
    sps.push({ objectId: guid(), appId: guid(), appObjectId: guid(), name: `app-fleet-${i}`, ends, enabled: rnd() > 0.01 });
  }

  // ── registries (az acr list) ──
  interface Reg { id: string; name: string; rg: string; sub: string; admin: boolean; anon: boolean }
  const regs: Reg[] = [];
  const regsBySub = new Map<string, Reg[]>();
  for (let i = 0; i < o.registries; i++) {
    const sub = subs[i % subscriptions]!;
    const name = `fleetacr${i.toString(36)}${hex(4)}`;
    const rg = `rg-registry-${i % 7}`;
    const reg = { id: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.ContainerRegistry/registries/${name}`, name, rg, sub, admin: rnd() < 0.1, anon: rnd() < 0.02 };
    regs.push(reg);
    const list = regsBySub.get(sub) ?? [];
    list.push(reg);
    regsBySub.set(sub, list);
  }
  const acrDoc = (r: Reg) => ({
    adminUserEnabled: r.admin,
    anonymousPullEnabled: r.anon,
    creationDate: "2024-02-19T13:05:44.918273+00:00",
    dataEndpointEnabled: false,
    dataEndpointHostNames: [],
    encryption: { keyVaultProperties: null, status: "disabled" },
    id: r.id,
    identity: null,
    location: regions[regs.indexOf(r) % regions.length],
    loginServer: `${r.name}.azurecr.io`,
    name: r.name,
    networkRuleBypassAllowedForTasks: false,
    networkRuleBypassOptions: "AzureServices",
    networkRuleSet: null,
    policies: { azureAdAuthenticationAsArmPolicy: { status: "enabled" }, exportPolicy: { status: "enabled" }, quarantinePolicy: { status: "disabled" }, retentionPolicy: { days: 7, lastUpdatedTime: "2024-02-19T13:05:44.918273+00:00", status: "disabled" }, trustPolicy: { status: "disabled", type: "Notary" } },
    privateEndpointConnections: [],
    provisioningState: "Succeeded",
    publicNetworkAccess: "Enabled",
    resourceGroup: r.rg,
    roleAssignmentMode: "LegacyRegistryPermissions",
    sku: { name: "Standard", tier: "Standard" },
    status: null,
    tags: { env: "fleet" },
    type: "Microsoft.ContainerRegistry/registries",
    zoneRedundancy: "Disabled",
  });
  for (let s = 0; s * 1000 < regs.length; s++) await write(`acr-list-${s}.json`, regs.slice(s * 1000, (s + 1) * 1000).map(acrDoc));

  // ── role assignments (az role assignment list --all), built alongside the clusters ──
  const assignments: object[] = [];
  const assignmentDoc = (principalId: string, principalName: string, principalType: string, role: RoleName, scope: string) => {
    const name = guid();
    const sub = /^\/subscriptions\/([^/]+)/.exec(scope)?.[1] ?? subs[0]!;
    const rg = /\/resourceGroups\/([^/]+)/i.exec(scope)?.[1];
    return {
      canDelegate: null,
      condition: null,
      conditionVersion: null,
      createdBy: "ba69566b-b4a7-4bd4-ab68-af6c2ae09fc4",
      createdOn: "2024-12-10T16:31:12.005871+00:00",
      delegatedManagedIdentityResourceId: null,
      description: null,
      id: `${scope === "/" ? "" : scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      principalId,
      principalName,
      principalType,
      ...(rg ? { resourceGroup: rg } : {}),
      roleDefinitionId: `/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${ROLE[role]}`,
      roleDefinitionName: role,
      scope,
      type: "Microsoft.Authorization/roleAssignments",
      updatedBy: "ba69566b-b4a7-4bd4-ab68-af6c2ae09fc4",
      updatedOn: "2024-12-10T16:31:12.005871+00:00",
    };
  };

  // ── clusters (az aks list) ──
  const truth: FleetManifest["truth"] = { adminEnabledRegistries: regs.filter((r) => r.admin).map((r) => r.id), anonymousPullRegistries: regs.filter((r) => r.anon).map((r) => r.id), clustersWithoutPullRole: [], clustersGrantedByManagementGroup: [], clustersGrantedBesideTheirSubscription: [], clustersWithExpiringSecret: [], registriesWithOrphans: [], registriesNobodyCanPull: [] };
  const granted = new Set<string>();
  // what the audit pairs each cluster with: registries its roles name (at the registry, its group or its subscription),
  // else every registry of its subscription
  const paired = new Set<string>();
  const clusterDocs: object[] = [];
  let spCursor = 0;
  for (let i = 0; i < o.clusters; i++) {
    const sub = subs[i % subscriptions]!;
    const name = `aks-fleet-${i}`;
    const rg = `rg-aks-${i % 13}`;
    const location = regions[i % regions.length]!;
    const id = `/subscriptions/${sub}/resourcegroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`;
    const nodeRg = `MC_${rg}_${name}_${location}`;
    const useSp = rnd() < 0.35 && spCursor < sps.length;
    const sp = useSp ? sps[spCursor++]! : undefined;
    const kubelet = { clientId: guid(), objectId: guid(), resourceId: `/subscriptions/${sub}/resourcegroups/${nodeRg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}-agentpool` };
    const controlPlane = guid();
    clusterDocs.push({
      aadProfile: null,
      agentPoolProfiles: [{ count: 3, currentOrchestratorVersion: "1.34.2", enableAutoScaling: false, maxPods: 110, mode: "System", name: "nodepool1", nodeImageVersion: "AKSUbuntu-2204gen2containerd-202611.03.0", orchestratorVersion: "1.34", osDiskSizeGb: 128, osSku: "Ubuntu", osType: "Linux", powerState: { code: "Running" }, provisioningState: "Succeeded", type: "VirtualMachineScaleSets", vmSize: "Standard_D4s_v5", vnetSubnetId: null }],
      apiServerAccessProfile: null,
      currentKubernetesVersion: "1.34.2",
      dnsPrefix: name,
      enableRbac: true,
      fqdn: `${name}-${hex(8)}.hcp.${location}.azmk8s.io`,
      id,
      identity: sp ? null : { delegatedResources: null, principalId: controlPlane, tenantId, type: "SystemAssigned", userAssignedIdentities: null },
      identityProfile: sp ? null : { kubeletidentity: kubelet },
      kubernetesVersion: "1.34",
      location,
      name,
      networkProfile: { dnsServiceIp: "10.0.0.10", loadBalancerProfile: { effectiveOutboundIPs: [{ id: `/subscriptions/${sub}/resourceGroups/${nodeRg}/providers/Microsoft.Network/publicIPAddresses/${guid()}`, resourceGroup: nodeRg }], managedOutboundIPs: { count: 1 } }, loadBalancerSku: "standard", networkPlugin: "azure", networkPluginMode: "overlay", networkPolicy: "none", outboundType: "loadBalancer", podCidr: "10.244.0.0/16", serviceCidr: "10.0.0.0/16" },
      nodeResourceGroup: nodeRg,
      powerState: { code: "Running" },
      provisioningState: "Succeeded",
      resourceGroup: rg,
      servicePrincipalProfile: { clientId: sp ? sp.appId : "msi", secret: null },
      sku: { name: "Base", tier: "Standard" },
      tags: { fleet: "bench" },
      type: "Microsoft.ContainerService/ManagedClusters",
    });
    const puller = sp ? { id: sp.objectId, name: sp.appId } : { id: kubelet.objectId, name: kubelet.clientId };
    if (sp) {
      const newest = Math.max(...sp.ends);
      if (newest > nowMs && newest - nowMs <= 30 * DAY) truth.clustersWithExpiringSecret.push(id);
    }
    // 85% minus the management-group shares hold AcrPull on one registry of their subscription (6% of those also
    // Contributor on its resource group); then AcrPull at their landing zone's management group, or at the other
    // landing zone's; 15% nothing
    const local = regsBySub.get(sub) ?? [];
    const r = rnd();
    const mg = o.managementGroupGrants;
    const onRegistry = 0.85 - mg.above - mg.beside;
    if (r < onRegistry && local.length > 0) {
      const reg = local[int(local.length)]!;
      assignments.push(assignmentDoc(puller.id, puller.name, "ServicePrincipal", "AcrPull", reg.id));
      granted.add(reg.id);
      paired.add(reg.id);
      if (rnd() < 0.06) {
        assignments.push(assignmentDoc(puller.id, puller.name, "ServicePrincipal", "Contributor", `/subscriptions/${sub}/resourceGroups/${reg.rg}`));
        for (const other of local) if (other.rg === reg.rg) paired.add(other.id);
      }
    } else if (r < onRegistry + mg.above && local.length > 0) {
      assignments.push(assignmentDoc(puller.id, puller.name, "ServicePrincipal", "AcrPull", `/providers/Microsoft.Management/managementGroups/${landingZone(i % subscriptions)}`));
      for (const reg of local) granted.add(reg.id);
      truth.clustersGrantedByManagementGroup.push(id);
    } else if (r < 0.85 && local.length > 0) {
      assignments.push(assignmentDoc(puller.id, puller.name, "ServicePrincipal", "AcrPull", `/providers/Microsoft.Management/managementGroups/${otherLandingZone(i % subscriptions)}`));
      truth.clustersGrantedBesideTheirSubscription.push(id);
    } else truth.clustersWithoutPullRole.push(id);
    if (r >= onRegistry) for (const reg of local) paired.add(reg.id);
  }
  for (let s = 0; s * 2000 < clusterDocs.length; s++) await write(`aks-list-${s}.json`, clusterDocs.slice(s * 2000, (s + 1) * 2000));

  // orphaned assignments (principal deleted: az prints an empty principalName) on 2% of registries
  for (const reg of regs) {
    if (rnd() < 0.02) {
      assignments.push(assignmentDoc(guid(), "", "ServicePrincipal", "AcrPull", reg.id));
      truth.registriesWithOrphans.push(reg.id);
    }
  }
  // a handful of management-group assignments (platform team), which cover everything
  for (let i = 0; i < 5 && assignments.length < o.assignments; i++) assignments.push(assignmentDoc(guid(), `platform-admins-${i}`, "Group", "Reader", `/providers/Microsoft.Management/managementGroups/mg-platform`));

  // the bulk: people, groups and apps with ordinary roles on ordinary resources (Key Vaults, storage, RGs)
  const fillerRoles: RoleName[] = ["Reader", "Contributor", "Key Vault Secrets User", "Storage Blob Data Reader", "Owner"];
  const people = Array.from({ length: 30_000 }, (_, i) => ({ id: guid(), name: `user${i}@contoso.com`, type: "User" }));
  const groups = Array.from({ length: 3_000 }, (_, i) => ({ id: guid(), name: `grp-team-${i}`, type: "Group" }));
  // Apps that no cluster uses (CI pipelines, web apps): cluster identities get no filler roles, so the truth stays exact.
  const otherApp = () => {
    if (spCursor >= sps.length) return people[int(people.length)]!;
    const s = sps[spCursor + int(sps.length - spCursor)]!;
    return { id: s.objectId, name: s.appId, type: "ServicePrincipal" };
  };
  while (assignments.length < o.assignments) {
    const sub = subs[int(subscriptions)]!;
    const k = rnd();
    const who = k < 0.6 ? people[int(people.length)]! : k < 0.8 ? groups[int(groups.length)]! : otherApp();
    const rg = `rg-app-${int(40)}`;
    const t = rnd();
    const scope = t < 0.1 ? `/subscriptions/${sub}` : t < 0.45 ? `/subscriptions/${sub}/resourceGroups/${rg}` : t < 0.75 ? `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.KeyVault/vaults/kv-${hex(6)}` : `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Storage/storageAccounts/st${hex(10)}`;
    // Groups are never given registry-wide roles here, so the truth about who can pull stays simple.
    const role = fillerRoles[int(fillerRoles.length)]!;
    assignments.push(assignmentDoc(who.id, who.name, who.type, who.type === "Group" && scope.split("/").length <= 5 ? "Reader" : role, scope));
  }
  // shuffle deterministically so a principal's assignments spread over the files, like a real tenant export
  for (let i = assignments.length - 1; i > 0; i--) {
    const j = int(i + 1);
    [assignments[i], assignments[j]] = [assignments[j]!, assignments[i]!];
  }
  for (let s = 0; s * o.assignmentsPerFile < assignments.length; s++) await write(`role-assignments-${s}.json`, assignments.slice(s * o.assignmentsPerFile, (s + 1) * o.assignmentsPerFile));

  // az ad sp list / az ad app list
  const spDoc = (s: Sp) => ({ accountEnabled: s.enabled, addIns: [], alternativeNames: [], appDisplayName: s.name, appId: s.appId, appOwnerOrganizationId: tenantId, appRoleAssignmentRequired: false, appRoles: [], createdDateTime: "2024-12-10T16:19:59Z", deletedDateTime: null, displayName: s.name, id: s.objectId, keyCredentials: [], notificationEmailAddresses: [], oauth2PermissionScopes: [], passwordCredentials: [], replyUrls: [], servicePrincipalNames: [s.appId], servicePrincipalType: "Application", signInAudience: "AzureADMyOrg", tags: [] });
  const appDoc = (s: Sp) => ({ api: { oauth2PermissionScopes: [] }, appId: s.appId, appRoles: [], createdDateTime: "2024-12-10T16:19:58Z", deletedDateTime: null, displayName: s.name, id: s.appObjectId, identifierUris: [], keyCredentials: [], passwordCredentials: s.ends.map((e, i) => ({ customKeyIdentifier: null, displayName: "rbac", endDateTime: iso(e), hint: "xY" + i, keyId: `${s.appObjectId.slice(0, 24)}${i.toString(16).padStart(12, "0")}`, secretText: null, startDateTime: iso(e - 365 * DAY) })), publisherDomain: "contoso.com", signInAudience: "AzureADMyOrg", tags: [], web: { redirectUris: [] } });
  for (let s = 0; s * 10_000 < sps.length; s++) {
    await write(`sp-list-${s}.json`, sps.slice(s * 10_000, (s + 1) * 10_000).map(spDoc));
    await write(`app-list-${s}.json`, sps.slice(s * 10_000, (s + 1) * 10_000).map(appDoc));
  }

  // az graph query -q "resourcecontainers | where type =~ 'microsoft.resources/subscriptions'": the management-group
  // ancestry of every subscription, nearest first
  const subscriptionRows = subs.map((sub, i) => ({
    id: `/subscriptions/${sub}`,
    name: `landing-${i}`,
    type: "microsoft.resources/subscriptions",
    tenantId,
    subscriptionId: sub,
    properties: { state: "Enabled", managementGroupAncestorsChain: [{ displayName: landingZone(i), name: landingZone(i) }, { displayName: "Platform", name: "mg-platform" }, { displayName: "Tenant Root Group", name: tenantId }] },
  }));
  await write("subscriptions.json", { count: subscriptionRows.length, data: subscriptionRows, skip_token: null, total_records: subscriptionRows.length });

  // Registries some cluster is paired with but none is granted pull on.
  truth.registriesNobodyCanPull = regs.filter((r) => paired.has(r.id) && !granted.has(r.id) && !r.anon).map((r) => r.id);
  const manifest: FleetManifest = { clusters: o.clusters, registries: o.registries, assignments: assignments.length, servicePrincipals: sps.length, subscriptions, files, truth };
  return manifest;
}

function parseArgs(argv: string[]): Partial<FleetOptions> {
  const out: Partial<FleetOptions> = {};
  const num = (v: string | undefined, flag: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a whole number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--seed") out.seed = num(argv[++i], a);
    else if (a === "--clusters") out.clusters = num(argv[++i], a);
    else if (a === "--registries") out.registries = num(argv[++i], a);
    else if (a === "--assignments") out.assignments = num(argv[++i], a);
    else if (a === "--sps") out.servicePrincipals = num(argv[++i], a);
    else if (!a.startsWith("--")) out.out = a;
    else throw new Error(`unknown option ${a}`);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const t0 = performance.now();
    const m = await generateFleet(opts);
    console.log(`wrote ${m.files.length} files to ${opts.out ?? FLEET_DEFAULTS.out}: ${m.clusters} clusters, ${m.registries} registries, ${m.assignments} role assignments, ${m.servicePrincipals} service principals + applications, ${m.subscriptions} subscriptions (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  } catch (e) {
    console.error(`fleet-gen: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}
