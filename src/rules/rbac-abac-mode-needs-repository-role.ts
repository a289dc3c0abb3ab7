import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { pullAccess, principalEvidence, subjectOf, severityFor, brokenNote, assignmentEvidence } from "./lib/pull-access.js";
import { grantRole } from "./lib/commands.js";

export default defineRule({
  id: "rbac-abac-mode-needs-repository-role",
  codes: ["RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE"],
  stage: "rbac",
  title: "ABAC registry ignores AcrPull",
  description: "On registries in ABAC repository-permissions mode (roleAssignmentMode AbacRepositoryPermissions), checks that the pulling identity has a Container Registry Repository role rather than only AcrPull/AcrPush/Owner/Contributor, which that mode does not honour for pulls.",
  appliesTo: usesAcr,
  requires: ["clusters", "registries", "roleAssignments"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const p of pullAccess(ctx)) {
      const v = p.verdict;
      if (v.status !== "denied" || v.cause !== "abac-mode") continue;
      const reg = p.target.registry;
      out.push({
        kind: "finding",
        code: "RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE",
        severity: severityFor(p),
        confidence: "high",
        title: `${reg.name} uses ABAC repository permissions; ${v.legacyGrants.map((g) => g.role.roleName).join(", ")} no longer grants pull`,
        message: `${reg.name} has roleAssignmentMode AbacRepositoryPermissions, in which AcrPull, AcrPush and the Owner/Contributor/Reader roles grant no data-plane access. ${p.identity.principal.label} holds only ${v.legacyGrants.map((g) => g.role.roleName).join(", ")} and no Container Registry Repository Reader/Writer/Contributor role, so pulls get 401.${brokenNote(p)}`,
        subject: subjectOf(p),
        evidence: [
          { source: reg.source.file, path: `${reg.source.path}.roleAssignmentMode`, observed: reg.roleAssignmentMode ?? "", expected: "LegacyRegistryPermissions, or a repository role for the identity" },
          ...principalEvidence(p),
          ...v.legacyGrants.map((g) => assignmentEvidence(g.assignment, "not honoured in ABAC mode")),
        ],
        remediation: [
          grantRole(p.identity.principal.objectId, "Container Registry Repository Reader", reg.id),
          `# or limit it to the repositories this cluster pulls, with an ABAC condition (see docs/rules/rbac-abac-mode-needs-repository-role.md)`,
        ],
      });
    }
    return out;
  },
});
