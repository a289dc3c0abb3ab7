import { defineRule, type Outcome, type RuleContext } from "../engine/types.js";
import { hasClusterOrAcr } from "./lib/applies.js";
import { identityOutcomes, isSpCluster } from "./lib/identity-rule.js";
import { resetSpCredentials } from "./lib/commands.js";
import { isMsiCluster } from "./lib/principals.js";

const CHECK = "service principal secret accepted";

/** A wrong secret shows only as AADSTS7000215 in events; with no events in the evidence the rule cannot tell. */
function noEventsUnknown(ctx: RuleContext, out: Outcome[]): Outcome[] {
  const s = ctx.snapshot;
  if (s.events.status === "ok" || s.podDescriptions.status === "ok" || out.some((o) => o.kind === "finding")) return out;
  const spClusters = (s.clusters.status === "ok" ? s.clusters.value : []).filter((c) => !isMsiCluster(c));
  return [...out, ...spClusters.map((c): Outcome => ({ kind: "unknown", check: CHECK, subject: c.id, reason: "no Kubernetes events in the evidence: a rejected secret (AADSTS7000215) shows only there (kubectl get events -A -o json)" }))];
}

export default defineRule({
  id: "sp-secret-invalid",
  codes: ["SP_SECRET_INVALID"],
  stage: "identity",
  title: "Service principal secret rejected",
  description: "On service-principal clusters, looks for AADSTS7000215 (invalid client secret) sign-in failures of the cluster's service principal.",
  appliesTo: hasClusterOrAcr,
  requires: ["clusters"],
  check: (ctx) =>
    noEventsUnknown(ctx, identityOutcomes(ctx, "SP_SECRET_INVALID", isSpCluster, CHECK,
      (a) => `The cluster presents a wrong secret for ${a.principal.clientId}`,
      (cluster, a) => resetSpCredentials(cluster, a.principal.clientId ?? "<APP_ID>"))),
});
