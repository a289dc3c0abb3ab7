import { test } from "node:test";
import assert from "node:assert/strict";
import { assignmentCovers, coversIn, managementGroupAncestry } from "./rbac.js";
import type { Snapshot, Subscription } from "../../snapshot/types.js";

const REG = "/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/acr1";

test("assignment scopes cover the registry by inheritance, case-insensitively and by whole segments", () => {
  const cases: [string, boolean][] = [
    ["/", true], // tenant root
    ["/providers/Microsoft.Management/managementGroups/contoso", true],
    ["/subscriptions/11111111-2222-4333-8444-555555555555", true],
    ["/SUBSCRIPTIONS/11111111-2222-4333-8444-555555555555/RESOURCEGROUPS/RG1", true],
    [REG, true],
    [REG + "/", true],
    ["/subscriptions/11111111-2222-4333-8444-555555555555/resourceGroups/rg10", false],
    [REG + "2", false],
    ["/subscriptions/99999999-2222-4333-8444-555555555555", false],
    ["", false],
  ];
  for (const [scope, want] of cases) assert.equal(assignmentCovers(scope, REG), want, scope || "(empty)");
});

test("a management-group assignment covers a registry only when the group is above its subscription, once the ancestry is known", () => {
  const sub = (subscriptionId: string, managementGroupAncestors?: string[]): Subscription => ({
    id: `/subscriptions/${subscriptionId}`,
    subscriptionId,
    ...(managementGroupAncestors ? { managementGroupAncestors } : {}),
    source: { file: "containers.json", path: "[0]" },
  });
  const snapshot = (subs: Subscription[] | undefined): Pick<Snapshot, "subscriptions"> => ({ subscriptions: subs ? { status: "ok", value: subs } : { status: "skipped", reason: "not collected" } });
  const OTHER = "/subscriptions/99999999-2222-4333-8444-555555555555/resourceGroups/rg1/providers/Microsoft.ContainerRegistry/registries/acr2";
  const known = snapshot([sub("11111111-2222-4333-8444-555555555555", ["Platform", "Contoso", "72f988bf-86f1-41af-91ab-2d7cd011db47"]), sub("99999999-2222-4333-8444-555555555555", ["Sandbox"])]);
  const noChain = snapshot([sub("11111111-2222-4333-8444-555555555555")]);
  const cases: [string, string, Pick<Snapshot, "subscriptions">, boolean][] = [
    // [assignment scope, resource, snapshot, covers]
    ["/providers/Microsoft.Management/managementGroups/contoso", REG, known, true], // an ancestor, names compared case-insensitively
    ["/providers/Microsoft.Management/managementGroups/platform/", REG, known, true], // the nearest parent, trailing slash
    ["/providers/Microsoft.Management/managementGroups/72f988bf-86f1-41af-91ab-2d7cd011db47", REG, known, true], // the tenant root group
    ["/providers/Microsoft.Management/managementGroups/sandbox", REG, known, false], // a group beside it, not above it
    ["/providers/Microsoft.Management/managementGroups/contoso", OTHER, known, false], // the other subscription is elsewhere
    ["/providers/Microsoft.Management/managementGroups/sandbox", OTHER, known, true],
    ["/providers/Microsoft.Management/managementGroups/sandbox", REG, noChain, true], // a row without the chain says nothing
    ["/providers/Microsoft.Management/managementGroups/sandbox", REG, snapshot(undefined), true], // no ancestry: az listed it as inherited
    ["/providers/Microsoft.Management/managementGroups/sandbox", "/providers/Microsoft.Management/managementGroups/x", known, true], // not under a subscription
    ["/", OTHER, known, true],
    ["/subscriptions/11111111-2222-4333-8444-555555555555", OTHER, known, false], // ordinary scopes are unaffected
  ];
  for (const [scope, resource, s, want] of cases) {
    assert.equal(assignmentCovers(scope, resource, managementGroupAncestry(s)), want, `${scope} over ${resource}`);
    assert.equal(coversIn(s)(scope, resource), want, `coversIn: ${scope} over ${resource}`);
  }
});
