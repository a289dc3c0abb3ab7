import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { assignmentIndex, selfAndAncestorScopes } from "../../src/rules/lib/assignment-index.js";
import { assignmentCovers } from "../../src/rules/lib/rbac.js";
import type { RoleAssignment } from "../../src/snapshot/types.js";

const SUBS = ["/subscriptions/aaaa", "/SUBSCRIPTIONS/AAAA", "/subscriptions/bbbb"];
const scopeArb = fc.oneof(
  fc.constantFrom("/", "", "/providers/Microsoft.Management/managementGroups/mg1", "/subscriptions/", "/subscriptions//resourceGroups/rg1", " /subscriptions/aaaa/resourceGroups/rg1 ", "/Subscriptions/AAAA/"),
  fc.tuple(fc.constantFrom(...SUBS), fc.constantFrom("", "/resourceGroups/rg1", "/resourcegroups/RG1", "/resourceGroups/rg10"), fc.constantFrom("", "/providers/Microsoft.ContainerRegistry/registries/acr1", "/providers/Microsoft.ContainerRegistry/registries/acr10", "/providers/Microsoft.KeyVault/vaults/kv"), fc.constantFrom("", "/")).map(([a, b, c, d]) => a + b + c + d),
);
const resourceArb = fc.tuple(fc.constantFrom(...SUBS), fc.constantFrom("/resourceGroups/rg1", "/resourceGroups/rg10"), fc.constantFrom("/providers/Microsoft.ContainerRegistry/registries/acr1", "/providers/Microsoft.ContainerRegistry/registries/acr10")).map(([a, b, c]) => a + b + c);
const principalArb = fc.constantFrom("P1", "p1", "p2", "0000");
const assignmentsArb = fc.array(fc.tuple(scopeArb, principalArb, fc.constantFrom(undefined, "", "App1", "app1")), { maxLength: 120 }).map((xs) =>
  xs.map(([scope, principalId, principalName], i): RoleAssignment => ({ id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${i}`, scope, principalId, ...(principalName !== undefined ? { principalName } : {}), roleDefinitionId: "x/7f951dda-4ed3-4680-a7ca-43fe172d538d", source: { file: "ra.json", path: `$[${i}]` } })),
);

/**
 * The index of `all` plus 60 assignments no query matches (another subscription, another principal), long enough to be
 * indexed by maps, after enough queries to switch from scanning to them.
 */
function warmed(all: RoleAssignment[]) {
  const filler = Array.from({ length: 60 }, (_, i): RoleAssignment => ({ id: `f${i}`, scope: `/subscriptions/zzzz/resourceGroups/rg${i}`, principalId: "filler", roleDefinitionId: "r", source: { file: "f", path: "$" } }));
  const ix = assignmentIndex([...filler.slice(0, 30), ...all, ...filler.slice(30)]);
  for (let i = 0; i < 6; i++) ix.byPrincipal("warm-up");
  return ix;
}

test("covering (and the candidates filtered with assignmentCovers) is exactly the full scan, in snapshot order", () => {
  fc.assert(
    fc.property(assignmentsArb, resourceArb, (all, resource) => {
      const exact = all.filter((a) => assignmentCovers(a.scope, resource));
      for (const ix of [assignmentIndex(all), warmed(all)]) {
        assert.deepEqual(ix.coveringCandidates(resource).filter((a) => assignmentCovers(a.scope, resource)), exact);
        assert.deepEqual(ix.covering(resource, assignmentCovers), exact);
      }
    }),
    { numRuns: 300 },
  );
});

test("by principal and by principal name equal the case-insensitive filters, in snapshot order", () => {
  fc.assert(
    fc.property(assignmentsArb, principalArb, fc.constantFrom("app1", "APP1", "x"), (all, p, name) => {
      for (const ix of [assignmentIndex(all), warmed(all)]) {
        assert.deepEqual(ix.byPrincipal(p), all.filter((a) => a.principalId.toLowerCase() === p.toLowerCase()));
        assert.deepEqual(ix.byPrincipalName(name), all.filter((a) => a.principalName?.toLowerCase() === name.toLowerCase()));
        assert.deepEqual(ix.atScope("/subscriptions/aaaa/resourceGroups/rg1"), all.filter((a) => a.scope.trim().replace(/\/+$/, "").toLowerCase() === "/subscriptions/aaaa/resourcegroups/rg1"));
        assert.deepEqual(ix.byPrincipal(undefined), []);
      }
    }),
    { numRuns: 200 },
  );
});

test("ancestors go by whole segments, and the index is built once per assignment list", () => {
  assert.deepEqual(selfAndAncestorScopes("/Subscriptions/S/resourceGroups/RG10/"), ["/subscriptions/s/resourcegroups/rg10", "/subscriptions/s/resourcegroups", "/subscriptions/s", "/subscriptions"]);
  const all: RoleAssignment[] = [{ id: "a", scope: "/subscriptions/s/resourceGroups/rg1", principalId: "p", roleDefinitionId: "r", source: { file: "f", path: "$" } }];
  assert.equal(assignmentIndex(all), assignmentIndex(all));
  assert.notEqual(assignmentIndex(all), assignmentIndex([...all]));
  assert.deepEqual(assignmentIndex(all).coveringCandidates("/subscriptions/s/resourceGroups/rg10/providers/x/y/z"), [], "rg1 does not contain rg10");
  assert.equal(assignmentIndex(all).atScope("/SUBSCRIPTIONS/S/resourcegroups/RG1/").length, 1);
});

test("many queries on one index (past the scan-then-map switch) give the scan's answers, edge-case scopes included", () => {
  fc.assert(
    fc.property(assignmentsArb, fc.array(resourceArb, { minLength: 12, maxLength: 12 }), (all, resources) => {
      const ix = warmed(all);
      // twelve queries into the same two subscriptions
      for (const r of resources) assert.deepEqual(ix.covering(r, assignmentCovers), all.filter((a) => assignmentCovers(a.scope, r)), r);
      for (const scope of ["/subscriptions/aaaa", "/SUBSCRIPTIONS/aaaa/resourceGroups/RG1/", "/subscriptions//resourceGroups/rg1", "/subscriptions/"]) {
        const n = scope.trim().replace(/\/+$/, "").toLowerCase();
        assert.deepEqual(ix.atScope(scope), all.filter((a) => a.scope.trim() !== "" && a.scope.trim().replace(/\/+$/, "").toLowerCase() === n), scope);
      }
    }),
    { numRuns: 200 },
  );
});
