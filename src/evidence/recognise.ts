// Recognise what a parsed evidence document holds, by content only (never by file name), and turn every item
// into a normalised fact. Containers: single objects, arrays, ARM/Graph `{"value":[...]}` lists, Kubernetes
// `List` / `<Kind>List`, Resource Graph `{"count","data":[...]}` (objectArray and table formats).

import { normId, normIdUnmemoised } from "../snapshot/ids.js";
import type { FactKey, Snapshot, Source } from "../snapshot/types.js";
import {
  normaliseARecordSet,
  normaliseCluster,
  normaliseDenyAssignment,
  normaliseNatGateway,
  normaliseNsg,
  normalisePrivateDnsZone,
  normalisePrivateEndpoint,
  normalisePublicIp,
  normaliseRegistry,
  normaliseRoleAssignment,
  normaliseRoleDefinition,
  normaliseRouteTable,
  normaliseSubscription,
  normaliseUserAssignedIdentity,
  normaliseVirtualNetwork,
  normaliseVmssIdentity,
  normaliseVnetLink,
} from "./azure.js";
import {
  directoryLookupFromError,
  graphKind,
  normaliseApplication,
  normaliseServicePrincipal,
  odataEntitySet,
} from "./graph.js";
import { meta, normaliseEvent, normaliseNode, normalisePod, normaliseServiceAccount } from "./kube.js";
import { normalisePullSecret } from "./secrets.js";
import { recogniseProbeDocument } from "./probe.js";
import { armTypeFromId, asArr, asNonEmpty, asStr, childPath, getKey, isObj, type Json, type JsonObject } from "./util.js";

/** The element type of a fact array of the Snapshot. */
export type FactElement<K extends FactKey> = Snapshot[K] extends infer F
  ? F extends { status: "ok"; value: (infer E)[] }
    ? E
    : never
  : never;

export type FactItem = { [K in FactKey]: { kind: K; key: string; value: FactElement<K> } }[FactKey];

export interface Recognition {
  items: FactItem[];
  /** fact kinds this document provided (possibly with zero items, e.g. an empty `EventList`) */
  kinds: Set<FactKey>;
  /** one short reason per item or container that was not recognised */
  unrecognised: string[];
  /** items looked at */
  seen: number;
  /** set when the whole document is deliberately not evidence */
  skipped?: string;
}

const EXPECTATION_KEYS = new Set(["description", "errors", "warnings", "allowed", "forbidden"]);

/** A scenario's `expected.json`: its keys are a subset of the expectation keys. */
export function isExpectations(v: Json): boolean {
  if (!isObj(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => EXPECTATION_KEYS.has(k));
}

/** ARM type (lower-case) -> the fact it feeds. */
const ARM_KINDS: Record<string, FactKey> = {
  "microsoft.containerservice/managedclusters": "clusters",
  "microsoft.containerregistry/registries": "registries",
  "microsoft.authorization/roleassignments": "roleAssignments",
  "microsoft.resources/subscriptions": "subscriptions",
  "microsoft.authorization/roledefinitions": "roleDefinitions",
  "microsoft.authorization/denyassignments": "denyAssignments",
  "microsoft.managedidentity/userassignedidentities": "userAssignedIdentities",
  "microsoft.compute/virtualmachinescalesets": "vmssIdentities",
  "microsoft.network/privateendpoints": "privateEndpoints",
  "microsoft.network/privatednszones": "privateDnsZones",
  "microsoft.network/privatednszones/virtualnetworklinks": "privateDnsVnetLinks",
  "microsoft.network/privatednszones/a": "privateDnsARecordSets",
  "microsoft.network/virtualnetworks": "virtualNetworks",
  "microsoft.network/networksecuritygroups": "networkSecurityGroups",
  "microsoft.network/routetables": "routeTables",
  "microsoft.network/publicipaddresses": "publicIps",
  "microsoft.network/natgateways": "natGateways",
};

/** Kubernetes kind -> the fact it feeds (`Secret` feeds pullSecrets; non-pull secrets are then dropped). */
const KUBE_KINDS: Record<string, FactKey> = {
  Event: "events",
  Pod: "pods",
  Node: "nodes",
  Secret: "pullSecrets",
  ServiceAccount: "serviceAccounts",
};

interface Ctx {
  file: string;
  rec: Recognition;
}

function add<K extends FactKey>(ctx: Ctx, kind: K, key: string, value: FactElement<K>): void {
  ctx.rec.kinds.add(kind);
  ctx.rec.items.push({ kind, key, value } as FactItem);
}

function describeKeys(o: JsonObject): string {
  const keys = Object.keys(o).sort();
  if (keys.length === 0) return "an empty object";
  const shown = keys.slice(0, 6).join(", ");
  return `top-level keys: ${shown}${keys.length > 6 ? ", ..." : ""}`;
}

/** The ARM type of an object: its `type` when it looks like `<Namespace>/<type>`, else implied by its id. */
function armType(o: JsonObject): string | undefined {
  const t = asStr(getKey(o, "type"));
  const known = t === undefined ? undefined : armTypeOfTypeField(t);
  return known ?? armTypeFromId(asNonEmpty(getKey(o, "id")));
}

// A tenant export repeats a handful of type strings hundreds of thousands of times: remember each one's verdict.
const typeFieldCache = new Map<string, string | null>();

/** The lower-cased ARM type a `type` field names, if it looks like `<Namespace>/<type>`. */
function armTypeOfTypeField(t: string): string | undefined {
  let v = typeFieldCache.get(t);
  if (v === undefined) {
    v = /^[A-Za-z0-9]+\.[A-Za-z0-9.]+\/[A-Za-z0-9/]+$/.test(t) ? t.toLowerCase() : null;
    if (typeFieldCache.size < 1024) typeFieldCache.set(t, v);
  }
  return v ?? undefined;
}

function armKey(ctx: Ctx, id: string, path: string): string {
  // the normalised id itself (it starts with "/", so it never meets an `at:` key): a prefix would copy every id once more
  return id ? normIdUnmemoised(id) : `at:${ctx.file}#${path}`;
}

/** Dispatch an object whose fact kind is known. */
function addArm(ctx: Ctx, kind: FactKey, o: JsonObject, path: string, isVmssResource: boolean): boolean {
  const s: Source = { file: ctx.file, path };
  switch (kind) {
    case "clusters": {
      const v = normaliseCluster(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    case "registries": {
      const v = normaliseRegistry(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    case "roleAssignments": {
      const v = normaliseRoleAssignment(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    case "subscriptions": {
      const v = normaliseSubscription(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    case "roleDefinitions": {
      const v = normaliseRoleDefinition(o, s);
      // the same role is listed at tenant level and per subscription: compare on the GUID
      add(ctx, kind, v.guid ? `guid:${v.guid}` : armKey(ctx, v.id, path), v);
      return true;
    }
    case "denyAssignments": {
      const v = normaliseDenyAssignment(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    case "userAssignedIdentities": {
      const v = normaliseUserAssignedIdentity(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    case "vmssIdentities": {
      if (isVmssResource && !isObj(getKey(o, "identity"))) {
        ctx.rec.unrecognised.push("VMSS without an identity block");
        return false;
      }
      const v = normaliseVmssIdentity(o, s, isVmssResource);
      add(ctx, kind, v.vmssId ? `id:${normId(v.vmssId)}` : `at:${ctx.file}#${path}`, v);
      return true;
    }
    case "privateEndpoints": {
      const v = normalisePrivateEndpoint(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    case "privateDnsZones": {
      const v = normalisePrivateDnsZone(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    case "privateDnsVnetLinks": {
      const v = normaliseVnetLink(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    case "privateDnsARecordSets": {
      const v = normaliseARecordSet(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    case "virtualNetworks": {
      const v = normaliseVirtualNetwork(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    case "networkSecurityGroups": {
      const v = normaliseNsg(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    case "routeTables": {
      const v = normaliseRouteTable(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    case "publicIps": {
      const v = normalisePublicIp(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    case "natGateways": {
      const v = normaliseNatGateway(o, s);
      add(ctx, kind, armKey(ctx, v.id, path), v);
      return true;
    }
    default:
      return false;
  }
}

function addKube(ctx: Ctx, kind: string, o: JsonObject, path: string): boolean {
  const s: Source = { file: ctx.file, path };
  const m = meta(o);
  const nsName = m.name ? `${m.namespace ?? ""}/${m.name}` : undefined;
  const key = (prefix: string): string =>
    nsName ? `${prefix}:${nsName}` : m.uid ? `${prefix}-uid:${m.uid}` : `at:${ctx.file}#${path}`;
  switch (kind) {
    case "Event":
      add(ctx, "events", key("ev"), normaliseEvent(o, s));
      return true;
    case "Pod":
      add(ctx, "pods", key("pod"), normalisePod(o, s));
      return true;
    case "Node":
      add(ctx, "nodes", key("node"), normaliseNode(o, s));
      return true;
    case "ServiceAccount":
      add(ctx, "serviceAccounts", key("sa"), normaliseServiceAccount(o, s));
      return true;
    case "Secret": {
      ctx.rec.kinds.add("pullSecrets");
      const v = normalisePullSecret(o, s);
      // any other secret type is dropped entirely, name included
      if (v) add(ctx, "pullSecrets", key("secret"), v);
      return true;
    }
    default:
      return false;
  }
}

const VMSS_IDENTITY_TYPE = /^(none|systemassigned|userassigned|systemassigned,\s*userassigned)$/i;

/** Objects without an ARM `type`: tell them apart by the fields only they have. */
function sniffKind(o: JsonObject): FactKey | "vmssIdentityShow" | undefined {
  const has = (...ks: string[]): boolean => ks.every((k) => getKey(o, k) !== undefined || getKey(getKey(o, "properties"), k) !== undefined);
  if (has("principalId", "roleDefinitionId")) return "roleAssignments";
  if (has("roleName", "permissions")) return "roleDefinitions";
  if (has("denyAssignmentName") || has("excludePrincipals", "permissions")) return "denyAssignments";
  if (has("agentPoolProfiles")) return "clusters";
  if (has("loginServer")) return "registries";
  const t = asStr(getKey(o, "type"));
  if (t && VMSS_IDENTITY_TYPE.test(t) && Object.keys(o).every((k) => ["principalId", "tenantId", "type", "userAssignedIdentities"].includes(k)))
    return "vmssIdentityShow";
  if (has("privateLinkServiceConnections") || has("manualPrivateLinkServiceConnections")) return "privateEndpoints";
  if (has("securityRules") || has("defaultSecurityRules")) return "networkSecurityGroups";
  if (has("aRecords")) return "privateDnsARecordSets";
  if (has("dhcpOptions") || has("addressSpace")) return "virtualNetworks";
  return undefined;
}

/** One item (not a container). Returns false and records why when it is not recognised. */
function visitItem(ctx: Ctx, v: Json, path: string, hint?: { kubeKind?: string; graph?: "servicePrincipal" | "application" }): boolean {
  ctx.rec.seen++;
  if (!isObj(v)) {
    ctx.rec.unrecognised.push(`${Array.isArray(v) ? "an array" : `a ${v === null ? "null" : typeof v}`} at ${path}`);
    return false;
  }
  const s: Source = { file: ctx.file, path };

  // Fast path for the bulk of a tenant export: a `type` in exact spelling naming an ARM type we read. No Kubernetes
  // object or error body carries one, so the probes below would all miss.
  const exactType = v["type"];
  if (typeof exactType === "string") {
    const t = armTypeOfTypeField(exactType);
    const kind = t === undefined ? undefined : ARM_KINDS[t];
    if (kind) return addArm(ctx, kind, v, path, kind === "vmssIdentities");
  }

  // Kubernetes objects carry `kind` + `apiVersion` (typed lists omit `kind` on their items)
  const kubeKind = asStr(getKey(v, "kind")) ?? hint?.kubeKind;
  if (kubeKind && (asStr(getKey(v, "apiVersion")) !== undefined || hint?.kubeKind) && isObj(getKey(v, "metadata"))) {
    if (addKube(ctx, kubeKind, v, path)) return true;
    ctx.rec.unrecognised.push(`Kubernetes ${kubeKind}`);
    return false;
  }

  if (getKey(v, "error") !== undefined && isObj(getKey(v, "error"))) {
    const lookup = directoryLookupFromError(v, s);
    if (lookup) {
      add(ctx, "directoryLookups", `at:${ctx.file}#${path}`, lookup);
      return true;
    }
    ctx.rec.unrecognised.push(`error body with code ${asStr(getKey(getKey(v, "error"), "code")) ?? "?"}`);
    return false;
  }

  const t = armType(v);
  if (t) {
    const kind = ARM_KINDS[t];
    if (kind) return addArm(ctx, kind, v, path, kind === "vmssIdentities");
    // a Graph object's id is a bare GUID, so it never yields an ARM type; anything else is an ARM type we do not use
    ctx.rec.unrecognised.push(`ARM type ${t}`);
    return false;
  }

  const g = graphKind(v) ?? hint?.graph;
  if (g === "servicePrincipal") {
    const sp = normaliseServicePrincipal(v, s);
    add(ctx, "servicePrincipals", sp.id ? `id:${sp.id.toLowerCase()}` : `at:${ctx.file}#${path}`, sp);
    return true;
  }
  if (g === "application") {
    const app = normaliseApplication(v, s);
    add(ctx, "applications", app.id ? `id:${app.id.toLowerCase()}` : `at:${ctx.file}#${path}`, app);
    return true;
  }

  const sniffed = sniffKind(v);
  if (sniffed === "vmssIdentityShow") return addArm(ctx, "vmssIdentities", v, path, false);
  if (sniffed) return addArm(ctx, sniffed, v, path, false);

  ctx.rec.unrecognised.push(describeKeys(v));
  return false;
}

const ARG_KEYS = ["count", "total_records", "totalRecords", "skip_token", "$skipToken", "skipToken", "resultTruncated", "facets"];
const LIST_WRAPPER_KEYS = new Set(["value", "@odata.context", "@odata.nextlink", "nextlink", "@odata.count", "@odata.deltalink", "count"]);
// Keys that make an object a resource rather than a list envelope; any other envelope key (a future `skipToken`,
// `totalRecords`, an annotation) must not stop a `{"value":[...]}` list from being read.
const RESOURCE_KEYS = new Set(["id", "type", "properties", "kind", "apiversion", "metadata", "name"]);
function isListEnvelope(o: Record<string, unknown>, value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  const keys = Object.keys(o).map((k) => k.toLowerCase());
  return keys.every((k) => LIST_WRAPPER_KEYS.has(k) || k.startsWith("@")) || !keys.some((k) => RESOURCE_KEYS.has(k));
}

/** Resource Graph `table` format: `{columns:[{name}], rows:[[...]]}` -> objects. */
function tableRows(data: JsonObject): JsonObject[] | undefined {
  const cols = asArr(getKey(data, "columns")).map((c) => asStr(getKey(c, "name")) ?? "");
  const rows = getKey(data, "rows");
  if (cols.length === 0 || !Array.isArray(rows)) return undefined;
  return rows.map((r) => {
    const o: JsonObject = {};
    asArr(r).forEach((x, i) => {
      const name = cols[i];
      if (name) o[name] = x;
    });
    return o;
  });
}

const GRAPH_DIRECTORY_SETS = new Set(["serviceprincipals", "applications"]);

/** A container or an item. `depth` stops pathological nesting of containers. */
function visit(ctx: Ctx, v: Json, path: string, depth: number): void {
  if (depth > 4) {
    ctx.rec.unrecognised.push(`nesting too deep at ${path}`);
    return;
  }
  if (Array.isArray(v)) {
    if (v.length === 0) ctx.rec.unrecognised.push("empty list, kind unknown");
    v.forEach((x, i) => {
      // a bare array of containers (rare) is unwrapped; otherwise every element is an item
      if (isObj(x) && isContainer(x)) visit(ctx, x, childPath(path, i), depth + 1);
      else visitItem(ctx, x, childPath(path, i));
    });
    return;
  }
  if (!isObj(v)) {
    ctx.rec.unrecognised.push(`a JSON ${v === null ? "null" : typeof v}`);
    return;
  }

  // `az graph query` / Resource Graph REST: rows keep `properties` and a lower-case `type`
  const data = getKey(v, "data");
  if (data !== undefined && ARG_KEYS.some((k) => getKey(v, k) !== undefined)) {
    const rows = Array.isArray(data) ? data : isObj(data) ? tableRows(data) : undefined;
    const rowsPath = Array.isArray(data) ? childPath(path, "data") : childPath(childPath(path, "data"), "rows");
    if (rows === undefined) {
      ctx.rec.unrecognised.push("Resource Graph result without rows");
      return;
    }
    if (rows.length === 0) ctx.rec.unrecognised.push("empty Resource Graph result, kind unknown");
    rows.forEach((r, i) => visitItem(ctx, r, childPath(rowsPath, i)));
    return;
  }

  // ARM / Graph list: `{"value":[...]}` (+ OData annotations / nextLink)
  const value = getKey(v, "value");
  if (Array.isArray(value) && isListEnvelope(v, value)) {
    const set = odataEntitySet(v);
    const setLower = (set ?? "").toLowerCase();
    const valuePath = childPath(path, "value");
    if (value.length === 0) {
      if (set && GRAPH_DIRECTORY_SETS.has(setLower)) {
        // an empty `$filter=appId eq '...'` result proves absence, but Graph does not echo the filter value
        add(ctx, "directoryLookups", `at:${ctx.file}#${valuePath}`, {
          id: "",
          idKind: "unknown",
          found: false,
          message: `${set} query returned no results`,
          source: { file: ctx.file, path: valuePath },
        });
      } else ctx.rec.unrecognised.push("empty list, kind unknown");
      return;
    }
    const graph = setLower === "serviceprincipals" ? "servicePrincipal" : setLower === "applications" ? "application" : undefined;
    value.forEach((x, i) => visitItem(ctx, x, childPath(valuePath, i), graph ? { graph } : undefined));
    return;
  }

  // Kubernetes `List` / `<Kind>List`
  const kind = asStr(getKey(v, "kind"));
  if (kind && kind.endsWith("List") && (Array.isArray(getKey(v, "items")) || getKey(v, "items") === undefined)) {
    const items = asArr(getKey(v, "items"));
    const itemKind = kind === "List" ? undefined : kind.slice(0, -"List".length);
    if (items.length === 0) {
      const fact = itemKind ? KUBE_KINDS[itemKind] : undefined;
      if (fact) ctx.rec.kinds.add(fact);
      else ctx.rec.unrecognised.push(itemKind ? `empty Kubernetes ${kind}` : "empty list, kind unknown");
      return;
    }
    const itemsPath = childPath(path, "items");
    items.forEach((x, i) => visitItem(ctx, x, childPath(itemsPath, i), itemKind ? { kubeKind: itemKind } : undefined));
    return;
  }

  visitItem(ctx, v, path);
}

function isContainer(o: JsonObject): boolean {
  // A `type` naming an ARM type marks a resource (RESOURCE_KEYS), never a list envelope or a Kubernetes list: most of a
  // tenant export, which the probes below would each scan key by key.
  const t = o["type"];
  if (typeof t === "string" && armTypeOfTypeField(t) !== undefined && !Array.isArray(o["items"])) return false;
  const value = getKey(o, "value");
  if (Array.isArray(value) && isListEnvelope(o, value)) return true;
  const kind = asStr(getKey(o, "kind"));
  return !!kind && kind.endsWith("List") && Array.isArray(getKey(o, "items"));
}

/** Recognise a parsed JSON document. */
export function recogniseJson(root: Json, file: string): Recognition {
  const rec: Recognition = { items: [], kinds: new Set(), unrecognised: [], seen: 0 };
  if (isExpectations(root)) {
    rec.skipped = "scenario expectations, not evidence";
    return rec;
  }
  const probe = recogniseProbeDocument(root, file);
  if (probe) return probe;
  visit({ file, rec }, root, "$", 0);
  return rec;
}
