import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { pullAccess, principalEvidence, subjectOf, severityFor, brokenNote, assignmentEvidence } from "./lib/pull-access.js";
import { conditionRepositoryPatterns } from "./lib/conditions.js";
import { grantRole } from "./lib/commands.js";

export default defineRule({
  id: "rbac-condition-excludes-repository",
  codes: ["RBAC_CONDITION_EXCLUDES_REPOSITORY"],
  stage: "rbac",
  title: "Role assignment condition excludes the repository",
  description: "Evaluates ABAC conditions (@Request[...repositories:name] with StringEquals/StartsWith/Like, ActionMatches) on the pulling identity's repository-role assignments against each repository the workloads pull.",
  appliesTo: usesAcr,
  requires: ["clusters", "registries", "roleAssignments"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const p of pullAccess(ctx)) {
      const v = p.verdict;
      const reg = p.target.registry;
      // evaluateAccess says "unknown" when only conditioned grants exist and none can be decided: say so, never guess.
      if (v.status === "unknown" && /condition/.test(v.reason)) out.push({ kind: "unknown", check: `${p.identity.principal.label}: role conditions cover the repositories pulled from ${reg.loginServer}`, subject: reg.id, reason: v.reason });
      if (v.status !== "denied" || v.cause !== "condition") continue;
      const covers = [...new Set(v.conditioned.flatMap((g) => conditionRepositoryPatterns(g.assignment.condition ?? "")))];
      out.push({
        kind: "finding",
        code: "RBAC_CONDITION_EXCLUDES_REPOSITORY",
        severity: severityFor(p),
        confidence: "high",
        title: `Role condition does not cover ${v.repositories.join(", ")}`,
        message: `${p.identity.principal.label} may read only repositories matching ${covers.join(", ") || "its assignment condition"} on ${reg.name}, but the workloads pull ${v.repositories.join(", ")}.${brokenNote(p)}`,
        subject: subjectOf(p),
        evidence: [...principalEvidence(p), ...v.conditioned.map((g) => ({ ...assignmentEvidence(g.assignment), path: `${g.assignment.source.path}.condition`, observed: g.assignment.condition ?? "", expected: `a condition matching ${v.repositories.join(", ")}` }))],
        remediation: [
          `# widen the condition of the existing assignment (az role assignment update --role-assignment <JSON with the new condition>), or add one for the repository:`,
          ...v.repositories.map((repo) => `${grantRole(p.identity.principal.objectId, "Container Registry Repository Reader", reg.id)} --condition-version 2.0 --condition "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase '${repo}'))"`),
        ],
      });
    }
    return out;
  },
});
