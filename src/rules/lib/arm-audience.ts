import type { RuleContext } from "../../engine/types.js";
import type { ManagedCluster } from "../../snapshot/types.js";
import { factValue } from "./principals.js";

// The ACR credential provider switched from ARM-audience to ACR-audience Entra tokens in
// kubernetes-sigs/cloud-provider-azure#8593 (March 2025), backported to release-1.29 and later only
// (#8696-#8699). So a kubelet older than 1.29 always presents ARM-audience tokens; 1.29+ does on node images
// built before the fix, which the evidence cannot date exactly.

export interface KubeletVersionView {
  minor: number;
  version: string;
  from: { source: string; path: string };
}

function parseMinor(v: string | undefined): number | undefined {
  const m = /^v?1\.(\d+)/.exec(v ?? "");
  return m ? Number(m[1]) : undefined;
}

/** The lowest kubelet minor version in the cluster: nodes first, then node pools, then the cluster. */
export function lowestKubelet(ctx: RuleContext, cluster: ManagedCluster): KubeletVersionView | undefined {
  const nodes = factValue(ctx.snapshot.nodes) ?? [];
  const fromNodes = nodes.map((n) => ({ v: n.kubeletVersion, from: { source: n.source.file, path: `${n.source.path}.status.nodeInfo.kubeletVersion` } }));
  const fromPools = cluster.agentPools.map((p, i) => ({ v: p.currentOrchestratorVersion ?? p.orchestratorVersion, from: { source: cluster.source.file, path: `${cluster.source.path}.agentPoolProfiles[${i}].currentOrchestratorVersion` } }));
  const fromCluster = [{ v: cluster.currentKubernetesVersion ?? cluster.kubernetesVersion, from: { source: cluster.source.file, path: `${cluster.source.path}.currentKubernetesVersion` } }];
  for (const list of [fromNodes, fromPools, fromCluster]) {
    const parsed = list.map((x) => ({ ...x, minor: parseMinor(x.v) })).filter((x): x is typeof x & { minor: number; v: string } => x.minor !== undefined);
    if (parsed.length === 0) continue;
    const low = parsed.reduce((a, b) => (b.minor < a.minor ? b : a));
    return { minor: low.minor, version: low.v, from: low.from };
  }
  return undefined;
}

export const FIRST_ACR_AUDIENCE_MINOR = 29;
