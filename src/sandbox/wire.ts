// az prints ARM resources flattened and in Python-SDK casing; the sandbox must answer in ARM's own wire shape
// (`properties` nesting, swagger casing, no nulls) so the SDK clients see what management.azure.com sends.
// See /work/shared/reference/api-shapes.md §0.1 and the scenario README's "Conventions used in the evidence".

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

/**
 * az (Python SDK) name -> ARM wire name. Only keys whose casing differs; everything else is already the wire name.
 * Sources: api-shapes.md §1.2 (AKS), §2.2 (ACR), scenario README conventions.
 */
export const AZ_TO_WIRE_KEYS: Readonly<Record<string, string>> = {
  vnetSubnetId: "vnetSubnetID",
  podSubnetId: "podSubnetID",
  enableRbac: "enableRBAC",
  dnsServiceIp: "dnsServiceIP",
  azurePortalFqdn: "azurePortalFQDN",
  privateFqdn: "privateFQDN",
  osSku: "osSKU",
  osDiskSizeGb: "osDiskSizeGB",
  enableNodePublicIp: "enableNodePublicIP",
  nodePublicIpPrefixId: "nodePublicIPPrefixID",
  privateDnsZone: "privateDNSZone",
  enablePrivateClusterPublicFqdn: "enablePrivateClusterPublicFQDN",
  authorizedIpRanges: "authorizedIPRanges",
  outboundIpPrefixes: "outboundIPPrefixes",
  outboundIps: "outboundIPs",
  managedOutboundIps: "managedOutboundIPs",
  effectiveOutboundIps: "effectiveOutboundIPs",
  countIpv6: "countIPv6",
  issuerUrl: "issuerURL",
  resourceUid: "resourceUID",
  azureAdAuthenticationAsArmPolicy: "azureADAuthenticationAsArmPolicy",
  ipAddressOrRange: "value",
};

/** Keys of the ARM envelope that stay at the top level; everything else of an az object goes under `properties`. */
const ENVELOPE_KEYS = new Set([
  "id", "name", "type", "location", "tags", "sku", "identity", "etag", "kind", "zones", "systemData", "managedBy",
  "plan", "extendedLocation", "properties",
]);

/** Keys az adds that ARM never sends. */
const AZ_ONLY_KEYS = new Set(["resourceGroup", "principalName", "roleDefinitionName"]);

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** An ARM (sub-)resource: an object whose `id` is an ARM path. A bare `{id}` reference stays a reference. */
function isArmResource(o: JsonObject): boolean {
  const id = o["id"];
  return typeof id === "string" && /\/providers\//i.test(id);
}

function renameKeys(o: JsonObject, depthInIpRules: boolean): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === null) continue; // raw ARM omits null properties
    const wireKey = k === "ipAddressOrRange" && !depthInIpRules ? k : (AZ_TO_WIRE_KEYS[k] ?? k);
    out[wireKey] = toWireValue(v, k === "ipRules");
  }
  return out;
}

function toWireValue(v: Json, inIpRules: boolean): Json {
  if (Array.isArray(v)) return v.map((x) => toWireValue(x, inIpRules));
  if (!isObj(v)) return v;
  return toWireObject(v, inIpRules);
}

function toWireObject(o: JsonObject, inIpRules = false): JsonObject {
  const renamed = renameKeys(o, inIpRules);
  if (!isArmResource(o)) return renamed;
  const top: JsonObject = {};
  const props: JsonObject = isObj(renamed["properties"]) ? { ...renamed["properties"] } : {};
  for (const [k, v] of Object.entries(renamed)) {
    if (AZ_ONLY_KEYS.has(k) || k === "properties") continue;
    if (ENVELOPE_KEYS.has(k)) top[k] = v;
    else props[k] = v;
  }
  // role definitions: az `roleType` is the wire `properties.type` (the top-level `type` is the ARM type)
  if ("roleType" in props) {
    props["type"] = props["roleType"]!;
    delete props["roleType"];
  }
  if (Object.keys(props).length > 0) top["properties"] = props;
  return top;
}

/** az / raw ARM / already-wire object -> ARM wire JSON (idempotent on wire input). */
export function toArmWire(o: JsonObject): JsonObject {
  return toWireObject(o);
}

export type { Json, JsonObject };
