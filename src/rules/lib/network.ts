import type { Evidence, RuleContext } from "../../engine/types.js";
import type { ManagedCluster, NetworkSecurityGroup, PrivateDnsARecordSet, Registry, RouteTable, SecurityRule, VirtualNetwork } from "../../snapshot/types.js";
import { normId, sameId } from "../../snapshot/ids.js";
import { factReason, factValue } from "./principals.js";
import { observations } from "./observations.js";

// ───────────── IPv4 / CIDR ─────────────

export function ipv4ToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((x) => x > 255)) return undefined;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

/** `value` is an address or a CIDR range (ACR ipRules take both). */
export function cidrContains(value: string, ip: string): boolean | undefined {
  const [base, bitsStr] = value.trim().split("/");
  const b = ipv4ToInt(base ?? "");
  const x = ipv4ToInt(ip);
  if (b === undefined || x === undefined) return undefined;
  const bits = bitsStr === undefined ? 32 : Number(bitsStr);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  if (bits === 0) return true;
  const mask = (~0 << (32 - bits)) >>> 0;
  return ((b & mask) >>> 0) === ((x & mask) >>> 0);
}

export function isPrivateIpv4(ip: string): boolean {
  return ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].some((c) => cidrContains(c, ip) === true);
}

// ───────────── egress IPs of a cluster ─────────────

export interface EgressIps {
  ips: { ip: string; evidence: Evidence }[];
  /** why the list may be incomplete or unknown */
  unknownReason?: string;
}

export function clusterEgressIps(ctx: RuleContext, cluster: ManagedCluster): EgressIps {
  const np = cluster.networkProfile;
  const outbound = (np?.outboundType ?? "loadBalancer").toLowerCase();
  const ids = [...(np?.effectiveOutboundIpIds ?? []), ...(np?.natGatewayEffectiveOutboundIpIds ?? [])];
  const pips = factValue(ctx.snapshot.publicIps) ?? [];
  const ips: EgressIps["ips"] = [];
  const missing: string[] = [];
  for (const id of ids) {
    const pip = pips.find((p) => sameId(p.id, id));
    if (pip?.ipAddress) ips.push({ ip: pip.ipAddress, evidence: { source: pip.source.file, path: `${pip.source.path}.ipAddress`, observed: `${pip.ipAddress} (${pip.name}, an effective outbound IP of the cluster)` } });
    else missing.push(id);
  }
  // ACR's own firewall message names the address it saw: `client with IP 'x' is not allowed access`.
  for (const o of observations(ctx)) {
    const m = /client with IP '([0-9.]+)'/i.exec(o.message);
    if (m && !ips.some((x) => x.ip === m[1])) ips.push({ ip: m[1]!, evidence: { source: o.source.file, path: o.source.path, observed: `the registry saw client IP ${m[1]} (from a pull inside the cluster)` } });
  }
  if (ips.length === 0) {
    if (outbound === "userdefinedrouting") return { ips, unknownReason: "outboundType is userDefinedRouting: egress leaves through the firewall/NVA's public IP, which is not in the evidence" };
    if (outbound === "userassignednatgateway") return { ips, unknownReason: "outboundType is userAssignedNATGateway: add the NAT gateway and its public IPs (az network nat gateway show, az network public-ip show)" };
    if (ids.length > 0) return { ips, unknownReason: ctx.snapshot.publicIps.status === "error" ? `the cluster's outbound public IPs could not be read: ${factReason(ctx.snapshot.publicIps)}` : `the cluster's outbound public IP resources are not in the evidence (az network public-ip show --ids ${missing.join(" ")})` };
    return { ips, unknownReason: "the cluster's egress IPs are not in the evidence" };
  }
  return missing.length > 0 ? { ips, unknownReason: `some outbound IPs are not in the evidence: ${missing.join(", ")}` } : { ips };
}

// ───────────── private path ─────────────

export interface PrivatePath {
  /** connections to the registry with their status */
  connections: { status: string; privateEndpointId?: string; evidence: Evidence }[];
  approved: boolean;
  /** DNS for the cluster's VNet: ok | misconfigured (with reasons) | unknown (with reason) */
  dns: { status: "ok" | "misconfigured" | "unknown" | "n/a"; reasons: string[]; evidence: Evidence[]; fixes: string[] };
}

export function zoneNameFor(registry: Registry): string {
  const suffix = registry.loginServer.toLowerCase().match(/azurecr\.(io|cn|us)$/)?.[1] ?? "io";
  return `privatelink.azurecr.${suffix}`;
}

export function clusterVnetIds(cluster: ManagedCluster): string[] {
  const ids = new Set<string>();
  for (const p of cluster.agentPools) if (p.vnetSubnetId) ids.add(normId(p.vnetSubnetId).replace(/\/subnets\/[^/]+$/, ""));
  return [...ids];
}

export function clusterSubnetIds(cluster: ManagedCluster): string[] {
  return [...new Set(cluster.agentPools.map((p) => normId(p.vnetSubnetId)).filter((x) => x !== ""))];
}

export function privatePath(ctx: RuleContext, cluster: ManagedCluster, registry: Registry): PrivatePath {
  return ctx.memo(`privatePath:${normId(cluster.id)}:${normId(registry.id)}`, () => computePrivatePath(ctx, cluster, registry));
}

function computePrivatePath(ctx: RuleContext, cluster: ManagedCluster, registry: Registry): PrivatePath {
  const s = ctx.snapshot;
  const connections: PrivatePath["connections"] = registry.privateEndpointConnections.map((c, i) => ({
    status: c.status ?? "Unknown",
    privateEndpointId: c.privateEndpointId,
    evidence: { source: registry.source.file, path: `${registry.source.path}.privateEndpointConnections[${i}].privateLinkServiceConnectionState.status`, observed: `${c.status ?? "?"}${c.description ? ` (${c.description})` : ""} for ${c.privateEndpointId?.split("/").pop() ?? c.id ?? "?"}` },
  }));
  for (const pe of factValue(s.privateEndpoints) ?? []) {
    pe.connections.forEach((c, i) => {
      if (!sameId(c.privateLinkServiceId, registry.id)) return;
      if (connections.some((x) => sameId(x.privateEndpointId, pe.id))) return;
      connections.push({ status: c.status ?? "Unknown", privateEndpointId: pe.id, evidence: { source: pe.source.file, path: `${pe.source.path}.${c.manual ? "manualPrivateLinkServiceConnections" : "privateLinkServiceConnections"}[${i}]`, observed: `${c.status ?? "?"} for ${pe.name}` } });
    });
  }
  const approved = connections.some((c) => c.status.toLowerCase() === "approved");
  const dns: PrivatePath["dns"] = { status: "n/a", reasons: [], evidence: [], fixes: [] };
  if (!approved) return { connections, approved, dns };

  const zoneName = zoneNameFor(registry);
  const vnets = clusterVnetIds(cluster);
  if (vnets.length === 0) {
    return { connections, approved, dns: { status: "unknown", reasons: ["the cluster uses an AKS-managed VNet whose id is not in the evidence; add `az network vnet list -g <node resource group>` and the zone's links"], evidence: [], fixes: [] } };
  }
  // Custom DNS servers answer instead of Azure DNS; whether they forward privatelink names cannot be read from ARM.
  const vnetFacts = factValue(s.virtualNetworks) ?? [];
  const custom = vnets.map((id) => vnetFacts.find((v) => sameId(v.id, id))).filter((v): v is VirtualNetwork => !!v && v.dnsServers.length > 0);
  const zones = factValue(s.privateDnsZones);
  const links = factValue(s.privateDnsVnetLinks);
  const records = factValue(s.privateDnsARecordSets);
  const zone = zones?.find((z) => z.name.toLowerCase() === zoneName);
  const zoneLinks = links?.filter((l) => l.zoneName.toLowerCase() === zoneName) ?? [];
  const reasons: string[] = [];
  const evidence: Evidence[] = [];
  const fixes: string[] = [];
  const zoneRg = (zone?.id ?? zoneLinks[0]?.zoneId ?? "").split("/")[4] ?? "<DNS_ZONE_RESOURCE_GROUP>";

  if (zones && !zone && zoneLinks.length === 0) {
    reasons.push(`no ${zoneName} private DNS zone exists`);
    evidence.push({ source: "private DNS zones", path: "$[*].name", observed: zones.map((z) => z.name).join(", ") || "none", expected: zoneName });
    fixes.push(`az network private-dns zone create --resource-group <DNS_ZONE_RESOURCE_GROUP> --name ${zoneName}`);
  }
  if (custom.length > 0) {
    return { connections, approved, dns: { status: "unknown", reasons: [`the cluster VNet uses custom DNS servers (${custom.flatMap((v) => v.dnsServers).join(", ")}): whether they forward ${zoneName} to Azure DNS (168.63.129.16) from a linked VNet cannot be read from ARM; run pulldoctor probe on a node`], evidence: custom.map((v) => ({ source: v.source.file, path: `${v.source.path}.dhcpOptions.dnsServers`, observed: v.dnsServers.join(", ") })), fixes: [] } };
  }
  if (links) {
    const linked = vnets.filter((id) => zoneLinks.some((l) => sameId(l.virtualNetworkId, id)));
    const unlinked = vnets.filter((id) => !linked.includes(id));
    if (unlinked.length > 0) {
      reasons.push(`the ${zoneName} zone is not linked to the cluster's VNet ${unlinked.map((v) => v.split("/").pop()).join(", ")}, so nodes resolve ${registry.loginServer} to its public address`);
      evidence.push(...zoneLinks.map((l) => ({ source: l.source.file, path: `${l.source.path}.virtualNetwork.id`, observed: `${l.name} -> ${l.virtualNetworkId}`, expected: unlinked[0] })));
      if (zoneLinks.length === 0) evidence.push({ source: "private DNS links", path: "*", observed: `no virtual network links for ${zoneName}`, expected: unlinked[0] });
      for (const v of unlinked) {
        const vf = vnetFacts.find((x) => sameId(x.id, v));
        evidence.push(...(vf ? [{ source: vf.source.file, path: `${vf.source.path}.dhcpOptions.dnsServers`, observed: "[] (Azure-provided DNS: only zones linked to this VNet are resolved)" }] : []));
        fixes.push(`az network private-dns link vnet create --resource-group ${zoneRg} --zone-name ${zoneName} --name ${v.split("/").pop()}-link --virtual-network ${v} --registration-enabled false`);
      }
    }
    for (const l of zoneLinks) {
      if (l.virtualNetworkLinkState && !/completed/i.test(l.virtualNetworkLinkState) && linked.some((v) => sameId(v, l.virtualNetworkId))) {
        reasons.push(`the link ${l.name} is ${l.virtualNetworkLinkState}`);
        evidence.push({ source: l.source.file, path: `${l.source.path}.virtualNetworkLinkState`, observed: l.virtualNetworkLinkState, expected: "Completed" });
        fixes.push(`az network private-dns link vnet show --resource-group ${zoneRg} --zone-name ${zoneName} --name ${l.name} --query "{state: virtualNetworkLinkState, provisioning: provisioningState}"   # a link stuck outside Completed must be deleted and re-created`);
      }
    }
  }
  if (records) {
    const wanted = expectedRecords(registry);
    const peIps = peIpsByFqdn(ctx, registry);
    for (const w of wanted) {
      const rec = records.find((r) => r.zoneName.toLowerCase() === zoneName && r.name.toLowerCase() === w.relative);
      if (!rec) {
        reasons.push(`the zone has no A record ${w.relative} for ${w.fqdn}`);
        evidence.push({ source: "private DNS A records", path: "*", observed: `no record ${w.relative}`, expected: `${w.relative} -> ${peIps.get(w.fqdn)?.join(", ") ?? "the private endpoint IP"}` });
        fixes.push(`az network private-dns record-set a add-record --resource-group ${zoneRg} --zone-name ${zoneName} --record-set-name ${w.relative} --ipv4-address ${peIps.get(w.fqdn)?.[0] ?? "<PRIVATE_ENDPOINT_IP>"}`);
        continue;
      }
      const expected = peIps.get(w.fqdn);
      if (expected && expected.length > 0 && !rec.ipv4Addresses.some((ip) => expected.includes(ip))) {
        reasons.push(`the A record ${w.relative} points to ${rec.ipv4Addresses.join(", ")}, not the private endpoint's ${expected.join(", ")}`);
        evidence.push({ source: rec.source.file, path: `${rec.source.path}.aRecords`, observed: rec.ipv4Addresses.join(", "), expected: expected.join(", ") });
        fixes.push(`az network private-dns record-set a add-record --resource-group ${zoneRg} --zone-name ${zoneName} --record-set-name ${w.relative} --ipv4-address ${expected[0]}`);
        for (const stale of rec.ipv4Addresses) fixes.push(`az network private-dns record-set a remove-record --resource-group ${zoneRg} --zone-name ${zoneName} --record-set-name ${w.relative} --ipv4-address ${stale}`);
      }
    }
  }
  if (reasons.length > 0) return { connections, approved, dns: { status: "misconfigured", reasons, evidence, fixes } };
  if (!links) return { connections, approved, dns: { status: "unknown", reasons: [`the virtual network links of ${zoneName} are unavailable: ${factReason(s.privateDnsVnetLinks)}`], evidence: [], fixes: [] } };
  return { connections, approved, dns: { status: "ok", reasons: [], evidence: [], fixes: [] } };
}

function expectedRecords(registry: Registry): { fqdn: string; relative: string }[] {
  const name = registry.loginServer.toLowerCase().split(".")[0]!;
  const out = [{ fqdn: registry.loginServer.toLowerCase(), relative: name }];
  for (const h of registry.dataEndpointHostNames) {
    const lh = h.toLowerCase();
    out.push({ fqdn: lh, relative: lh.replace(/\.azurecr\.(io|cn|us)$/, "") });
  }
  return out;
}

function peIpsByFqdn(ctx: RuleContext, registry: Registry): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const pe of factValue(ctx.snapshot.privateEndpoints) ?? []) {
    if (!pe.connections.some((c) => sameId(c.privateLinkServiceId, registry.id))) continue;
    for (const c of pe.customDnsConfigs) out.set(c.fqdn.toLowerCase(), c.ipAddresses);
  }
  return out;
}

// ───────────── NSG / routes for the public path ─────────────

/** Service tags that contain every public ACR endpoint address (Internet contains all public addresses). */
function tagMatchesPublicAcr(prefix: string, region: string | undefined): boolean | undefined {
  const p = prefix.toLowerCase();
  if (p === "*" || p === "internet" || p === "0.0.0.0/0" || p === "azurecloud" || p === "azurecontainerregistry") return true;
  if (p.startsWith("azurecontainerregistry.") || p.startsWith("azurecloud.")) return region ? p.endsWith("." + region.toLowerCase()) : undefined;
  if (p === "virtualnetwork" || p === "azureloadbalancer") return false;
  if (/^[0-9.]+(\/\d+)?$/.test(p)) return undefined; // an address range: we would need the registry's current IP
  return false; // any other service tag (Storage, AzureActiveDirectory, ...) does not contain ACR's login server
}

function portMatches443(ranges: string[]): boolean {
  return ranges.some((r) => {
    if (r === "*") return true;
    const [a, b] = r.split("-").map(Number);
    return b === undefined ? a === 443 : a! <= 443 && 443 <= b;
  });
}

export interface NsgVerdict {
  nsg: NetworkSecurityGroup;
  decision: "allow" | "deny" | "unknown";
  rule?: SecurityRule;
  shadowedAllows: SecurityRule[];
}

function cidrsOverlap(a: string, b: string): boolean | undefined {
  const x = cidrContains(a, b.split("/")[0] ?? "");
  const y = cidrContains(b, a.split("/")[0] ?? "");
  return x === undefined || y === undefined ? undefined : x || y;
}

/** Does an NSG rule's source cover the node subnet? `nodePrefixes` undefined: the subnet's address range is not in the evidence. */
function sourceMatchesNodes(prefixes: string[], nodePrefixes: string[] | undefined): boolean | undefined {
  const results = prefixes.map((raw): boolean | undefined => {
    const p = raw.toLowerCase();
    if (p === "*" || p === "any" || p === "virtualnetwork" || p === "0.0.0.0/0") return true;
    if (!/^[0-9.]+(\/\d+)?$/.test(p)) return false; // other service tags (AzureLoadBalancer, Internet, ...) never hold node addresses
    if (!nodePrefixes || nodePrefixes.length === 0) return undefined;
    const o = nodePrefixes.map((n) => cidrsOverlap(p, n));
    return o.some((m) => m === true) ? true : o.some((m) => m === undefined) ? undefined : false;
  });
  return results.some((m) => m === true) ? true : results.some((m) => m === undefined) ? undefined : false;
}

/** First-match evaluation of outbound TCP 443 from the node subnet to the registry's public endpoint. */
export function evaluateNsgOutbound(nsg: NetworkSecurityGroup, region: string | undefined, destIp?: string, nodePrefixes?: string[]): NsgVerdict {
  const rules = nsg.securityRules.filter((r) => r.direction.toLowerCase() === "outbound").sort((a, b) => a.priority - b.priority);
  const shadowed: SecurityRule[] = [];
  for (const r of rules) {
    if (!["*", "tcp"].includes(r.protocol.toLowerCase())) continue;
    if (!portMatches443(r.destinationPortRanges)) continue;
    // A rule scoped to another source range (a shared NSG) does not govern the nodes' traffic.
    const fromNodes = sourceMatchesNodes(r.sourceAddressPrefixes.length ? r.sourceAddressPrefixes : ["*"], nodePrefixes);
    if (fromNodes === false) continue;
    if (fromNodes === undefined) return { nsg, decision: "unknown", rule: r, shadowedAllows: [] };
    const matches = r.destinationAddressPrefixes.map((p) => (destIp && /^[0-9.]+(\/\d+)?$/.test(p) ? cidrContains(p, destIp) : tagMatchesPublicAcr(p, region)));
    if (matches.some((m) => m === true)) {
      if (r.access.toLowerCase() === "deny") {
        for (const later of rules) if (later.priority > r.priority && later.access.toLowerCase() === "allow" && later.destinationAddressPrefixes.some((p) => /^azurecontainerregistry/i.test(p))) shadowed.push(later);
      }
      return { nsg, decision: r.access.toLowerCase() === "allow" ? "allow" : "deny", rule: r, shadowedAllows: shadowed };
    }
    if (matches.some((m) => m === undefined)) return { nsg, decision: "unknown", rule: r, shadowedAllows: [] };
  }
  return { nsg, decision: "allow", shadowedAllows: [] };
}

export function nsgsForCluster(ctx: RuleContext, cluster: ManagedCluster): NetworkSecurityGroup[] {
  const subnets = clusterSubnetIds(cluster);
  const vnets = factValue(ctx.snapshot.virtualNetworks) ?? [];
  const nsgIds = new Set(vnets.flatMap((v) => v.subnets.filter((sn) => subnets.includes(normId(sn.id)) && sn.nsgId).map((sn) => normId(sn.nsgId))));
  return (factValue(ctx.snapshot.networkSecurityGroups) ?? []).filter((n) => n.subnetIds.some((id) => subnets.includes(normId(id))) || nsgIds.has(normId(n.id)));
}

/** Address ranges of the node subnets, when the VNet is in the evidence. */
export function clusterSubnetPrefixes(ctx: RuleContext, cluster: ManagedCluster): string[] | undefined {
  const subnets = clusterSubnetIds(cluster);
  const found = (factValue(ctx.snapshot.virtualNetworks) ?? []).flatMap((v) => v.subnets).filter((sn) => subnets.includes(normId(sn.id)));
  return found.length > 0 ? found.flatMap((sn) => sn.addressPrefixes) : undefined;
}

export function routeTablesForCluster(ctx: RuleContext, cluster: ManagedCluster): RouteTable[] {
  const subnets = clusterSubnetIds(cluster);
  return (factValue(ctx.snapshot.routeTables) ?? []).filter((rt) => rt.subnetIds.some((id) => subnets.includes(normId(id))));
}

export function aRecordFor(records: PrivateDnsARecordSet[], relative: string): PrivateDnsARecordSet | undefined {
  return records.find((r) => r.name.toLowerCase() === relative);
}

/** Is the public endpoint closed to this cluster by registry settings? (Disabled, or firewall without the cluster's IP) */
export function publicPathClosed(ctx: RuleContext, cluster: ManagedCluster, registry: Registry): "closed" | "open" | "unknown" {
  if ((registry.publicNetworkAccess ?? "Enabled").toLowerCase() === "disabled") return "closed";
  if ((registry.networkRuleSet?.defaultAction ?? "Allow").toLowerCase() !== "deny") return "open";
  const egress = clusterEgressIps(ctx, cluster);
  if (egress.ips.length === 0) return "unknown";
  // Outbound flows leave from any of the load balancer's / NAT gateway's IPs, so one IP missing from the
  // rules already fails some pulls: the path counts as open only when every egress IP is allowed.
  const allowed = egress.ips.every((e) => (registry.networkRuleSet?.ipRules ?? []).some((r) => cidrContains(r.value, e.ip) === true));
  return allowed ? "open" : "closed";
}
