import { test } from "node:test";
import assert from "node:assert/strict";
import { actionMatches, permissionsGrant, BUILTIN_ROLES, PULL_ACTION, PUSH_ACTION, REPO_CONTENT_READ } from "./roles.js";

test("action globs match case-insensitively with * anywhere", () => {
  const cases: [string, string, boolean][] = [
    ["*", PULL_ACTION, true],
    ["*/read", PULL_ACTION, true],
    ["*/read", PUSH_ACTION, false],
    ["Microsoft.ContainerRegistry/*", PULL_ACTION, true],
    ["microsoft.containerregistry/registries/pull/READ", PULL_ACTION, true],
    ["Microsoft.ContainerRegistry/registries/*/read", PULL_ACTION, true],
    ["Microsoft.ContainerRegistry/registries/push/*", PULL_ACTION, false],
    ["Microsoft.Storage/*", PULL_ACTION, false],
    ["Microsoft.ContainerRegistry/registries/pull/read/extra", PULL_ACTION, false],
    ["*pull*", PULL_ACTION, true],
  ];
  for (const [pattern, action, want] of cases) assert.equal(actionMatches(pattern, action), want, `${pattern} vs ${action}`);
});

test("notActions subtract from actions; data actions are separate", () => {
  const contributor = BUILTIN_ROLES["b24988ac-6180-42a0-ab88-20f7382dd24c"]!.permissions;
  assert.equal(permissionsGrant(contributor, PULL_ACTION, "action"), true);
  assert.equal(permissionsGrant(contributor, "Microsoft.Authorization/roleAssignments/write", "action"), false);
  const custom = [{ actions: ["Microsoft.ContainerRegistry/*"], notActions: ["Microsoft.ContainerRegistry/registries/pull/read"], dataActions: [], notDataActions: [] }];
  assert.equal(permissionsGrant(custom, PULL_ACTION, "action"), false);
  assert.equal(permissionsGrant(custom, PUSH_ACTION, "action"), true);
  const reader = BUILTIN_ROLES["b93aa761-3e63-49ed-ac28-beffa264f7ac"]!.permissions;
  assert.equal(permissionsGrant(reader, REPO_CONTENT_READ, "dataAction"), true);
  assert.equal(permissionsGrant(reader, REPO_CONTENT_READ, "action"), false);
});
