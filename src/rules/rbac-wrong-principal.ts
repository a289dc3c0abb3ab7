import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { pullAccess, principalEvidence, subjectOf, severityFor, brokenNote, assignmentEvidence } from "./lib/pull-access.js";
import { grantRole, q } from "./lib/commands.js";
import { isAbacMode } from "./lib/rbac.js";

export default defineRule({
  id: "rbac-wrong-principal",
  codes: ["RBAC_WRONG_PRINCIPAL"],
  stage: "rbac",
  title: "Pull role granted to the wrong identity",
  description: "When the pulling identity cannot pull, looks for the pull role granted to a related identity instead: the control-plane identity, the client id used as an object id, another cluster's kubelet identity, or an earlier service principal.",
  appliesTo: usesAcr,
  requires: ["clusters", "registries", "roleAssignments"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const p of pullAccess(ctx)) {
      const v = p.verdict;
      if (v.status !== "denied" || v.cause !== "no-role" || p.wrongHolders.length === 0) continue;
      const reg = p.target.registry;
      const first = p.wrongHolders[0]!;
      out.push({
        kind: "finding",
        code: "RBAC_WRONG_PRINCIPAL",
        severity: severityFor(p),
        confidence: "high",
        title: `Pull role on ${reg.name} is granted to the wrong identity`,
        message: `${first.grant.role.roleName} on ${reg.name} is held by ${first.principal.why} (${first.principal.objectId}), but images are pulled by ${p.identity.principal.label}, which has no pull role there.${brokenNote(p)}`,
        subject: subjectOf(p),
        evidence: [
          ...principalEvidence(p),
          ...p.wrongHolders.map((w) => ({ ...assignmentEvidence(w.grant.assignment, w.principal.why), expected: `principalId ${p.identity.principal.objectId ?? "(kubelet object id)"}` })),
          ...p.wrongHolders.map((w) => ({ source: w.principal.source.file, path: `${w.principal.source.path}.${w.principal.path}`, observed: w.principal.objectId })),
        ],
        remediation: [
          grantRole(p.identity.principal.objectId, isAbacMode(reg) ? "Container Registry Repository Reader" : "AcrPull", reg.id),
          ...p.wrongHolders.map((w) => `az role assignment delete --ids ${q(w.grant.assignment.id)}   # optional: remove the misdirected grant`),
        ],
      });
    }
    return out;
  },
});
