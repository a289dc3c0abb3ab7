import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { answeredQuestions } from "./lib/access-questions.js";
import { grantRole } from "./lib/commands.js";
import { isAbacMode } from "./lib/rbac.js";
import { assignmentEvidence } from "./lib/pull-access.js";
import { factValue } from "./lib/principals.js";
import type { Evidence, RuleContext } from "../engine/types.js";
import type { Registry } from "../snapshot/types.js";
import type { AccessVerdict } from "./lib/rbac.js";

/** Every verdict carries proof: the deny, the unhonoured or conditioned grants, or what was examined and found lacking. */
function pushEvidence(ctx: RuleContext, v: Extract<AccessVerdict, { status: "denied" }>, reg: Registry, objectId: string | undefined): Evidence[] {
  if (v.cause === "deny-assignment") {
    const d = v.deny;
    return [{ source: d.source.file, path: d.source.path, observed: `deny assignment ${d.name ?? d.id} at ${d.scope}: actions ${d.permissions.flatMap((x) => x.actions).join(", ")}; excludePrincipals ${d.excludePrincipals.map((x) => x.id).join(", ") || "none"}`, expected: `excludePrincipals to contain ${objectId ?? "the principal"}` }, ...v.grants.map((g) => assignmentEvidence(g.assignment, "overridden by the deny assignment"))];
  }
  if (v.cause === "abac-mode") return [{ source: reg.source.file, path: `${reg.source.path}.roleAssignmentMode`, observed: reg.roleAssignmentMode ?? "", expected: "a Container Registry Repository Writer/Contributor role" }, ...v.legacyGrants.map((g) => assignmentEvidence(g.assignment, "not honoured in ABAC mode"))];
  if (v.cause === "condition") return v.conditioned.map((g) => ({ ...assignmentEvidence(g.assignment), path: `${g.assignment.source.path}.condition`, observed: g.assignment.condition ?? "", expected: `a condition matching ${v.repositories.join(", ")}` }));
  if (v.elsewhere.length > 0) return v.elsewhere.map((g) => ({ ...assignmentEvidence(g.assignment), expected: `a scope containing ${reg.id}` }));
  const all = factValue(ctx.snapshot.roleAssignments) ?? [];
  const mine = all.filter((r) => r.principalId.toLowerCase() === objectId);
  const files = [...new Set(all.map((r) => r.source.file))].join(", ") || "role assignments";
  return [{ source: files, path: "$[*]", observed: `no push-capable assignment for principalId ${objectId ?? "(unresolved)"} at ${reg.id} or above (${mine.length} assignment(s) of this principal examined)`, expected: `${isAbacMode(reg) ? "Container Registry Repository Writer" : "AcrPush"} at ${reg.id}` }, ...mine.slice(0, 5).map((r) => assignmentEvidence(r, "does not grant push here"))];
}

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
        evidence: pushEvidence(ctx, v, reg, a.objectId),
        remediation: [grantRole(a.objectId, isAbacMode(reg) ? "Container Registry Repository Writer" : "AcrPush", reg.id)],
        confidence: "high",
      });
    }
    return out;
  },
});
