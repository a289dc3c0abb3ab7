import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { scopeLevel } from "../snapshot/ids.js";
import { permissionsGrant, PULL_ACTION } from "./lib/roles.js";
import { coversIn, resolveGrants } from "./lib/rbac.js";
import { clusters, registryTargets } from "./lib/targets.js";
import { identityAnalysis } from "./lib/identity.js";
import { assignmentsOf, factValue } from "./lib/principals.js";
import { assignmentEvidence } from "./lib/pull-access.js";
import { grantRole, q } from "./lib/commands.js";

// Write/delete/admin actions a pull-only identity should not hold on a registry.
const EXCESS_ACTIONS = [
  "Microsoft.ContainerRegistry/registries/push/write",
  "Microsoft.ContainerRegistry/registries/write",
  "Microsoft.ContainerRegistry/registries/delete",
  "Microsoft.ContainerRegistry/registries/artifacts/delete",
  "Microsoft.Authorization/roleAssignments/write",
];

export default defineRule({
  id: "rbac-overprivileged",
  codes: ["RBAC_OVERPRIVILEGED"],
  stage: "rbac",
  title: "Pulling identity holds more than pull",
  description: "Recommended practice (minimum permissions): warns when the identity that pulls holds Owner, Contributor, AcrPush or any role with write/delete on a registry it pulls from, or a pull role at subscription scope or above.",
  appliesTo: usesAcr,
  requires: ["clusters", "registries", "roleAssignments"],
  check(ctx) {
    const out: Outcome[] = [];
    const all = factValue(ctx.snapshot.roleAssignments) ?? [];
    const covers = coversIn(ctx.snapshot);
    for (const cluster of clusters(ctx)) {
      const principal = identityAnalysis(ctx, cluster).principal;
      // Without the object id the principal's assignments cannot be picked out: say so rather than pass.
      if (!principal.objectId) { out.push({ kind: "unknown", check: `${principal.label} holds only what pulling needs`, subject: cluster.id, reason: "the pulling principal's object id is not in the evidence" }); continue; }
      const { resolved } = resolveGrants(ctx.snapshot, assignmentsOf(all, principal.objectId));
      for (const target of registryTargets(ctx)) {
        const reg = target.registry;
        const covering = resolved.filter((g) => covers(g.assignment.scope, reg.id));
        const excessive = covering.filter((g) => EXCESS_ACTIONS.some((a) => permissionsGrant(g.role.permissions, a, "action")) || permissionsGrant(g.role.permissions, "Microsoft.ContainerRegistry/registries/repositories/content/write", "dataAction"));
        const broad = covering.filter((g) => !excessive.includes(g) && permissionsGrant(g.role.permissions, PULL_ACTION, "action") && ["subscription", "managementGroup", "root"].includes(scopeLevel(g.assignment.scope)));
        const check = `${principal.label} holds only what pulling from ${reg.loginServer} needs`;
        if (excessive.length === 0 && broad.length === 0) { out.push({ kind: "pass", check, subject: reg.id, message: "least privilege" }); continue; }
        const items = [...excessive.map((g) => `${g.role.roleName} at ${g.assignment.scope}`), ...broad.map((g) => `${g.role.roleName} at ${scopeLevel(g.assignment.scope)} scope ${g.assignment.scope}`)];
        out.push({
          kind: "finding",
          code: "RBAC_OVERPRIVILEGED",
          title: `${principal.kind === "managedIdentity" ? "Kubelet identity" : "Cluster service principal"} holds more than pull on ${reg.name}`,
          message: `Nodes only pull, yet ${principal.label} holds ${items.join("; ")}. Anyone who can read the node's credentials (or run a pod with host access) gets these rights too. Grant AcrPull on the registry alone.`,
          subject: reg.id,
          evidence: [...excessive, ...broad].map((g) => assignmentEvidence(g.assignment)),
          remediation: [
            grantRole(principal.objectId, "AcrPull", reg.id),
            ...[...excessive, ...broad].map((g) => `az role assignment delete --ids ${q(g.assignment.id)}`),
          ],
          confidence: "high",
        });
      }
    }
    return out;
  },
});
