// Which cluster does a piece of Kubernetes evidence belong to? kubectl output does not name its cluster, so an
// evidence tree is read the way people lay it out: one folder per cluster, `az aks show` beside the kubectl files.
import { posix } from "node:path";
import { normId, parseArmId } from "../snapshot/ids.js";
import type { Fact, FactKey, ManagedCluster, Snapshot, Source } from "../snapshot/types.js";

/** Facts that only make sense for one cluster: Kubernetes objects, the node scale sets' identities, id-less directory queries. */
export const CLUSTER_LOCAL_FACTS = ["events", "pods", "nodes", "pullSecrets", "serviceAccounts", "podDescriptions", "probeResults", "vmssIdentities", "directoryLookups"] as const satisfies readonly FactKey[];
export type ClusterLocalFact = (typeof CLUSTER_LOCAL_FACTS)[number];

type Element<K extends FactKey> = Snapshot[K] extends Fact<(infer E)[]> ? E : never;

export type LocalFacts = { [K in ClusterLocalFact]: Element<K>[] };

export interface Attribution {
  /** per normalised cluster id */
  byCluster: Map<string, LocalFacts>;
  /** files holding cluster-local facts that no single cluster claims (no cluster in the folder or above, or several) */
  unattributed: { file: string; reason: string; count: number }[];
}

function folderOf(file: string): string {
  const d = posix.dirname(file.replace(/\\/g, "/"));
  return d === "." ? "" : d;
}

function emptyLocal(): LocalFacts {
  return { events: [], pods: [], nodes: [], pullSecrets: [], serviceAccounts: [], podDescriptions: [], probeResults: [], vmssIdentities: [], directoryLookups: [] };
}

function value<K extends FactKey>(s: Snapshot, k: K): Element<K>[] {
  const f = s[k] as Fact<Element<K>[]>;
  return f.status === "ok" ? f.value : [];
}

/** Group cluster-local facts by the cluster whose `az aks show` sits in the same folder, or in the nearest ancestor folder holding clusters (when it holds exactly one), or whose name the folder (or an ancestor) bears. */
export function attribute(snapshot: Snapshot): Attribution {
  const clusters = value(snapshot, "clusters");
  const byFolder = new Map<string, ManagedCluster[]>();
  for (const c of clusters) {
    const f = folderOf(c.source.file);
    const list = byFolder.get(f) ?? [];
    list.push(c);
    byFolder.set(f, list);
  }
  // A VMSS resource names its node resource group, which AKS records on the cluster: that beats folder layout.
  const byNodeRg = new Map<string, ManagedCluster>();
  for (const c of clusters) if (c.nodeResourceGroup && c.subscriptionId) byNodeRg.set(`${c.subscriptionId.toLowerCase()}/${c.nodeResourceGroup.toLowerCase()}`, c);

  // A fleet export often keeps `az aks list` at the top and one folder per cluster, named after it, for kubectl output.
  const byName = new Map<string, ManagedCluster | null>();
  for (const c of clusters) {
    const n = c.name.toLowerCase();
    byName.set(n, byName.has(n) ? null : c); // a name used twice (two subscriptions) names no one
  }

  const folderOwner = new Map<string, ManagedCluster | string>();
  const ownerOfFolder = (folder: string): ManagedCluster | string => {
    const cached = folderOwner.get(folder);
    if (cached !== undefined) return cached;
    let owner: ManagedCluster | string = "no az aks show in its folder or any folder above it, and no folder named after a cluster";
    for (let f: string | undefined = folder; f !== undefined; f = f === "" ? undefined : folderOf(f)) {
      const here = byFolder.get(f);
      if (here && here.length > 0) {
        owner = here.length === 1 ? here[0]! : `${here.length} clusters in ${f || "the top folder"}: cannot tell which one it belongs to`;
        if (here.length === 1) break;
      }
      const named = f ? byName.get(posix.basename(f).toLowerCase()) : undefined;
      if (named) {
        owner = named;
        break;
      }
      if (here && here.length > 0) break;
    }
    folderOwner.set(folder, owner);
    return owner;
  };

  const byCluster = new Map<string, LocalFacts>();
  const unattributed = new Map<string, { file: string; reason: string; count: number }>();
  const assign = <K extends ClusterLocalFact>(k: K, item: Element<K>, source: Source, direct?: ManagedCluster): void => {
    const owner = direct ?? ownerOfFolder(folderOf(source.file));
    if (typeof owner === "string") {
      const u = unattributed.get(source.file) ?? { file: source.file, reason: owner, count: 0 };
      u.count++;
      unattributed.set(source.file, u);
      return;
    }
    const key = normId(owner.id) || owner.name;
    let local = byCluster.get(key);
    if (!local) byCluster.set(key, (local = emptyLocal()));
    (local[k] as Element<K>[]).push(item);
  };

  for (const k of CLUSTER_LOCAL_FACTS) {
    for (const item of value(snapshot, k)) {
      if (k === "directoryLookups" && (item as Element<"directoryLookups">).id) continue; // a lookup by id is a global fact
      let direct: ManagedCluster | undefined;
      if (k === "vmssIdentities") {
        const p = parseArmId((item as Element<"vmssIdentities">).vmssId ?? "");
        if (p.subscriptionId && p.resourceGroup) direct = byNodeRg.get(`${p.subscriptionId.toLowerCase()}/${p.resourceGroup.toLowerCase()}`);
      }
      assign(k, item as Element<typeof k>, (item as { source: Source }).source, direct);
    }
  }
  return { byCluster, unattributed: [...unattributed.values()].sort((a, b) => (a.file < b.file ? -1 : 1)) };
}

export function localFactsOf(a: Attribution, cluster: ManagedCluster): LocalFacts {
  return a.byCluster.get(normId(cluster.id) || cluster.name) ?? emptyLocal();
}
