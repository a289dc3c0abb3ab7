// Small, valid facts for rule tests. Every factory takes overrides; ids are invented.
import type { Application, DenyAssignment, DirectoryLookup, Fact, KubeEvent, ManagedCluster, Node, NetworkSecurityGroup, Pod, PrivateDnsARecordSet, PrivateDnsVnetLink, PrivateDnsZone, PrivateEndpoint, PublicIp, PullSecret, Registry, RoleAssignment, RoleDefinition, ServicePrincipal, Snapshot, UserAssignedIdentity, VirtualNetwork, VmssIdentity, SecurityRule } from "../src/snapshot/types.js";
import { FACT_KEYS, SNAPSHOT_SCHEMA_VERSION } from "../src/snapshot/types.js";

export const SUB = "11111111-2222-4333-8444-555555555555";
export const NOW = "2026-11-28T12:00:00Z";
export const KUBELET_OBJ = "aaaaaaaa-0000-4000-8000-000000000001";
export const KUBELET_CLIENT = "aaaaaaaa-0000-4000-8000-000000000002";
export const CONTROL_PLANE_OBJ = "aaaaaaaa-0000-4000-8000-000000000003";
export const SP_APP = "bbbbbbbb-0000-4000-8000-000000000001";
export const SP_OBJ = "bbbbbbbb-0000-4000-8000-000000000002";
export const ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
export const ACR_PUSH = "8311e382-0749-4cb8-b61a-304f252e45ec";
export const OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
export const CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c";
export const REPO_READER = "b93aa761-3e63-49ed-ac28-beffa264f7ac";

const src = (file: string, path = "$") => ({ file, path });

export function registry(o: Partial<Registry> = {}): Registry {
  const name = o.name ?? "contosoacr";
  const rg = o.resourceGroup ?? "rg-registry";
  return {
    id: `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.ContainerRegistry/registries/${name}`,
    name, loginServer: `${name}.azurecr.io`, location: "westeurope", resourceGroup: rg, subscriptionId: SUB, sku: "Standard",
    adminUserEnabled: false, anonymousPullEnabled: false, publicNetworkAccess: "Enabled",
    networkRuleSet: { defaultAction: "Allow", ipRules: [], virtualNetworkRules: [] },
    dataEndpointEnabled: false, dataEndpointHostNames: [], privateEndpointConnections: [],
    roleAssignmentMode: "LegacyRegistryPermissions", azureAdAuthenticationAsArmPolicy: "enabled",
    source: src("acr-show.json"), ...o,
  };
}

export function miCluster(o: Partial<ManagedCluster> = {}): ManagedCluster {
  return {
    id: `/subscriptions/${SUB}/resourcegroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks1`,
    name: "aks1", location: "westeurope", resourceGroup: "rg-aks", subscriptionId: SUB, kubernetesVersion: "1.33", currentKubernetesVersion: "1.33.5",
    nodeResourceGroup: "MC_rg-aks_aks1_westeurope",
    identity: { type: "SystemAssigned", principalId: CONTROL_PLANE_OBJ },
    kubeletIdentity: { clientId: KUBELET_CLIENT, objectId: KUBELET_OBJ, resourceId: `/subscriptions/${SUB}/resourcegroups/MC_rg-aks_aks1_westeurope/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks1-agentpool` },
    servicePrincipalClientId: "msi",
    agentPools: [{ name: "system", mode: "System", osType: "Linux", currentOrchestratorVersion: "1.33.5" }],
    networkProfile: { outboundType: "loadBalancer", effectiveOutboundIpIds: [`/subscriptions/${SUB}/resourceGroups/MC_rg-aks_aks1_westeurope/providers/Microsoft.Network/publicIPAddresses/pip1`], natGatewayEffectiveOutboundIpIds: [] },
    source: src("aks-show.json"), ...o,
  };
}

export function spCluster(o: Partial<ManagedCluster> = {}): ManagedCluster {
  return miCluster({ identity: undefined, kubeletIdentity: undefined, servicePrincipalClientId: SP_APP, ...o });
}

export function assignment(principalId: string, roleGuid: string, scope: string, o: Partial<RoleAssignment> = {}): RoleAssignment {
  const id = `${scope}/providers/Microsoft.Authorization/roleAssignments/${Math.random().toString(16).slice(2, 10)}`;
  return { id, scope, principalId, principalType: "ServicePrincipal", principalName: "x", roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`, source: src("role-assignments.json", "$[0]"), ...o };
}

export function deny(scope: string, o: Partial<DenyAssignment> = {}): DenyAssignment {
  return { id: `${scope}/providers/Microsoft.Authorization/denyAssignments/d1`, name: "lockdown", scope, permissions: [{ actions: ["Microsoft.ContainerRegistry/registries/pull/read"], notActions: [], dataActions: [], notDataActions: [] }], principals: [{ id: "00000000-0000-0000-0000-000000000000", type: "SystemDefined" }], excludePrincipals: [], doNotApplyToChildScopes: false, source: src("deny.json", "$.value[0]"), ...o };
}

export function customRole(guid: string, roleName: string, actions: string[], o: Partial<RoleDefinition> = {}): RoleDefinition {
  return { id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`, guid, roleName, roleType: "CustomRole", permissions: [{ actions, notActions: [], dataActions: [], notDataActions: [] }], assignableScopes: [`/subscriptions/${SUB}`], source: src("roles.json"), ...o };
}

export function servicePrincipal(o: Partial<ServicePrincipal> = {}): ServicePrincipal {
  return { id: SP_OBJ, appId: SP_APP, displayName: "aks1-sp", accountEnabled: true, servicePrincipalType: "Application", alternativeNames: [], passwordCredentials: [], keyCredentials: [], source: src("sp-show.json"), ...o };
}

export function application(endDates: string[], o: Partial<Application> = {}): Application {
  return { id: "cccccccc-0000-4000-8000-000000000001", appId: SP_APP, displayName: "aks1-sp", passwordCredentials: endDates.map((d, i) => ({ type: "password" as const, endDateTime: d, keyId: `k${i}`, displayName: "rbac" })), keyCredentials: [], source: src("app-show.json"), ...o };
}

export function lookup(id: string, found = false, o: Partial<DirectoryLookup> = {}): DirectoryLookup {
  return { id, idKind: "objectId", found, message: `Resource '${id}' does not exist`, source: src("graph-404.json"), ...o };
}

export function uai(o: Partial<UserAssignedIdentity> = {}): UserAssignedIdentity {
  return { id: `/subscriptions/${SUB}/resourcegroups/MC_rg-aks_aks1_westeurope/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks1-agentpool`, name: "aks1-agentpool", clientId: KUBELET_CLIENT, principalId: KUBELET_OBJ, source: src("identity.json"), ...o };
}

export function vmssIdentity(ids: { resourceId: string; clientId?: string; principalId?: string }[]): VmssIdentity {
  return { type: "UserAssigned", userAssignedIdentities: ids, source: src("vmss-identity.json") };
}

let evn = 0;
export function failedEvent(message: string, o: Partial<KubeEvent> & { pod?: string; ns?: string } = {}): KubeEvent {
  const { pod = "app-1", ns = "default", ...rest } = o;
  evn++;
  return { namespace: ns, name: `${pod}.${evn}`, type: "Warning", reason: "Failed", message, count: 5, involvedObject: { kind: "Pod", name: pod, namespace: ns, fieldPath: "spec.containers{app}" }, source: src("events.json", `$.items[${evn}]`), ...rest };
}

export function acrPull401(image: string, mode: "anonymous" | "oauth" = "anonymous"): string {
  const host = image.split("/")[0]!;
  return `Failed to pull image "${image}": failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to authorize: failed to fetch ${mode} token: unexpected status from GET request to https://${host}/oauth2/token?scope=repository%3Aapp%3Apull&service=${host}: 401 Unauthorized`;
}

export function acrPull403(image: string): string {
  return acrPull401(image).replace("401 Unauthorized", "403 Forbidden");
}

export function pod(o: Partial<Pod> & { image?: string } = {}): Pod {
  const { image = "contosoacr.azurecr.io/app:1.0", ...rest } = o;
  return { namespace: "default", name: "app-1", nodeName: "node-1", serviceAccountName: "default", imagePullSecrets: [], nodeSelector: {}, containers: [{ name: "app", image, kind: "container" }], statuses: [{ name: "app", image, kind: "container", waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}"` } }], phase: "Pending", source: src("pods.json", "$.items[0]"), ...rest };
}

export function node(o: Partial<Node> = {}): Node {
  return { name: "node-1", labels: {}, os: "linux", arch: "amd64", kubeletVersion: "v1.33.5", source: src("nodes.json", "$.items[0]"), ...o };
}

export function pullSecret(o: Partial<PullSecret> = {}): PullSecret {
  return { namespace: "default", name: "regcred", type: "kubernetes.io/dockerconfigjson", auths: [{ key: "ghcr.io", host: "ghcr.io", username: "bot", hasPassword: true, hasIdentityToken: false, fingerprint: "0123456789ab" }], source: src("secrets.json", "$.items[0]"), ...o };
}

export function publicIp(ip: string, o: Partial<PublicIp> = {}): PublicIp {
  return { id: `/subscriptions/${SUB}/resourceGroups/MC_rg-aks_aks1_westeurope/providers/Microsoft.Network/publicIPAddresses/pip1`, name: "pip1", ipAddress: ip, source: src("pip.json"), ...o };
}

export function privateEndpoint(reg: Registry, status = "Approved", o: Partial<PrivateEndpoint> = {}): PrivateEndpoint {
  return { id: `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-acr`, name: "pe-acr", connections: [{ privateLinkServiceId: reg.id, groupIds: ["registry"], status, manual: false }], customDnsConfigs: [{ fqdn: reg.loginServer, ipAddresses: ["10.1.2.5"] }], source: src("pe.json", "$[0]"), ...o };
}

export const VNET_ID = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-aks`;
export const SUBNET_ID = `${VNET_ID}/subnets/nodes`;

export function vnet(o: Partial<VirtualNetwork> = {}): VirtualNetwork {
  return { id: VNET_ID, name: "vnet-aks", addressPrefixes: ["10.2.0.0/16"], dnsServers: [], subnets: [{ id: SUBNET_ID, name: "nodes", addressPrefixes: ["10.2.0.0/20"] }], peerings: [], source: src("vnet.json"), ...o };
}

export function dnsZone(name = "privatelink.azurecr.io"): PrivateDnsZone {
  return { id: `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/${name}`, name, source: src("zones.json", "$[0]") };
}

export function dnsLink(vnetId: string, zone = "privatelink.azurecr.io"): PrivateDnsVnetLink {
  const zoneId = `/subscriptions/${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/${zone}`;
  return { id: `${zoneId}/virtualNetworkLinks/${vnetId.split("/").pop()}`, name: `link-${vnetId.split("/").pop()}`, zoneId, zoneName: zone, virtualNetworkId: vnetId, virtualNetworkLinkState: "Completed", source: src("links.json", "$.value[0]") };
}

export function aRecord(name: string, ip: string, zone = "privatelink.azurecr.io"): PrivateDnsARecordSet {
  return { id: `/x/${zone}/A/${name}`, name, zoneName: zone, ipv4Addresses: [ip], source: src("a.json", "$[0]") };
}

export function nsgRule(name: string, access: string, priority: number, dest: string, o: Partial<SecurityRule> = {}): SecurityRule {
  return { name, direction: "Outbound", access, priority, protocol: "Tcp", sourceAddressPrefixes: ["*"], destinationAddressPrefixes: [dest], destinationPortRanges: ["443"], isDefault: false, path: `$.securityRules[${priority}]`, ...o };
}

export function nsg(rules: SecurityRule[], o: Partial<NetworkSecurityGroup> = {}): NetworkSecurityGroup {
  return { id: `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/nsg-nodes`, name: "nsg-nodes", securityRules: rules, subnetIds: [SUBNET_ID], source: src("nsg.json"), ...o };
}

type FactInput = { [K in (typeof FACT_KEYS)[number]]?: Snapshot[K] extends Fact<infer T> ? T | Fact<T> : never };

/** A snapshot whose given facts are `ok` and every other fact `skipped`. */
export function snapshot(facts: FactInput = {}, o: Partial<Snapshot> = {}): Snapshot {
  const s: Record<string, unknown> = {
    schemaVersion: SNAPSHOT_SCHEMA_VERSION, collectedAt: NOW, now: NOW,
    input: { kind: "evidence", files: [] }, targets: { images: [], registries: [] },
  };
  for (const k of FACT_KEYS) {
    const v = (facts as Record<string, unknown>)[k];
    s[k] = v === undefined ? { status: "skipped", reason: `no ${k} in test` } : Array.isArray(v) ? { status: "ok", value: v } : v;
  }
  return { ...(s as unknown as Snapshot), ...o };
}
