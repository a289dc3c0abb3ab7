// Evidence folder -> Snapshot. Files are recognised by content, merged (the same resource may come twice, in
// different shapes and id casing), and every bad file becomes a one-line report instead of an exception.

import { readFileSync } from "node:fs";
import { readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  FACT_KEYS,
  SNAPSHOT_SCHEMA_VERSION,
  type DirectoryLookup,
  type EvidenceFileReport,
  type Fact,
  type FactKey,
  type Snapshot,
} from "../snapshot/types.js";
import { decodeText, parseJson } from "./decode.js";
import { looksLikeDescribePod, parseDescribePods } from "./describe.js";
import { recogniseJson, type FactElement, type FactItem } from "./recognise.js";
import { findGuid, prune } from "./util.js";

export interface ReadOptions {
  now?: Date;
  targets?: { images: string[]; registries: string[] };
}

/** Larger files are refused: parsing them would need several times their size in memory. */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;
const MAX_DIR_DEPTH = 32;

/** What each fact is and the command that produces it, for "skipped" reasons. */
const FACT_HELP: Record<FactKey, [thing: string, command: string]> = {
  clusters: ["AKS cluster", "az aks show -g RG -n CLUSTER -o json"],
  registries: ["container registry", "az acr show -n REGISTRY -o json"],
  roleAssignments: ["role assignments", "az role assignment list --all -o json"],
  subscriptions: [
    "subscription management-group ancestry",
    "az graph query -q \"resourcecontainers | where type =~ 'microsoft.resources/subscriptions'\" --first 1000 -o json",
  ],
  roleDefinitions: ["role definitions", "az role definition list --custom-role-only true -o json"],
  denyAssignments: [
    "deny assignments",
    "az rest --method get --url https://management.azure.com/subscriptions/SUB/providers/Microsoft.Authorization/denyAssignments?api-version=2022-04-01",
  ],
  servicePrincipals: ["service principals", "az ad sp show --id APP_ID"],
  applications: ["app registrations", "az ad app show --id APP_ID"],
  directoryLookups: [
    "directory lookups",
    "az rest --method get --url https://graph.microsoft.com/v1.0/directoryObjects/OBJECT_ID",
  ],
  userAssignedIdentities: ["managed identities", "az identity show --ids KUBELET_IDENTITY_RESOURCE_ID -o json"],
  vmssIdentities: ["VMSS identities", "az vmss identity show -g NODE_RG -n VMSS -o json"],
  privateEndpoints: ["private endpoints", "az network private-endpoint list -o json"],
  privateDnsZones: ["private DNS zones", "az network private-dns zone list -o json"],
  privateDnsVnetLinks: [
    "private DNS zone virtual network links",
    "az network private-dns link vnet list -g RG -z privatelink.azurecr.io -o json",
  ],
  privateDnsARecordSets: [
    "private DNS A records",
    "az network private-dns record-set a list -g RG -z privatelink.azurecr.io -o json",
  ],
  virtualNetworks: ["virtual networks", "az network vnet show -g RG -n VNET -o json"],
  networkSecurityGroups: ["network security groups", "az network nsg show -g RG -n NSG -o json"],
  routeTables: ["route tables", "az network route-table show -g RG -n ROUTE_TABLE -o json"],
  publicIps: ["public IP addresses", "az network public-ip show --ids PUBLIC_IP_ID -o json"],
  natGateways: ["NAT gateways", "az network nat gateway show -g RG -n NAT_GATEWAY -o json"],
  events: ["Kubernetes events", "kubectl get events -A -o json"],
  pods: ["pods", "kubectl get pods -A -o json"],
  nodes: ["nodes", "kubectl get nodes -o json"],
  pullSecrets: ["secrets", "kubectl get secrets -n NAMESPACE -o json"],
  serviceAccounts: ["service accounts", "kubectl get serviceaccounts -n NAMESPACE -o json"],
  podDescriptions: ["pod descriptions", "kubectl describe pod -n NAMESPACE POD > describe-pod.txt"],
  probeResults: ["node-side probe results", "pulldoctor probe --image IMAGE --output probe.json"],
};

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, " ").trim();
}

function errCode(e: unknown): string {
  if (typeof e === "object" && e !== null && "code" in e && typeof (e as { code: unknown }).code === "string") {
    return (e as { code: string }).code;
  }
  return e instanceof Error ? oneLine(e.message) : "unknown error";
}

// ───────────── one file ─────────────

interface FileResult {
  report: EvidenceFileReport;
  items: FactItem[];
  kinds: Set<FactKey>;
}

function looksLikeJson(trimmed: string): boolean {
  return trimmed.startsWith("{") || /^\[\s*([[{"\]\d-]|true|false|null|$)/.test(trimmed);
}

/** `az ad sp show` for a deleted principal prints the Graph message as text (stderr redirected into the file). */
function lookupsFromText(text: string, file: string): FactItem[] {
  const out: FactItem[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const graph = /Resource '([^']+)' does not exist or one of its queried reference-property objects are not present/.exec(line);
    const arm = /Principal (\w+) does not exist in the directory/.exec(line);
    const id = findGuid(graph?.[1] ?? arm?.[1] ?? "");
    if (!id) return;
    const value: DirectoryLookup = {
      id,
      idKind: arm ? "objectId" : "unknown",
      found: false,
      message: oneLine(line.replace(/^ERROR:\s*/, "")).slice(0, 300),
      source: { file, path: `line ${i + 1}` },
    };
    out.push({ kind: "directoryLookups", key: `at:${file}#line ${i + 1}`, value });
  });
  return out;
}

function summarise(reasons: string[]): string {
  const uniq = [...new Set(reasons)];
  return uniq.slice(0, 3).join("; ") + (uniq.length > 3 ? `; and ${uniq.length - 3} more` : "");
}

export function analyseFile(file: string, content: string | Buffer): FileResult {
  const none = (status: EvidenceFileReport["status"], reason: string): FileResult => ({
    report: { file, status, kinds: [], reason: oneLine(reason) },
    items: [],
    kinds: new Set(),
  });
  const size = typeof content === "string" ? content.length : content.byteLength;
  if (size > MAX_FILE_BYTES) return none("error", `file too large: ${size} bytes (limit 256 MiB)`);
  const decoded = decodeText(content);
  if (!decoded.ok) return none("skipped", decoded.reason);
  const text = decoded.text;
  const trimmed = text.trim();
  if (trimmed === "") return none("skipped", "empty file");
  const isJsonName = /\.json$/i.test(file);

  let jsonError: string | undefined;
  if (looksLikeJson(trimmed) || isJsonName) {
    const parsed = parseJson(text);
    if (parsed.ok) {
      const rec = recogniseJson(parsed.value, file);
      if (rec.skipped) return none("skipped", rec.skipped);
      if (rec.kinds.size === 0) {
        const only = rec.unrecognised.length === 1 ? rec.unrecognised[0]! : undefined;
        // "empty list, kind unknown" is its own reason; everything else is "not recognised (...)"
        if (only?.startsWith("empty")) return none("skipped", only);
        return none("skipped", `not recognised (${summarise(rec.unrecognised) || "no known fields"})`);
      }
      const kinds = FACT_KEYS.filter((k) => rec.kinds.has(k));
      const missed = rec.unrecognised.length;
      return {
        report: {
          file,
          status: "used",
          kinds,
          reason: missed > 0 ? oneLine(`${missed} of ${rec.seen} items not recognised (${summarise(rec.unrecognised)})`) : undefined,
        },
        items: rec.items,
        kinds: rec.kinds,
      };
    }
    if (looksLikeJson(trimmed)) return none("error", parsed.reason);
    jsonError = parsed.reason;
  }

  if (looksLikeDescribePod(text)) {
    const items: FactItem[] = parseDescribePods(text, file).map((d) => ({
      kind: "podDescriptions",
      key: d.namespace && d.name ? `pod:${d.namespace}/${d.name}` : `at:${file}#${d.source.path}`,
      value: d,
    }));
    return { report: { file, status: "used", kinds: ["podDescriptions"] }, items, kinds: new Set(["podDescriptions"]) };
  }
  const lookups = lookupsFromText(text, file);
  if (lookups.length > 0) {
    return { report: { file, status: "used", kinds: ["directoryLookups"] }, items: lookups, kinds: new Set(["directoryLookups"]) };
  }
  if (jsonError) return none("error", jsonError);
  if (/^(apiVersion|kind):\s/m.test(text)) return none("skipped", "not recognised (YAML; save the output with `-o json`)");
  return none("skipped", "not recognised (text that is not `kubectl describe pod` output)");
}

// ───────────── merging ─────────────

function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Fill what the first copy lacks (undefined or "") from a later copy; nested objects recursively; arrays kept. */
export function fillMissing(first: unknown, later: unknown): unknown {
  if (first === undefined || first === "") return later === undefined ? first : later;
  if (isPlain(first) && isPlain(later)) {
    const out: Record<string, unknown> = { ...first };
    for (const [k, v] of Object.entries(later)) out[k] = fillMissing(first[k], v);
    return out;
  }
  return first;
}

/** A 404 body names the id but not whether it was an object id or an app id: tell from the rest of the snapshot. */
function inferIdKinds(lookups: DirectoryLookup[], items: Map<FactKey, Map<string, unknown>>): DirectoryLookup[] {
  const objectIds = new Set<string>();
  const appIds = new Set<string>();
  const each = <K extends FactKey>(k: K, f: (v: FactElement<K>) => void): void => {
    for (const v of items.get(k)?.values() ?? []) f(v as FactElement<K>);
  };
  const addTo = (set: Set<string>, id: string | undefined): void => {
    if (id) set.add(id.toLowerCase());
  };
  each("roleAssignments", (r) => addTo(objectIds, r.principalId));
  each("clusters", (c) => {
    addTo(objectIds, c.kubeletIdentity?.objectId);
    addTo(objectIds, c.identity?.principalId);
    addTo(appIds, c.kubeletIdentity?.clientId);
    if (c.servicePrincipalClientId?.toLowerCase() !== "msi") addTo(appIds, c.servicePrincipalClientId);
  });
  each("userAssignedIdentities", (u) => {
    addTo(objectIds, u.principalId);
    addTo(appIds, u.clientId);
  });
  return lookups.map((l) => {
    if (l.idKind !== "unknown" || !l.id) return l;
    if (objectIds.has(l.id)) return { ...l, idKind: "objectId" };
    if (appIds.has(l.id)) return { ...l, idKind: "appId" };
    return l;
  });
}

// ───────────── the snapshot ─────────────

/** Incremental builder: files are analysed one at a time so their content can be released. */
export class SnapshotBuilder {
  private readonly reports: EvidenceFileReport[] = [];
  private readonly items = new Map<FactKey, Map<string, unknown>>();
  private readonly contributed = new Set<FactKey>();

  addFile(name: string, content: string | Buffer): void {
    let result: FileResult;
    try {
      result = analyseFile(name, content);
    } catch (e) {
      // a normaliser bug must not lose the rest of the folder
      this.reports.push({ file: name, status: "error", kinds: [], reason: `could not be read: ${errCode(e)}` });
      return;
    }
    this.reports.push(result.report);
    for (const k of result.kinds) this.contributed.add(k);
    for (const it of result.items) {
      let m = this.items.get(it.kind);
      if (!m) this.items.set(it.kind, (m = new Map()));
      const prev = m.get(it.key);
      m.set(it.key, prev === undefined ? it.value : fillMissing(prev, it.value));
    }
  }

  addReport(report: EvidenceFileReport): void {
    this.reports.push({ ...report, reason: report.reason === undefined ? undefined : oneLine(report.reason) });
  }

  build(options: ReadOptions | undefined, location: string | undefined): Snapshot {
    const now = (options?.now ?? new Date()).toISOString();
    const fact = <K extends FactKey>(k: K): Fact<FactElement<K>[]> => {
      if (!this.contributed.has(k)) {
        const [thing, command] = FACT_HELP[k];
        return { status: "skipped", reason: `no ${thing} in the evidence (e.g. \`${command}\`)` };
      }
      let values = [...(this.items.get(k)?.values() ?? [])] as FactElement<K>[];
      if (k === "directoryLookups") values = inferIdKinds(values as DirectoryLookup[], this.items) as FactElement<K>[];
      return { status: "ok", value: values.map((v) => prune(v)) };
    };
    const files = [...this.reports].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    return {
      schemaVersion: SNAPSHOT_SCHEMA_VERSION,
      collectedAt: now,
      now,
      input: { kind: "evidence", location, files: files.map((f) => prune(f)) },
      targets: { images: [...(options?.targets?.images ?? [])], registries: [...(options?.targets?.registries ?? [])] },
      clusters: fact("clusters"),
      registries: fact("registries"),
      roleAssignments: fact("roleAssignments"),
      subscriptions: fact("subscriptions"),
      roleDefinitions: fact("roleDefinitions"),
      denyAssignments: fact("denyAssignments"),
      servicePrincipals: fact("servicePrincipals"),
      applications: fact("applications"),
      directoryLookups: fact("directoryLookups"),
      userAssignedIdentities: fact("userAssignedIdentities"),
      vmssIdentities: fact("vmssIdentities"),
      privateEndpoints: fact("privateEndpoints"),
      privateDnsZones: fact("privateDnsZones"),
      privateDnsVnetLinks: fact("privateDnsVnetLinks"),
      privateDnsARecordSets: fact("privateDnsARecordSets"),
      virtualNetworks: fact("virtualNetworks"),
      networkSecurityGroups: fact("networkSecurityGroups"),
      routeTables: fact("routeTables"),
      publicIps: fact("publicIps"),
      natGateways: fact("natGateways"),
      events: fact("events"),
      pods: fact("pods"),
      nodes: fact("nodes"),
      pullSecrets: fact("pullSecrets"),
      serviceAccounts: fact("serviceAccounts"),
      podDescriptions: fact("podDescriptions"),
      probeResults: fact("probeResults"),
    };
  }
}

/** Pure: the Snapshot of in-memory files (name -> content), in the order given (earlier copies win merges). */
export function snapshotFromFiles(files: { name: string; content: string | Buffer }[], options?: ReadOptions): Snapshot {
  const b = new SnapshotBuilder();
  for (const f of files) b.addFile(f.name.replace(/\\/g, "/"), f.content);
  return b.build(options, undefined);
}

// ───────────── the folder ─────────────

async function walk(b: SnapshotBuilder, abs: string, rel: string, visited: Set<string>, depth: number): Promise<void> {
  let entries: string[];
  try {
    entries = (await readdir(abs)).sort();
  } catch (e) {
    b.addReport({ file: rel || ".", status: "error", kinds: [], reason: `cannot list directory: ${errCode(e)}` });
    return;
  }
  for (const name of entries) {
    if (name.startsWith(".")) continue; // dot-files: editor swap files, .DS_Store, .git
    const relPath = rel ? `${rel}/${name}` : name;
    const absPath = join(abs, name);
    let st;
    try {
      st = await stat(absPath);
    } catch (e) {
      const code = errCode(e);
      const reason = code === "ELOOP" ? "symlink loop" : code === "ENOENT" ? "broken symlink" : `cannot read: ${code}`;
      b.addReport({ file: relPath, status: "error", kinds: [], reason });
      continue;
    }
    if (st.isDirectory()) {
      if (/\.(json|txt)$/i.test(name)) {
        b.addReport({ file: relPath, status: "skipped", kinds: [], reason: "a directory, not a file (its files are read as a subfolder)" });
      }
      let real: string;
      try {
        real = await realpath(absPath);
      } catch (e) {
        b.addReport({ file: relPath, status: "error", kinds: [], reason: `cannot read directory: ${errCode(e)}` });
        continue;
      }
      if (visited.has(real)) {
        b.addReport({ file: relPath, status: "skipped", kinds: [], reason: "directory already read (symlink cycle)" });
        continue;
      }
      if (depth >= MAX_DIR_DEPTH) {
        b.addReport({ file: relPath, status: "skipped", kinds: [], reason: `nested deeper than ${MAX_DIR_DEPTH} folders` });
        continue;
      }
      visited.add(real);
      await walk(b, absPath, relPath, visited, depth + 1);
      continue;
    }
    if (!st.isFile()) {
      // FIFOs and devices would block or never end
      b.addReport({ file: relPath, status: "skipped", kinds: [], reason: "not a regular file" });
      continue;
    }
    if (st.size > MAX_FILE_BYTES) {
      b.addReport({ file: relPath, status: "error", kinds: [], reason: `file too large: ${st.size} bytes (limit 256 MiB)` });
      continue;
    }
    let content: Buffer;
    try {
      // synchronous: files are analysed one after another anyway, and the promise API costs ~10 % of a fleet read
      content = readFileSync(absPath);
    } catch (e) {
      b.addReport({ file: relPath, status: "error", kinds: [], reason: `cannot read: ${errCode(e)}` });
      continue;
    }
    b.addFile(relPath, content);
  }
}

/** Read every file under `dir` (recursively). Throws only when `dir` itself is missing or not a directory. */
export async function readEvidenceFolder(dir: string, options?: ReadOptions): Promise<Snapshot> {
  let st;
  try {
    st = await stat(dir);
  } catch (e) {
    throw new Error(`evidence folder ${dir} cannot be read: ${errCode(e) === "ENOENT" ? "it does not exist" : errCode(e)}`);
  }
  if (!st.isDirectory()) throw new Error(`evidence folder ${dir} is not a directory`);
  const b = new SnapshotBuilder();
  let root = dir;
  try {
    root = await realpath(dir);
  } catch {
    // keep dir; stat succeeded so reading will report its own errors
  }
  await walk(b, dir, "", new Set([root]), 0);
  return b.build(options, dir);
}
