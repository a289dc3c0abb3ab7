import type { Outcome, RuleContext } from "../../engine/types.js";
import type { ManagedCluster } from "../../snapshot/types.js";
import { identityAnalysis, type IdentityAnalysis, type IdentityProblem } from "./identity.js";
import { clusters } from "./targets.js";

/** Shared body of the identity rules: report this rule's code from the identity analysis of each cluster. */
export function identityOutcomes(
  ctx: RuleContext,
  code: IdentityProblem["code"],
  applies: (a: IdentityAnalysis) => boolean,
  check: string,
  title: (a: IdentityAnalysis) => string,
  fix: (cluster: ManagedCluster, a: IdentityAnalysis) => string[],
): Outcome[] {
  const out: Outcome[] = [];
  for (const cluster of clusters(ctx)) {
    const a = identityAnalysis(ctx, cluster);
    if (!applies(a)) continue;
    const mine = a.problems.filter((p) => p.code === code);
    for (const p of mine) {
      out.push({ kind: "finding", code, title: title(a), message: p.message, subject: cluster.id || cluster.name, evidence: p.evidence, remediation: fix(cluster, a), confidence: p.confidence });
    }
    if (mine.length === 0) {
      const unknown = a.unknowns.find((u) => u.check === check);
      const pass = a.passes.find((x) => x.check === check);
      if (unknown) out.push({ kind: "unknown", check, subject: cluster.id, reason: unknown.reason });
      else if (pass) out.push({ kind: "pass", check, subject: cluster.id, message: pass.message });
    }
  }
  return out;
}

export const isSpCluster = (a: IdentityAnalysis) => a.principal.kind === "servicePrincipal";
export const isMiCluster = (a: IdentityAnalysis) => a.principal.kind === "managedIdentity";
