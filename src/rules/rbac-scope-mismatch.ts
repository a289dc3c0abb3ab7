import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { pullAccess, principalEvidence, subjectOf, severityFor, brokenNote, assignmentEvidence } from "./lib/pull-access.js";
import { grantRole } from "./lib/commands.js";
import { scopeLevel } from "../snapshot/ids.js";
import { isAbacMode } from "./lib/rbac.js";

export default defineRule({
  id: "rbac-scope-mismatch",
  codes: ["RBAC_SCOPE_MISMATCH"],
  stage: "rbac",
  title: "Pull role granted at a scope that does not contain the registry",
  description: "Finds pull-capable role assignments of the pulling identity whose scope (another registry, resource group or subscription) does not contain the registry the workloads pull from.",
  appliesTo: usesAcr,
  requires: ["clusters", "registries", "roleAssignments"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const p of pullAccess(ctx)) {
      const v = p.verdict;
      // A grant of this very registry to a related wrong identity is the more specific cause (rbac-wrong-principal).
      if (v.status !== "denied" || v.cause !== "no-role" || v.elsewhere.length === 0 || p.wrongHolders.length > 0) continue;
      const reg = p.target.registry;
      const where = v.elsewhere.map((g) => `${g.role.roleName} at ${scopeLevel(g.assignment.scope)} ${g.assignment.scope}`).join("; ");
      out.push({
        kind: "finding",
        code: "RBAC_SCOPE_MISMATCH",
        severity: severityFor(p),
        confidence: "high",
        title: `Pull role is assigned at the wrong scope for ${reg.name}`,
        message: `${p.identity.principal.label} can pull elsewhere (${where}), but none of those scopes contains ${reg.id}; role assignments only inherit downwards, so pulls from ${reg.loginServer} are refused.${brokenNote(p)}`,
        subject: subjectOf(p),
        evidence: [...principalEvidence(p), ...v.elsewhere.map((g) => ({ ...assignmentEvidence(g.assignment), expected: `a scope containing ${reg.id}` }))],
        remediation: [grantRole(p.identity.principal.objectId, isAbacMode(reg) ? "Container Registry Repository Reader" : "AcrPull", reg.id)],
      });
    }
    return out;
  },
});
