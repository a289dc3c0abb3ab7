import type { Evidence, RuleContext } from "../../engine/types.js";
import type { ManagedCluster, RoleAssignment } from "../../snapshot/types.js";
import { normId, roleGuid } from "../../snapshot/ids.js";
import { blockingIdentityProblems, identityAnalysis, type IdentityAnalysis } from "./identity.js";
import { evaluateAccess, holdersOn, type AccessVerdict, type Grant } from "./rbac.js";
import { relatedWrongPrincipals, type RelatedPrincipal } from "./principals.js";
import { clusters, registryTargets, type RegistryTarget } from "./targets.js";
import { observationEvidence } from "./observations.js";
import { BUILTIN_ROLES } from "./roles.js";

export interface PullAccess {
  cluster: ManagedCluster;
  target: RegistryTarget;
  identity: IdentityAnalysis;
  verdict: AccessVerdict;
  /** related-but-wrong principals that hold pull on this registry */
  wrongHolders: { principal: RelatedPrincipal; grant: Grant }[];
  /** the identity is broken now: RBAC findings are about what happens once it is fixed */
  identityBroken: boolean;
}

export function pullAccess(ctx: RuleContext): PullAccess[] {
  return ctx.memo("pullAccess", () => {
    const out: PullAccess[] = [];
    for (const cluster of clusters(ctx)) {
      const identity = identityAnalysis(ctx, cluster);
      const related = relatedWrongPrincipals(ctx.snapshot, cluster, identity.principal);
      for (const target of registryTargets(ctx)) {
        const verdict = evaluateAccess(ctx.snapshot, identity.principal.objectId, target.registry, "pull", target.repositories);
        const holders = holdersOn(ctx.snapshot, target.registry, "pull");
        const wrongHolders = related.flatMap((principal) => holders.filter((g) => g.assignment.principalId.toLowerCase() === principal.objectId).map((grant) => ({ principal, grant })));
        out.push({ cluster, target, identity, verdict, wrongHolders, identityBroken: blockingIdentityProblems(identity).length > 0 });
      }
    }
    return out;
  });
}

export function assignmentEvidence(a: RoleAssignment, note?: string): Evidence {
  return {
    source: a.source.file,
    path: a.source.path,
    // raw ARM assignments carry no roleDefinitionName: name built-in roles from their GUID
    observed: `${a.roleDefinitionName ?? BUILTIN_ROLES[roleGuid(a.roleDefinitionId)]?.roleName ?? a.roleDefinitionId.split("/").pop()} for ${a.principalName ? `${a.principalName} ` : ""}(${a.principalId}) at ${a.scope}${note ? ` — ${note}` : ""}`,
  };
}

/** Evidence common to RBAC findings: who pulls, and the failing pulls that show it. */
export function principalEvidence(p: PullAccess): Evidence[] {
  const ev: Evidence[] = p.identity.principal.derivation.map((d) => ({ source: d.source.file, path: d.path.startsWith("$") ? d.path : `${d.source.path}.${d.path}`, observed: d.observed }));
  for (const f of p.target.failures.slice(0, 3)) ev.push(observationEvidence(f));
  return ev;
}

export function subjectOf(p: PullAccess): string {
  return p.target.registry.id;
}

export function severityFor(p: PullAccess): "error" | "warning" {
  // While the identity itself is broken the RBAC gap is not what fails today's pulls, but it will fail them next.
  return p.identityBroken ? "warning" : "error";
}

export function brokenNote(p: PullAccess): string {
  if (!p.identityBroken) return "";
  return ` (Pulls fail first because of the identity problem reported above; this gap remains once that is fixed.)`;
}

export function registryKey(p: PullAccess): string {
  return normId(p.target.registry.id);
}
