import { test } from "node:test";
import assert from "node:assert/strict";
import { isUnderSubscriptions, normId, subscriptionIdOf } from "./ids.js";

test("isUnderSubscriptions answers as normId(id).startsWith('/subscriptions/') does, edge cases included", () => {
  const cases: [string, boolean][] = [
    ["/subscriptions/0000/resourceGroups/rg", true],
    ["/SUBSCRIPTIONS/0000", true],
    ["  /Subscriptions/0000  ", true],
    ["/subscriptions//0000", true],
    ["/subscriptions/ /", true], // trimmed to "/subscriptions/ " by normId: still under the prefix
    ["/subscriptions/", false],
    ["/subscriptions///", false],
    ["/subscriptions/  ", false],
    ["/subscriptions", false],
    ["/providers/Microsoft.Management/managementGroups/mg1", false],
    ["/", false],
    ["", false],
    ["subscriptions/0000", false],
    ["/subscriptionsX/0000", false],
  ];
  for (const [id, expected] of cases) {
    assert.equal(isUnderSubscriptions(id), expected, JSON.stringify(id));
    assert.equal(isUnderSubscriptions(id), normId(id).startsWith("/subscriptions/"), `agrees with normId: ${JSON.stringify(id)}`);
  }
});

test("subscriptionIdOf: the subscription segment of an id, its casing kept, the same answer when asked again", () => {
  const cases: [string, string | undefined][] = [
    ["/subscriptions/AbC-1/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/acr", "AbC-1"],
    ["/SUBSCRIPTIONS/x", "x"],
    ["/providers/Microsoft.Management/managementGroups/mg1", undefined],
    ["/", undefined],
    ["", undefined],
  ];
  for (const [id, expected] of cases) {
    assert.equal(subscriptionIdOf(id), expected, JSON.stringify(id));
    assert.equal(subscriptionIdOf(id), expected, `again: ${JSON.stringify(id)}`);
  }
});
