// Normalisers for ARM resources. Each accepts the three shapes one resource arrives in (az flattened, raw ARM /
// Resource Graph with `properties`, JS-SDK objects) by reading `properties.*` first, then the top level, with
// case-insensitive keys (see api-shapes.md §0.1).

import { parseArmId, roleGuid } from "../snapshot/ids.js";
import type {
  AgentPool,
  DenyAssignment,
  ManagedCluster,
  NatGateway,
  NetworkSecurityGroup,
  Permission,
  PrivateDnsARecordSet,
  PrivateDnsVnetLink,
  PrivateDnsZone,
  PrivateEndpoint,
  PrivateEndpointConnectionRef,
  PublicIp,
  Registry,
  RoleAssignment,
  RoleDefinition,
  RouteTable,
  SecurityRule,
  Source,
  Subscription,
  UserAssignedIdentity,
  VirtualNetwork,
  VmssIdentity,
} from "../snapshot/types.js";
import {
  asArr,
  asBool,
  asNonEmpty,
  asNum,
  asObj,
  asStr,
  childPath,
  field,
  fieldAt,
  getKey,
  hasKey,
  idPrefixThrough,
  idSegmentAfter,
  isObj,
  lastSegment,
  propsOf,
  refId,
  refIds,
  singularPlural,
  strs,
  type Json,
  type JsonObject,
} from "./util.js";

function idAndName(o: JsonObject): { id: string; name: string } {
  const id = asNonEmpty(getKey(o, "id")) ?? "";
  const name = asNonEmpty(getKey(o, "name")) ?? lastSegment(id) ?? "";
  return { id, name };
}

/** az adds `resourceGroup`; raw ARM and JS do not, so derive it (and the subscription) from the id. */
function placement(o: JsonObject, id: string): { resourceGroup?: string; subscriptionId?: string } {
  const parsed = parseArmId(id);
  return {
    resourceGroup: asNonEmpty(getKey(o, "resourceGroup")) ?? parsed.resourceGroup,
    subscriptionId: asNonEmpty(getKey(o, "subscriptionId")) ?? parsed.subscriptionId,
  };
}

// ───────────── AKS ─────────────

function agentPool(p: Json): AgentPool | undefined {
  if (!isObj(p)) return undefined;
  return {
    name: asStr(field(p, "name")) ?? "",
    mode: asStr(field(p, "mode")),
    osType: asStr(field(p, "osType")),
    osSku: asStr(field(p, "osSKU", "osSku")),
    // wire `vnetSubnetID`, az `vnetSubnetId`: the case-insensitive lookup covers both
    vnetSubnetId: asNonEmpty(field(p, "vnetSubnetID", "vnetSubnetId")),
    orchestratorVersion: asStr(field(p, "orchestratorVersion")),
    currentOrchestratorVersion: asStr(field(p, "currentOrchestratorVersion")),
    count: asNum(field(p, "count")),
  };
}

function userAssignedMap(v: Json | undefined): Record<string, { clientId?: string; principalId?: string }> | undefined {
  const m = asObj(v);
  if (!m) return undefined;
  const out: Record<string, { clientId?: string; principalId?: string }> = {};
  for (const [k, x] of Object.entries(m)) {
    out[k] = { clientId: asNonEmpty(getKey(x, "clientId")), principalId: asNonEmpty(getKey(x, "principalId")) };
  }
  return out;
}

export function normaliseCluster(o: JsonObject, source: Source): ManagedCluster {
  const { id, name } = idAndName(o);
  const identity = asObj(getKey(o, "identity")) ?? asObj(field(o, "identity"));
  const kubelet = asObj(getKey(field(o, "identityProfile"), "kubeletidentity"));
  const net = asObj(field(o, "networkProfile"));
  const lb = asObj(getKey(net, "loadBalancerProfile"));
  const nat = asObj(getKey(net, "natGatewayProfile"));
  const api = field(o, "apiServerAccessProfile");
  // az prints `"apiServerAccessProfile": null` for public clusters and raw ARM omits it, but a Resource Graph
  // projection may simply not carry it: only a whole cluster document (with agent pools) proves "not private".
  const privateCluster = isObj(api)
    ? asBool(getKey(api, "enablePrivateCluster")) === true
    : hasKey(o, "apiServerAccessProfile") || hasKey(propsOf(o), "apiServerAccessProfile") || field(o, "agentPoolProfiles") !== undefined
      ? false
      : undefined;
  const pools: AgentPool[] = [];
  for (const p of asArr(field(o, "agentPoolProfiles"))) {
    const ap = agentPool(p);
    if (ap) pools.push(ap);
  }
  return {
    id,
    name,
    location: asStr(getKey(o, "location")),
    ...placement(o, id),
    kubernetesVersion: asStr(field(o, "kubernetesVersion")),
    currentKubernetesVersion: asStr(field(o, "currentKubernetesVersion")),
    nodeResourceGroup: asStr(field(o, "nodeResourceGroup")),
    identity: identity
      ? {
          type: asStr(getKey(identity, "type")),
          principalId: asNonEmpty(getKey(identity, "principalId")),
          tenantId: asNonEmpty(getKey(identity, "tenantId")),
          userAssignedIdentities: userAssignedMap(getKey(identity, "userAssignedIdentities")),
        }
      : undefined,
    kubeletIdentity: kubelet
      ? {
          resourceId: asNonEmpty(getKey(kubelet, "resourceId")),
          clientId: asNonEmpty(getKey(kubelet, "clientId")),
          objectId: asNonEmpty(getKey(kubelet, "objectId")),
        }
      : undefined,
    servicePrincipalClientId: asNonEmpty(getKey(field(o, "servicePrincipalProfile"), "clientId")),
    agentPools: pools,
    networkProfile: net
      ? {
          outboundType: asStr(getKey(net, "outboundType")),
          networkPlugin: asStr(getKey(net, "networkPlugin")),
          networkPluginMode: asStr(getKey(net, "networkPluginMode")),
          effectiveOutboundIpIds: refIds(getKey(lb, "effectiveOutboundIPs")),
          natGatewayEffectiveOutboundIpIds: refIds(getKey(nat, "effectiveOutboundIPs")),
        }
      : undefined,
    privateCluster,
    tenantId: asNonEmpty(getKey(identity, "tenantId")) ?? asNonEmpty(getKey(field(o, "aadProfile"), "tenantID", "tenantId")),
    source,
  };
}

// ───────────── ACR ─────────────

function peConnectionRef(c: Json): PrivateEndpointConnectionRef | undefined {
  if (!isObj(c)) return undefined;
  const state = field(c, "privateLinkServiceConnectionState");
  return {
    id: asNonEmpty(getKey(c, "id")),
    privateEndpointId: refId(field(c, "privateEndpoint")),
    status: asStr(getKey(state, "status")),
    description: asStr(getKey(state, "description")),
  };
}

export function normaliseRegistry(o: JsonObject, source: Source): Registry {
  const { id, name } = idAndName(o);
  const rules = asObj(field(o, "networkRuleSet"));
  const sku = getKey(o, "sku") ?? field(o, "sku");
  const conns: PrivateEndpointConnectionRef[] = [];
  for (const c of asArr(field(o, "privateEndpointConnections"))) {
    const r = peConnectionRef(c);
    if (r) conns.push(r);
  }
  return {
    id,
    name,
    loginServer: asNonEmpty(field(o, "loginServer")) ?? "",
    location: asStr(getKey(o, "location")),
    ...placement(o, id),
    sku: typeof sku === "string" ? sku : asStr(getKey(sku, "name")),
    adminUserEnabled: asBool(field(o, "adminUserEnabled")),
    anonymousPullEnabled: asBool(field(o, "anonymousPullEnabled")),
    publicNetworkAccess: asStr(field(o, "publicNetworkAccess")),
    networkRuleBypassOptions: asStr(field(o, "networkRuleBypassOptions")),
    networkRuleSet: rules
      ? {
          defaultAction: asStr(getKey(rules, "defaultAction")),
          // wire name `value`; az and JS v12 call it `ipAddressOrRange`
          ipRules: asArr(getKey(rules, "ipRules")).flatMap((r) => {
            const value = asNonEmpty(getKey(r, "value", "ipAddressOrRange"));
            return value ? [{ action: asStr(getKey(r, "action")), value }] : [];
          }),
          virtualNetworkRules: asArr(getKey(rules, "virtualNetworkRules")).flatMap((r) => {
            const vid = asNonEmpty(getKey(r, "id", "virtualNetworkResourceId", "virtualNetworkSubnetResourceId"));
            return vid ? [{ action: asStr(getKey(r, "action")), id: vid }] : [];
          }),
        }
      : undefined,
    dataEndpointEnabled: asBool(field(o, "dataEndpointEnabled")),
    dataEndpointHostNames: strs(field(o, "dataEndpointHostNames")),
    privateEndpointConnections: conns,
    roleAssignmentMode: asStr(field(o, "roleAssignmentMode")),
    // wire `azureADAuthenticationAsArmPolicy`, az `azureAdAuthenticationAsArmPolicy`
    azureAdAuthenticationAsArmPolicy: asStr(
      getKey(getKey(field(o, "policies"), "azureADAuthenticationAsArmPolicy", "azureAdAuthenticationAsArmPolicy"), "status"),
    ),
    source,
  };
}

// ───────────── authorization ─────────────

// A tenant's assignments repeat a few thousand role ids and principals hundreds of thousands of times, each a fresh
// string from JSON.parse: one shared copy per value keeps the heap smaller, and every later Map lookup on these fields
// (indexes by principal and role) compares by identity. Scopes and names are nearly all distinct: interning them
// would only grow the table past the cache. Bounded like normId's memo.
const INTERN_LIMIT = 1 << 18;
let interned = new Map<string, string>();
function intern<T extends string | undefined>(s: T): T {
  if (s === undefined) return s;
  const hit = interned.get(s);
  if (hit !== undefined) return hit as T;
  if (interned.size >= INTERN_LIMIT) interned = new Map();
  interned.set(s, s);
  return s;
}

/** `prefix` as a slice of `whole` when `whole` starts with it: V8 keeps such a slice as a view of `whole`, not a copy. */
function sharedPrefix(whole: string, prefix: string): string {
  return prefix.length < whole.length && whole.startsWith(prefix) ? whole.slice(0, prefix.length) : prefix;
}

export function normaliseRoleAssignment(o: JsonObject, source: Source): RoleAssignment {
  const id = asNonEmpty(getKey(o, "id")) ?? "";
  // the scope is the id minus `/providers/Microsoft.Authorization/roleAssignments/<guid>` when not printed
  const scopeFromId = () => id.replace(/\/providers\/microsoft\.authorization\/roleassignments\/[^/]+\/?$/i, "") || "/";
  const principalType = intern(asStr(field(o, "principalType")));
  // az only; kept even when "" because empty means Graph could not resolve the principal
  const principalName = asStr(getKey(o, "principalName"));
  const roleDefinitionName = intern(asStr(getKey(o, "roleDefinitionName")));
  const condition = asNonEmpty(field(o, "condition"));
  const conditionVersion = asNonEmpty(field(o, "conditionVersion"));
  // Built without undefined-valued keys (in the interface's key order), so the snapshot keeps the object as it is
  // instead of copying it: a tenant has hundreds of thousands of these.
  const printed = asNonEmpty(field(o, "scope"));
  const ra = { id, scope: printed !== undefined ? sharedPrefix(id, printed) : id ? scopeFromId() : "", principalId: intern(asNonEmpty(field(o, "principalId")) ?? "") } as RoleAssignment;
  if (principalType !== undefined) ra.principalType = principalType;
  if (principalName !== undefined) ra.principalName = principalName;
  ra.roleDefinitionId = intern(asNonEmpty(field(o, "roleDefinitionId")) ?? "");
  if (roleDefinitionName !== undefined) ra.roleDefinitionName = roleDefinitionName;
  if (condition !== undefined) ra.condition = condition;
  if (conditionVersion !== undefined) ra.conditionVersion = conditionVersion;
  ra.source = source;
  return ra;
}

/**
 * A `resourcecontainers` subscription row: `properties.managementGroupAncestorsChain` is `[{name, displayName}]`,
 * nearest parent first (https://learn.microsoft.com/azure/governance/resource-graph/samples/samples-by-category).
 */
export function normaliseSubscription(o: JsonObject, source: Source): Subscription {
  const rawId = asNonEmpty(getKey(o, "id")) ?? "";
  const guid = (asNonEmpty(getKey(o, "subscriptionId")) ?? parseArmId(rawId).subscriptionId ?? "").toLowerCase();
  const chain = field(o, "managementGroupAncestorsChain");
  const sub: Subscription = { id: rawId || (guid ? `/subscriptions/${guid}` : ""), subscriptionId: guid, source };
  const displayName = asNonEmpty(getKey(o, "displayName")) ?? asNonEmpty(getKey(o, "name"));
  if (displayName !== undefined) sub.displayName = displayName;
  // a row without the chain says nothing of the ancestry (an empty chain would claim "no management group")
  if (Array.isArray(chain)) sub.managementGroupAncestors = chain.flatMap((m) => {
    const name = typeof m === "string" ? m : asNonEmpty(getKey(m, "name"));
    return name ? [name] : [];
  });
  return sub;
}

function permissions(v: Json | undefined): Permission[] {
  return asArr(v).flatMap((p) =>
    isObj(p)
      ? [
          {
            actions: strs(getKey(p, "actions")),
            notActions: strs(getKey(p, "notActions")),
            dataActions: strs(getKey(p, "dataActions")),
            notDataActions: strs(getKey(p, "notDataActions")),
          },
        ]
      : [],
  );
}

export function normaliseRoleDefinition(o: JsonObject, source: Source): RoleDefinition {
  const id = asNonEmpty(getKey(o, "id")) ?? "";
  const p = propsOf(o);
  // raw ARM calls it `properties.type`; az/JS flatten it to `roleType` (the top-level `type` is the ARM type)
  const roleType = asStr(getKey(o, "roleType")) ?? asStr(getKey(p, "roleType", "type"));
  return {
    id,
    guid: (id ? roleGuid(id) : (asNonEmpty(getKey(o, "name")) ?? "")).toLowerCase(),
    roleName: asStr(field(o, "roleName")) ?? "",
    roleType,
    permissions: permissions(field(o, "permissions")),
    assignableScopes: strs(field(o, "assignableScopes")),
    source,
  };
}

function principalRefs(v: Json | undefined): { id: string; type?: string }[] {
  return asArr(v).flatMap((x) => {
    const id = asNonEmpty(getKey(x, "id"));
    return id ? [{ id, type: asStr(getKey(x, "type")) }] : [];
  });
}

export function normaliseDenyAssignment(o: JsonObject, source: Source): DenyAssignment {
  const id = asNonEmpty(getKey(o, "id")) ?? "";
  const scopeFromId = id.replace(/\/providers\/microsoft\.authorization\/denyassignments\/[^/]+\/?$/i, "") || "/";
  return {
    id,
    name: asNonEmpty(field(o, "denyAssignmentName")) ?? asNonEmpty(getKey(o, "name")),
    scope: asNonEmpty(field(o, "scope")) ?? (id ? scopeFromId : ""),
    permissions: permissions(field(o, "permissions")),
    principals: principalRefs(field(o, "principals")),
    excludePrincipals: principalRefs(field(o, "excludePrincipals")),
    doNotApplyToChildScopes: asBool(field(o, "doNotApplyToChildScopes")) ?? false,
    condition: asNonEmpty(field(o, "condition")),
    source,
  };
}

// ───────────── identities ─────────────

export function normaliseUserAssignedIdentity(o: JsonObject, source: Source): UserAssignedIdentity {
  const { id, name } = idAndName(o);
  return {
    id,
    name,
    clientId: asNonEmpty(field(o, "clientId")),
    principalId: asNonEmpty(field(o, "principalId")),
    tenantId: asNonEmpty(field(o, "tenantId")),
    resourceGroup: placement(o, id).resourceGroup,
    source,
  };
}

/** `az vmss identity show` (the bare identity block) or a full VMSS resource with `identity`. */
export function normaliseVmssIdentity(o: JsonObject, source: Source, isResource: boolean): VmssIdentity {
  const identity = isResource ? (asObj(getKey(o, "identity")) ?? {}) : o;
  const uai = asObj(getKey(identity, "userAssignedIdentities")) ?? {};
  return {
    vmssId: isResource ? asNonEmpty(getKey(o, "id")) : undefined,
    vmssName: isResource ? (asNonEmpty(getKey(o, "name")) ?? lastSegment(asNonEmpty(getKey(o, "id")))) : undefined,
    type: asStr(getKey(identity, "type")),
    userAssignedIdentities: Object.entries(uai).map(([resourceId, x]) => ({
      resourceId,
      clientId: asNonEmpty(getKey(x, "clientId")),
      principalId: asNonEmpty(getKey(x, "principalId")),
    })),
    source,
  };
}

// ───────────── network ─────────────

export function normalisePrivateEndpoint(o: JsonObject, source: Source): PrivateEndpoint {
  const { id, name } = idAndName(o);
  const connections: PrivateEndpoint["connections"] = [];
  const add = (list: Json | undefined, manual: boolean): void => {
    for (const c of asArr(list)) {
      if (!isObj(c)) continue;
      const state = field(c, "privateLinkServiceConnectionState");
      connections.push({
        privateLinkServiceId: asNonEmpty(field(c, "privateLinkServiceId")),
        groupIds: strs(field(c, "groupIds")),
        status: asStr(getKey(state, "status")),
        description: asStr(getKey(state, "description")),
        manual,
      });
    }
  };
  add(field(o, "privateLinkServiceConnections"), false);
  // manual connections start Pending and need approval on the registry side
  add(field(o, "manualPrivateLinkServiceConnections"), true);
  return {
    id,
    name,
    subnetId: refId(field(o, "subnet")),
    connections,
    customDnsConfigs: asArr(field(o, "customDnsConfigs")).flatMap((c) => {
      const fqdn = asNonEmpty(getKey(c, "fqdn"));
      return fqdn ? [{ fqdn, ipAddresses: strs(getKey(c, "ipAddresses")) }] : [];
    }),
    source,
  };
}

export function normalisePrivateDnsZone(o: JsonObject, source: Source): PrivateDnsZone {
  const { id, name } = idAndName(o);
  return {
    id,
    name,
    numberOfVirtualNetworkLinks: asNum(field(o, "numberOfVirtualNetworkLinks")),
    numberOfRecordSets: asNum(field(o, "numberOfRecordSets")),
    source,
  };
}

export function normaliseVnetLink(o: JsonObject, source: Source): PrivateDnsVnetLink {
  const { id, name } = idAndName(o);
  // links live under their zone: `.../privateDnsZones/<zone>/virtualNetworkLinks/<name>`
  return {
    id,
    name,
    zoneId: idPrefixThrough(id, "privateDnsZones") ?? "",
    zoneName: idSegmentAfter(id, "privateDnsZones") ?? "",
    virtualNetworkId: refId(field(o, "virtualNetwork")) ?? "",
    registrationEnabled: asBool(field(o, "registrationEnabled")),
    virtualNetworkLinkState: asStr(field(o, "virtualNetworkLinkState")),
    provisioningState: asStr(field(o, "provisioningState")),
    source,
  };
}

export function normaliseARecordSet(o: JsonObject, source: Source): PrivateDnsARecordSet {
  const { id, name } = idAndName(o);
  const ips: string[] = [];
  for (const r of asArr(field(o, "aRecords", "ARecords"))) {
    const ip = asNonEmpty(getKey(r, "ipv4Address"));
    if (ip) ips.push(ip);
  }
  return {
    id,
    name,
    zoneName: idSegmentAfter(id, "privateDnsZones") ?? "",
    fqdn: asNonEmpty(field(o, "fqdn")),
    ipv4Addresses: ips,
    source,
  };
}

export function normaliseVirtualNetwork(o: JsonObject, source: Source): VirtualNetwork {
  const { id, name } = idAndName(o);
  return {
    id,
    name,
    addressPrefixes: strs(getKey(field(o, "addressSpace"), "addressPrefixes")),
    dnsServers: strs(getKey(field(o, "dhcpOptions"), "dnsServers")),
    subnets: asArr(field(o, "subnets")).flatMap((s) => {
      if (!isObj(s)) return [];
      const sid = asNonEmpty(getKey(s, "id")) ?? "";
      return [
        {
          id: sid,
          name: asNonEmpty(getKey(s, "name")) ?? lastSegment(sid) ?? "",
          addressPrefixes: singularPlural(s, "addressPrefix", "addressPrefixes"),
          nsgId: refId(field(s, "networkSecurityGroup")),
          routeTableId: refId(field(s, "routeTable")),
          natGatewayId: refId(field(s, "natGateway")),
        },
      ];
    }),
    peerings: asArr(field(o, "virtualNetworkPeerings")).flatMap((p) =>
      isObj(p)
        ? [{ remoteVirtualNetworkId: refId(field(p, "remoteVirtualNetwork")), peeringState: asStr(field(p, "peeringState")) }]
        : [],
    ),
    source,
  };
}

function securityRules(list: Json | undefined, listPath: string, isDefault: boolean): SecurityRule[] {
  return asArr(list).flatMap((r, i) => {
    if (!isObj(r)) return [];
    return [
      {
        name: asStr(getKey(r, "name")) ?? lastSegment(asNonEmpty(getKey(r, "id"))) ?? "",
        direction: asStr(field(r, "direction")) ?? "",
        access: asStr(field(r, "access")) ?? "",
        priority: asNum(field(r, "priority")) ?? 0,
        protocol: asStr(field(r, "protocol")) ?? "*",
        // ARM fills either the singular or the plural form and leaves the other empty
        sourceAddressPrefixes: singularPlural(r, "sourceAddressPrefix", "sourceAddressPrefixes"),
        destinationAddressPrefixes: singularPlural(r, "destinationAddressPrefix", "destinationAddressPrefixes"),
        destinationPortRanges: singularPlural(r, "destinationPortRange", "destinationPortRanges"),
        isDefault,
        path: childPath(listPath, i),
      },
    ];
  });
}

export function normaliseNsg(o: JsonObject, source: Source): NetworkSecurityGroup {
  const { id, name } = idAndName(o);
  const custom = fieldAt(o, source.path, "securityRules");
  const defaults = fieldAt(o, source.path, "defaultSecurityRules");
  return {
    id,
    name,
    securityRules: [...securityRules(custom.value, custom.path, false), ...securityRules(defaults.value, defaults.path, true)],
    subnetIds: refIds(field(o, "subnets")),
    source,
  };
}

export function normaliseRouteTable(o: JsonObject, source: Source): RouteTable {
  const { id, name } = idAndName(o);
  return {
    id,
    name,
    routes: asArr(field(o, "routes")).flatMap((r) =>
      isObj(r)
        ? [
            {
              name: asStr(getKey(r, "name")) ?? "",
              addressPrefix: asStr(field(r, "addressPrefix")) ?? "",
              nextHopType: asStr(field(r, "nextHopType")) ?? "",
              nextHopIpAddress: asNonEmpty(field(r, "nextHopIpAddress")),
            },
          ]
        : [],
    ),
    subnetIds: refIds(field(o, "subnets")),
    source,
  };
}

export function normalisePublicIp(o: JsonObject, source: Source): PublicIp {
  const { id, name } = idAndName(o);
  return { id, name, ipAddress: asNonEmpty(field(o, "ipAddress")), source };
}

export function normaliseNatGateway(o: JsonObject, source: Source): NatGateway {
  const { id, name } = idAndName(o);
  return {
    id,
    name,
    publicIpIds: refIds(field(o, "publicIpAddresses", "publicIPAddresses")),
    subnetIds: refIds(field(o, "subnets")),
    source,
  };
}
