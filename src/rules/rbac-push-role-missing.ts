import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { answeredQuestions } from "./lib/access-questions.js";
import { grantRole } from "./lib/commands.js";
import { isAbacMode } from "./lib/rbac.js";
import { assignmentEvidence } from "./lib/pull-access.js";

export default defineRule({
  id: "rbac-push-role-missing",
  codes: ["RBAC_PUSH_ROLE_MISSING"],
  stage: "rbac",
  title: "Principal cannot push to the registry",
  description: "Answers `pulldoctor can-i PRINCIPAL push REGISTRY[/repo]`: evaluates the principal's roles for registries/push/write (or repository content write in ABAC mode), deny assignments and conditions.",
  appliesTo: usesAcr,
  requires: ["registries", "roleAssignments"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const a of answeredQuestions(ctx)) {
      if (a.question.action !== "push") continue;
      const check = `${a.question.principal} can push to ${a.question.registry}${a.question.repository ? "/" + a.question.repository : ""}`;
      const v = a.verdict;
      if (v.status === "unknown") { out.push({ kind: "unknown", check, reason: v.reason }); continue; }
      if (v.status === "granted") { out.push({ kind: "pass", check, message: `granted by ${v.grants.map((g) => `${g.role.roleName} at ${g.assignment.scope}`).join("; ")}` }); continue; }
      if (v.status === "anonymous" || !a.registry) continue;
      const reg = a.registry;
      const why = v.cause === "deny-assignment" ? `deny assignment ${v.deny.name ?? v.deny.id} at ${v.deny.scope} denies it` : v.cause === "abac-mode" ? `the registry uses ABAC repository permissions and ${v.legacyGrants.map((g) => g.role.roleName).join(", ")} is not honoured` : v.cause === "condition" ? "its role assignment condition excludes the repository" : v.elsewhere.length ? `its push-capable roles are at scopes that do not contain the registry (${v.elsewhere.map((g) => g.assignment.scope).join(", ")})` : "it holds no role that grants push at the registry or above";
      out.push({
        kind: "finding",
        code: "RBAC_PUSH_ROLE_MISSING",
        title: `${a.question.principal} cannot push to ${reg.name}`,
        message: `${a.question.principal}${a.resolvedVia ? ` (${a.resolvedVia})` : ""} cannot push to ${reg.loginServer}: ${why}.`,
        subject: reg.id,
        evidence: v.cause === "abac-mode" ? v.legacyGrants.map((g) => assignmentEvidence(g.assignment)) : v.cause === "no-role" ? v.elsewhere.map((g) => assignmentEvidence(g.assignment)) : [],
        remediation: [grantRole(a.objectId, isAbacMode(reg) ? "Container Registry Repository Writer" : "AcrPush", reg.id)],
        confidence: "high",
      });
    }
    return out;
  },
});
