import { defineRule } from "../engine/types.js";
import { hasClusterOrAcr } from "./lib/applies.js";
import { identityOutcomes, isMiCluster } from "./lib/identity-rule.js";
import { q } from "./lib/commands.js";
import { clusterRg } from "./lib/principals.js";

export default defineRule({
  id: "mi-not-found",
  codes: ["MI_NOT_FOUND"],
  stage: "identity",
  title: "Kubelet managed identity missing",
  description: "On managed-identity clusters, checks that the kubelet identity recorded in identityProfile.kubeletidentity exists and is attached to the node scale sets.",
  appliesTo: hasClusterOrAcr,
  requires: ["clusters"],
  check: (ctx) =>
    identityOutcomes(ctx, "MI_NOT_FOUND", isMiCluster, "kubelet identity attached to nodes",
      (a) => `Kubelet identity ${a.principal.resourceId?.split("/").pop() ?? a.principal.clientId} is missing`,
      (cluster, a) => [
        `# re-apply the cluster model: AKS re-attaches the recorded kubelet identity to every node pool scale set`,
        `az aks update --resource-group ${q(clusterRg(cluster))} --name ${q(cluster.name)}`,
        `# if the identity was deleted, create one and assign it (needs a user-assigned control-plane identity)`,
        `az identity create --resource-group ${q(clusterRg(cluster))} --name ${q(`${cluster.name}-kubelet`)}`,
        `az aks update --resource-group ${q(clusterRg(cluster))} --name ${q(cluster.name)} --assign-kubelet-identity ${q(a.principal.resourceId ?? "<KUBELET_IDENTITY_RESOURCE_ID>")}`,
      ]),
});
