// A scenario (evidence) folder, indexed as the resources the sandbox serves. Files are classified by the SAME
// recogniser as `diagnose --evidence` (so both paths agree on what each object is); the raw object behind each
// recognised item is then served in the wire shape of its API.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { recogniseJson } from "../evidence/recognise.js";
import { decodeText, parseJson } from "../evidence/decode.js";
import { normId, parseArmId, scopeContains } from "../snapshot/ids.js";
import { toArmWire, type Json, type JsonObject } from "./wire.js";

export interface ArmEntry {
  id: string;
  /** lower-case ARM type, e.g. microsoft.network/publicipaddresses */
  type: string;
  body: JsonObject;
}

export interface ScopedEntry {
  id: string;
  scope: string;
  principalId?: string;
  body: JsonObject;
}

export interface Scenario {
  dir: string;
  /** every addressable ARM resource by normalised id */
  arm: Map<string, ArmEntry>;
  roleAssignments: ScopedEntry[];
  denyAssignments: ScopedEntry[];
  graph: {
    servicePrincipals: JsonObject[];
    applications: JsonObject[];
    /** lower-case object/app id -> the 404 body that proves it does not exist */
    notFound: Map<string, JsonObject>;
  };
  kube: { events: JsonObject[]; pods: JsonObject[]; nodes: JsonObject[]; secrets: JsonObject[]; serviceAccounts: JsonObject[] };
  /** the cluster the scenario is about (the first one found) */
  cluster?: { subscriptionId: string; resourceGroup: string; name: string; tenantId?: string };
  tenantId: string;
}

/** Resolve a recogniser path (`$`, `$[2]`, `$.value[0]`, `$["a.b"]`) back to the raw object. */
export function resolvePath(root: Json, path: string): Json | undefined {
  let cur: Json | undefined = root;
  const re = /\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g;
  if (!path.startsWith("$")) return undefined;
  let m: RegExpExecArray | null;
  let consumed = 1;
  while ((m = re.exec(path)) !== null) {
    if (m.index !== consumed) return undefined;
    consumed = m.index + m[0].length;
    if (cur === null || typeof cur !== "object") return undefined;
    if (m[1] !== undefined) cur = Array.isArray(cur) ? undefined : cur[m[1]];
    else if (m[2] !== undefined) cur = Array.isArray(cur) ? cur[Number(m[2])] : undefined;
    else cur = Array.isArray(cur) ? undefined : cur[JSON.parse(m[3]!) as string];
  }
  return consumed === path.length ? cur : undefined;
}

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

export function loadScenario(dir: string): Scenario {
  const sc: Scenario = {
    dir,
    arm: new Map(),
    roleAssignments: [],
    denyAssignments: [],
    graph: { servicePrincipals: [], applications: [], notFound: new Map() },
    kube: { events: [], pods: [], nodes: [], secrets: [], serviceAccounts: [] },
    tenantId: "00000000-0000-0000-0000-000000000000",
  };
  const bareVmssIdentities: JsonObject[] = [];
  const unresolvedPrincipals = new Set<string>();
  const seenKube = new Set<string>();
  const files = readdirSync(dir).filter((f) => /\.json$/i.test(f) && f !== "expected.json" && statSync(join(dir, f)).isFile()).sort();
  for (const file of files) {
    const decoded = decodeText(readFileSync(join(dir, file)));
    if (!decoded.ok) continue;
    const parsed = parseJson(decoded.text);
    if (!parsed.ok) continue;
    const doc = parsed.value as Json;
    const rec = recogniseJson(parsed.value, file);
    for (const item of rec.items) {
      const raw = resolvePath(doc, item.value.source.path);
      if (!isObj(raw)) continue;
      const kubeKey = (list: string): boolean => {
        const m = isObj(raw["metadata"]) ? raw["metadata"] : {};
        const key = `${list}:${String(m["namespace"] ?? "")}/${String(m["name"] ?? "")}`;
        if (seenKube.has(key)) return false;
        seenKube.add(key);
        return true;
      };
      switch (item.kind) {
        case "events": if (kubeKey("ev")) sc.kube.events.push(raw); break;
        case "pods": if (kubeKey("pod")) sc.kube.pods.push(raw); break;
        case "nodes": if (kubeKey("node")) sc.kube.nodes.push(raw); break;
        case "pullSecrets": if (kubeKey("secret")) sc.kube.secrets.push(raw); break;
        case "serviceAccounts": if (kubeKey("sa")) sc.kube.serviceAccounts.push(raw); break;
        case "servicePrincipals": sc.graph.servicePrincipals.push(raw); break;
        case "applications": sc.graph.applications.push(raw); break;
        case "directoryLookups": {
          if (item.value.id && !item.value.found) sc.graph.notFound.set(item.value.id.toLowerCase(), raw);
          break;
        }
        case "roleAssignments": {
          const v = item.value;
          if (!sc.roleAssignments.some((r) => normId(r.id) === normId(v.id))) {
            sc.roleAssignments.push({ id: v.id, scope: v.scope, principalId: v.principalId, body: toArmWire(raw) });
          }
          // az prints an empty principalName when Graph cannot resolve the principal: the scenario says it is gone
          if (v.principalName === "" && v.principalId) unresolvedPrincipals.add(v.principalId.toLowerCase());
          break;
        }
        case "denyAssignments": {
          const v = item.value;
          if (!sc.denyAssignments.some((r) => normId(r.id) === normId(v.id))) sc.denyAssignments.push({ id: v.id, scope: v.scope, body: toArmWire(raw) });
          break;
        }
        case "vmssIdentities": {
          if (item.value.vmssId) addArm(sc, "microsoft.compute/virtualmachinescalesets", toArmWire(raw));
          else bareVmssIdentities.push(raw);
          break;
        }
        default: {
          const body = toArmWire(raw);
          const id = typeof body["id"] === "string" ? body["id"] : "";
          if (!id) break;
          addArm(sc, armTypeOf(body), body);
        }
      }
    }
  }
  for (const c of sc.arm.values()) {
    if (c.type !== "microsoft.containerservice/managedclusters") continue;
    const p = parseArmId(c.id);
    const identity = isObj(c.body["identity"]) ? c.body["identity"] : {};
    const tenant = typeof identity["tenantId"] === "string" ? identity["tenantId"] : undefined;
    sc.cluster = { subscriptionId: p.subscriptionId ?? "", resourceGroup: p.resourceGroup ?? "", name: p.name ?? "", tenantId: tenant };
    if (tenant) sc.tenantId = tenant;
    // `az vmss identity show` prints only the identity block: serve it as the node pool's scale set
    const props = isObj(c.body["properties"]) ? c.body["properties"] : {};
    const nodeRg = typeof props["nodeResourceGroup"] === "string" ? props["nodeResourceGroup"] : undefined;
    const pools = Array.isArray(props["agentPoolProfiles"]) ? props["agentPoolProfiles"] : [];
    bareVmssIdentities.forEach((identityBlock, i) => {
      if (!nodeRg) return;
      const pool = isObj(pools[i]) && typeof pools[i]["name"] === "string" ? pools[i]["name"] : `nodepool${i + 1}`;
      const name = `aks-${pool}-${String(10000000 + i * 1111111)}-vmss`;
      const id = `/subscriptions/${p.subscriptionId}/resourceGroups/${nodeRg}/providers/Microsoft.Compute/virtualMachineScaleSets/${name}`;
      addArm(sc, "microsoft.compute/virtualmachinescalesets", {
        id, name, type: "Microsoft.Compute/virtualMachineScaleSets", location: String(c.body["location"] ?? "westeurope"),
        identity: identityBlock, properties: { provisioningState: "Succeeded" },
      });
    });
    break;
  }
  for (const id of unresolvedPrincipals) {
    if (!sc.graph.notFound.has(id)) sc.graph.notFound.set(id, graphNotFoundBody(id));
  }
  return sc;
}

/** Graph's real 404 body for a directory object that does not exist (api-shapes.md §4.4). */
export function graphNotFoundBody(id: string): JsonObject {
  return {
    error: {
      code: "Request_ResourceNotFound",
      message: `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
      innerError: { date: "2026-11-28T00:00:00", "request-id": "00000000-0000-0000-0000-000000000000", "client-request-id": "00000000-0000-0000-0000-000000000000" },
    },
  };
}

function armTypeOf(body: JsonObject): string {
  const t = typeof body["type"] === "string" ? body["type"] : "";
  if (/^[A-Za-z0-9]+\.[A-Za-z0-9.]+\/[A-Za-z0-9/]+$/.test(t)) return t.toLowerCase();
  const p = parseArmId(String(body["id"] ?? ""));
  return (p.type ?? "").toLowerCase();
}

function addArm(sc: Scenario, type: string, body: JsonObject): void {
  const id = String(body["id"] ?? "");
  const key = normId(id);
  const prev = sc.arm.get(key);
  // the same resource may come twice (az list + raw GET): keep the richer copy
  if (prev && JSON.stringify(prev.body).length >= JSON.stringify(body).length) return;
  sc.arm.set(key, { id, type, body });
}

/** Role/deny assignments visible from `scope`: at, above and below it (ARM listForScope without $filter). */
export function assignmentsVisibleAt(list: ScopedEntry[], scope: string, mode: "all" | "atScope"): ScopedEntry[] {
  return list.filter((a) => scopeContains(a.scope, scope) || (mode === "all" && scopeContains(scope, a.scope)));
}

export function isGuid(s: string): boolean {
  return GUID.test(s);
}
