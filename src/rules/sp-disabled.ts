import { defineRule } from "../engine/types.js";
import { hasClusterOrAcr } from "./lib/applies.js";
import { identityOutcomes, isSpCluster } from "./lib/identity-rule.js";
import { q } from "./lib/commands.js";

export default defineRule({
  id: "sp-disabled",
  codes: ["SP_DISABLED"],
  stage: "identity",
  title: "Service principal disabled",
  description: "On service-principal clusters, checks that the cluster's service principal is enabled (accountEnabled) and looks for AADSTS7000112.",
  appliesTo: hasClusterOrAcr,
  requires: ["clusters"],
  check: (ctx) =>
    identityOutcomes(ctx, "SP_DISABLED", isSpCluster, "service principal enabled",
      (a) => `Service principal ${a.principal.clientId} is disabled`,
      (_cluster, a) => [`az ad sp update --id ${q(a.principal.clientId ?? "<APP_ID>")} --set accountEnabled=true`]),
});
