import { defineRule } from "../engine/types.js";
import { hasClusterOrAcr } from "./lib/applies.js";
import { identityOutcomes, isSpCluster } from "./lib/identity-rule.js";
import { migrateToManagedIdentity, q } from "./lib/commands.js";
import { clusterRg } from "./lib/principals.js";

export default defineRule({
  id: "sp-not-found",
  codes: ["SP_NOT_FOUND"],
  stage: "identity",
  title: "Service principal deleted",
  description: "On service-principal clusters, checks that the cluster's service principal still exists (Graph 404 or empty lookup, AADSTS700016).",
  appliesTo: hasClusterOrAcr,
  requires: ["clusters"],
  check: (ctx) =>
    identityOutcomes(ctx, "SP_NOT_FOUND", isSpCluster, "service principal exists",
      (a) => `Service principal ${a.principal.clientId} no longer exists`,
      (cluster) => [
        migrateToManagedIdentity(cluster),
        `# or keep a service principal: create one and hand it to the cluster`,
        `SP_JSON=$(az ad sp create-for-rbac --name ${q(`${cluster.name}-sp`)} --output json)`,
        `az aks update-credentials --resource-group ${q(clusterRg(cluster))} --name ${q(cluster.name)} --reset-service-principal --service-principal "$(echo "$SP_JSON" | jq -r .appId)" --client-secret "$(echo "$SP_JSON" | jq -r .password)"`,
        `# then grant the new identity AcrPull on each registry (az aks update --attach-acr <REGISTRY_ID>)`,
      ]),
});
