import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { pullAccess, principalEvidence, subjectOf, severityFor, brokenNote } from "./lib/pull-access.js";

export default defineRule({
  id: "rbac-deny-assignment",
  codes: ["RBAC_DENY_ASSIGNMENT"],
  stage: "rbac",
  title: "A deny assignment blocks pull",
  description: "Checks deny assignments at the registry and above (scope inheritance, doNotApplyToChildScopes, Everyone principals, excludePrincipals, action wildcards) against the pulling identity; deny wins over any role.",
  appliesTo: usesAcr,
  requires: ["clusters", "registries", "roleAssignments", "denyAssignments"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const p of pullAccess(ctx)) {
      const v = p.verdict;
      const reg = p.target.registry;
      if (v.status === "granted") out.push({ kind: "pass", check: `no deny assignment blocks pull from ${reg.loginServer}`, subject: reg.id, message: "no deny assignment covering the registry applies to the pulling identity" });
      if (v.status !== "denied" || v.cause !== "deny-assignment") continue;
      const d = v.deny;
      out.push({
        kind: "finding",
        code: "RBAC_DENY_ASSIGNMENT",
        severity: severityFor(p),
        confidence: "high",
        title: `Deny assignment "${d.name ?? d.id.split("/").pop()}" blocks pull from ${reg.name}`,
        message: `${p.identity.principal.label} holds ${v.grants.map((g) => g.role.roleName).join(", ")} on the registry, but the deny assignment at ${d.scope} denies pull to ${d.principals.some((x) => x.id === "00000000-0000-0000-0000-000000000000") ? "everyone" : "this principal"} and does not exclude it; deny assignments override role assignments.${brokenNote(p)}`,
        subject: subjectOf(p),
        evidence: [
          ...principalEvidence(p),
          { source: d.source.file, path: d.source.path, observed: `scope ${d.scope}; actions ${d.permissions.flatMap((x) => x.actions).join(", ")}; principals ${d.principals.map((x) => `${x.id} (${x.type ?? "?"})`).join(", ")}; excludePrincipals ${d.excludePrincipals.map((x) => x.id).join(", ") || "none"}`, expected: `excludePrincipals to contain ${p.identity.principal.objectId}` },
        ],
        remediation: [
          `# deny assignments are read-only: change the deployment stack, managed application or Blueprint that created it`,
          `az rest --method get --url "https://management.azure.com${d.id}?api-version=2022-04-01"`,
          `az stack group list --resource-group ${d.scope.split("/")[4] ?? "<RESOURCE_GROUP>"} --output table   # a deployment stack with --deny-settings-mode: add the kubelet identity to --deny-settings-excluded-principals ${p.identity.principal.objectId ?? "<OBJECT_ID>"}`,
        ],
      });
    }
    return out;
  },
});
