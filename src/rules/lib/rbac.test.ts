import { test } from "node:test";
import assert from "node:assert/strict";
import { assignmentCovers } from "./rbac.js";

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
