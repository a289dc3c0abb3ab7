import { defineRule } from "../engine/types.js";
import { hasClusterOrAcr } from "./lib/applies.js";
import { identityOutcomes, isSpCluster } from "./lib/identity-rule.js";
import { migrateToManagedIdentity, resetSpCredentials } from "./lib/commands.js";

export default defineRule({
  id: "sp-secret-expired",
  codes: ["SP_SECRET_EXPIRED"],
  stage: "identity",
  title: "Service principal credentials expired",
  description: "On service-principal clusters, checks that at least one client secret or certificate of the cluster's service principal is still valid, and looks for AADSTS7000222 sign-in failures.",
  appliesTo: hasClusterOrAcr,
  requires: ["clusters"],
  check: (ctx) =>
    identityOutcomes(ctx, "SP_SECRET_EXPIRED", isSpCluster, "service principal credential expiry",
      (a) => `Service principal ${a.principal.clientId} has no valid secret`,
      (cluster, a) => [...resetSpCredentials(cluster, a.principal.clientId ?? "<APP_ID>"), migrateToManagedIdentity(cluster)]),
});
