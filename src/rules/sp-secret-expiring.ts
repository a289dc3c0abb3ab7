import { defineRule } from "../engine/types.js";
import { hasClusterOrAcr } from "./lib/applies.js";
import { identityOutcomes, isSpCluster } from "./lib/identity-rule.js";
import { migrateToManagedIdentity, resetSpCredentials } from "./lib/commands.js";

export default defineRule({
  id: "sp-secret-expiring",
  codes: ["SP_SECRET_EXPIRING"],
  stage: "identity",
  title: "Service principal credential expires soon",
  description: "On service-principal clusters, warns when the newest valid credential of the cluster's service principal expires within the warning window (default 30 days).",
  appliesTo: hasClusterOrAcr,
  requires: ["clusters"],
  check: (ctx) =>
    identityOutcomes(ctx, "SP_SECRET_EXPIRING", isSpCluster, "service principal credential expiry",
      (a) => `Service principal ${a.principal.clientId} credential expires soon`,
      (cluster, a) => [...resetSpCredentials(cluster, a.principal.clientId ?? "<APP_ID>"), migrateToManagedIdentity(cluster)]),
});
