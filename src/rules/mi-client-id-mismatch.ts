import { defineRule } from "../engine/types.js";
import { hasClusterOrAcr } from "./lib/applies.js";
import { identityOutcomes, isMiCluster } from "./lib/identity-rule.js";
import { q } from "./lib/commands.js";
import { clusterRg } from "./lib/principals.js";

export default defineRule({
  id: "mi-client-id-mismatch",
  codes: ["MI_CLIENT_ID_MISMATCH"],
  stage: "identity",
  title: "Nodes use a different identity than the cluster records",
  description: "On managed-identity clusters, compares the kubelet identity recorded on the cluster with the identity resource and with the identities attached to the node scale sets.",
  appliesTo: hasClusterOrAcr,
  requires: ["clusters"],
  check: (ctx) =>
    // The identity analysis records the VMSS comparison (pass or unknown) under this check name.
    identityOutcomes(ctx, "MI_CLIENT_ID_MISMATCH", isMiCluster, "kubelet identity attached to nodes",
      (a) => `Kubelet identity mismatch for ${a.principal.resourceId?.split("/").pop() ?? a.principal.clientId}`,
      (cluster, a) => [
        `az aks update --resource-group ${q(clusterRg(cluster))} --name ${q(cluster.name)} --assign-kubelet-identity ${q(a.principal.resourceId ?? "<KUBELET_IDENTITY_RESOURCE_ID>")}`,
        `az aks nodepool upgrade --resource-group ${q(clusterRg(cluster))} --cluster-name ${q(cluster.name)} --name <NODEPOOL> --node-image-only`,
      ]),
});
