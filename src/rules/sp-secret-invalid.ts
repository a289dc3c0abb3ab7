import { defineRule } from "../engine/types.js";
import { hasClusterOrAcr } from "./lib/applies.js";
import { identityOutcomes, isSpCluster } from "./lib/identity-rule.js";
import { resetSpCredentials } from "./lib/commands.js";

export default defineRule({
  id: "sp-secret-invalid",
  codes: ["SP_SECRET_INVALID"],
  stage: "identity",
  title: "Service principal secret rejected",
  description: "On service-principal clusters, looks for AADSTS7000215 (invalid client secret) sign-in failures of the cluster's service principal.",
  appliesTo: hasClusterOrAcr,
  requires: ["clusters"],
  check: (ctx) =>
    identityOutcomes(ctx, "SP_SECRET_INVALID", isSpCluster, "service principal secret accepted",
      (a) => `The cluster presents a wrong secret for ${a.principal.clientId}`,
      (cluster, a) => resetSpCredentials(cluster, a.principal.clientId ?? "<APP_ID>")),
});
