import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { pullAccess, principalEvidence, subjectOf, severityFor, brokenNote, assignmentEvidence } from "./lib/pull-access.js";
import { attachAcr, grantRole } from "./lib/commands.js";
import { isAbacMode } from "./lib/rbac.js";
import { factValue } from "./lib/principals.js";
import { assignmentIndex } from "./lib/assignment-index.js";
import type { RuleContext } from "../engine/types.js";

function roleAssignmentFiles(ctx: RuleContext): string {
  return ctx.memo("roleAssignmentFiles", () => [...new Set((factValue(ctx.snapshot.roleAssignments) ?? []).map((a) => a.source.file))].join(", ") || "role assignments");
}

function countFor(ctx: RuleContext, objectId: string | undefined): number {
  return assignmentIndex(factValue(ctx.snapshot.roleAssignments) ?? []).byPrincipal(objectId).length;
}

export default defineRule({
  id: "rbac-pull-role-missing",
  codes: ["RBAC_PULL_ROLE_MISSING"],
  stage: "rbac",
  title: "Pulling identity has no pull role on the registry",
  description: "Evaluates the role assignments (scope inheritance, built-in and custom roles, notActions) of the identity that pulls — the kubelet identity or the cluster's service principal — against each registry the workloads use.",
  appliesTo: usesAcr,
  requires: ["clusters", "registries", "roleAssignments"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const p of pullAccess(ctx)) {
      const v = p.verdict;
      const reg = p.target.registry;
      const check = `${p.identity.principal.label} can pull from ${reg.loginServer}`;
      if (v.status === "unknown") { out.push({ kind: "unknown", check, subject: reg.id, reason: v.reason }); continue; }
      if (v.status === "granted") { out.push({ kind: "pass", check, subject: reg.id, message: `granted by ${v.grants.map((g) => `${g.role.roleName} at ${g.assignment.scope}`).join("; ")}` }); continue; }
      if (v.status === "anonymous") { out.push({ kind: "pass", check, subject: reg.id, message: "anonymous pull is enabled on the registry" }); continue; }
      if (v.cause !== "no-role" || v.elsewhere.length > 0 || p.wrongHolders.length > 0) continue; // another RBAC rule names the cause
      const abac = isAbacMode(reg);
      const role = abac ? "Container Registry Repository Reader" : "AcrPull";
      const groups = v.groupGrants.map((g) => `${g.assignment.principalName || g.assignment.principalId} (${g.role.roleName})`);
      out.push({
        kind: "finding",
        code: "RBAC_PULL_ROLE_MISSING",
        severity: severityFor(p),
        confidence: groups.length > 0 ? "medium" : "high",
        title: `${p.identity.principal.kind === "managedIdentity" ? "Kubelet identity" : "Service principal"} has no pull role on ${reg.name}`,
        message: `${p.identity.principal.label} holds no role that grants ${abac ? "repository content read (the registry uses ABAC repository permissions)" : "Microsoft.ContainerRegistry/registries/pull/read"} at ${reg.id} or any scope above it, so the registry refuses its token and containerd falls back to an anonymous pull that gets 401.${groups.length ? ` Group assignments cover the registry (${groups.join(", ")}); group membership is not in the evidence.` : ""}${brokenNote(p)}`,
        subject: subjectOf(p),
        evidence: [...principalEvidence(p), { source: roleAssignmentFiles(ctx), path: "$[*]", observed: `no pull-capable assignment for principalId ${p.identity.principal.objectId} at ${reg.id} or above (${countFor(ctx, p.identity.principal.objectId)} assignment(s) of this principal examined)`, expected: `${role} at ${reg.id}` }, ...v.groupGrants.slice(0, 3).map((g) => assignmentEvidence(g.assignment, "group"))],
        remediation: abac ? [grantRole(p.identity.principal.objectId, role, reg.id)] : [attachAcr(p.cluster, reg), grantRole(p.identity.principal.objectId, role, reg.id)],
      });
    }
    return out;
  },
});
