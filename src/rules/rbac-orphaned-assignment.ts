import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { normId, scopeContains } from "../snapshot/ids.js";
import { factValue } from "./lib/principals.js";
import { registryTargets } from "./lib/targets.js";
import { assignmentIndex } from "./lib/assignment-index.js";
import { assignmentEvidence } from "./lib/pull-access.js";
import { q } from "./lib/commands.js";

export default defineRule({
  id: "rbac-orphaned-assignment",
  codes: ["RBAC_ORPHANED_ASSIGNMENT"],
  stage: "rbac",
  title: "Role assignment points at a deleted principal",
  description: "Recommended practice (audit roles): finds role assignments at or below the registry's scope whose principal no longer exists (a directory 404, or az showing an empty principalName because Graph cannot resolve it).",
  appliesTo: usesAcr,
  requires: ["registries", "roleAssignments"],
  check(ctx) {
    const out: Outcome[] = [];
    const all = factValue(ctx.snapshot.roleAssignments) ?? [];
    const gone = new Map((factValue(ctx.snapshot.directoryLookups) ?? []).filter((l) => !l.found && l.id).map((l) => [l.id, l]));
    for (const target of registryTargets(ctx)) {
      const reg = target.registry;
      // Only assignments made for the registry itself (at its scope or its resource group), not every subscription- or
      // management-group-wide one (those are not the registry's to clean up, and would repeat on every registry).
      const onRegistry = assignmentIndex(all)
        .coveringCandidates(reg.id)
        .filter((a) => normId(a.scope) === normId(reg.id) || (scopeContains(a.scope, reg.id) && normId(a.scope).split("/").length >= 5));
      for (const a of onRegistry) {
        const lookup = gone.get(a.principalId.toLowerCase());
        const unresolved = a.principalName === "" && a.principalType !== undefined;
        if (!lookup && !unresolved) continue;
        out.push({
          kind: "finding",
          code: "RBAC_ORPHANED_ASSIGNMENT",
          title: `${a.roleDefinitionName ?? "Role"} on ${reg.name} is assigned to a deleted principal`,
          message: `The ${a.roleDefinitionName ?? "role"} assignment at ${a.scope} names principal ${a.principalId}, which ${lookup ? "the directory reports as not found" : "az could not resolve (empty principalName)"}. Orphaned assignments hide who really has access and break when a principal is recreated with a new object id.`,
          subject: reg.id,
          evidence: [assignmentEvidence(a), ...(lookup ? [{ source: lookup.source.file, path: lookup.source.path, observed: lookup.message ?? "not found" }] : [])],
          remediation: [`az role assignment delete --ids ${q(a.id)}`],
          confidence: lookup ? "high" : "medium",
        });
      }
    }
    return out;
  },
});
