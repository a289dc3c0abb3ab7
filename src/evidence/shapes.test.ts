// The same resource in every shape it arrives in gives the same facts; ids compare case-insensitively.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Fact, Registry } from "../snapshot/types.js";
import { snapshotFromFiles } from "./read.js";

const ID = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/contosoacr";

const azFlattened = {
  adminUserEnabled: false,
  anonymousPullEnabled: false,
  dataEndpointEnabled: true,
  dataEndpointHostNames: ["contosoacr.westeurope.data.azurecr.io"],
  id: ID,
  location: "westeurope",
  loginServer: "contosoacr.azurecr.io",
  name: "contosoacr",
  networkRuleBypassOptions: "AzureServices",
  networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", ipAddressOrRange: "20.10.30.40" }] },
  policies: { azureAdAuthenticationAsArmPolicy: { status: "disabled" } },
  privateEndpointConnections: [
    {
      id: `${ID}/privateEndpointConnections/pe-acr.1`,
      privateEndpoint: { id: "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-acr", resourceGroup: "rg-net" },
      privateLinkServiceConnectionState: { actionsRequired: "None", description: "Auto-Approved", status: "Approved" },
      resourceGroup: "rg-acr",
    },
  ],
  publicNetworkAccess: "Enabled",
  resourceGroup: "rg-acr",
  roleAssignmentMode: "AbacRepositoryPermissions",
  sku: { name: "Premium", tier: "Premium" },
  type: "Microsoft.ContainerRegistry/registries",
};

const rawArm = {
  id: ID,
  name: "contosoacr",
  type: "Microsoft.ContainerRegistry/registries",
  location: "westeurope",
  sku: { name: "Premium", tier: "Premium" },
  properties: {
    loginServer: "contosoacr.azurecr.io",
    adminUserEnabled: false,
    anonymousPullEnabled: false,
    dataEndpointEnabled: true,
    dataEndpointHostNames: ["contosoacr.westeurope.data.azurecr.io"],
    networkRuleBypassOptions: "AzureServices",
    networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "20.10.30.40" }] },
    policies: { azureADAuthenticationAsArmPolicy: { status: "disabled" } },
    privateEndpointConnections: [
      {
        id: `${ID}/privateEndpointConnections/pe-acr.1`,
        properties: {
          privateEndpoint: { id: "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-acr" },
          privateLinkServiceConnectionState: { status: "Approved", description: "Auto-Approved", actionsRequired: "None" },
        },
      },
    ],
    publicNetworkAccess: "Enabled",
    roleAssignmentMode: "AbacRepositoryPermissions",
  },
};

/** @azure/arm-containerregistry v12: nested `properties`, JS casing (`ipAddressOrRange`), no resourceGroup. */
const jsSdk = {
  ...rawArm,
  properties: {
    ...rawArm.properties,
    networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", ipAddressOrRange: "20.10.30.40" }] },
    policies: { azureADAuthenticationAsArmPolicy: { status: "disabled" } },
  },
};

/** Resource Graph row: lower-case type, wire names. */
const argRow = { ...rawArm, type: "microsoft.containerregistry/registries", resourceGroup: "rg-acr", subscriptionId: "11111111-2222-3333-4444-555555555555" };

function registries(files: { name: string; content: string }[]): Registry[] {
  const s = snapshotFromFiles(files);
  for (const f of s.input.files) assert.equal(f.status, "used", `${f.file}: ${f.reason}`);
  const r: Fact<Registry[]> = s.registries;
  assert.equal(r.status, "ok");
  return r.status === "ok" ? r.value : [];
}

function withoutSource(r: Registry | undefined): Omit<Registry, "source"> | undefined {
  if (!r) return undefined;
  const { source: _source, ...rest } = r;
  return rest;
}

describe("one registry, many shapes", () => {
  const shapes: Record<string, unknown> = {
    "az acr show": azFlattened,
    "az acr list": [azFlattened],
    "raw ARM GET": rawArm,
    "ARM list": { value: [rawArm] },
    "JS SDK v12": jsSdk,
    "az graph query": { count: 1, data: [argRow], skip_token: null, total_records: 1 },
    "Resource Graph REST (bare rows)": [argRow],
    "Resource Graph table format": {
      totalRecords: 1,
      count: 1,
      data: { columns: Object.keys(argRow).map((name) => ({ name, type: "string" })), rows: [Object.values(argRow)] },
    },
  };
  const expected = withoutSource(registries([{ name: "a.json", content: JSON.stringify(azFlattened) }])[0]);

  it("the az shape is fully read", () => {
    assert.deepEqual(expected, {
      id: ID,
      name: "contosoacr",
      loginServer: "contosoacr.azurecr.io",
      location: "westeurope",
      resourceGroup: "rg-acr",
      subscriptionId: "11111111-2222-3333-4444-555555555555",
      sku: "Premium",
      adminUserEnabled: false,
      anonymousPullEnabled: false,
      publicNetworkAccess: "Enabled",
      networkRuleBypassOptions: "AzureServices",
      networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "20.10.30.40" }], virtualNetworkRules: [] },
      dataEndpointEnabled: true,
      dataEndpointHostNames: ["contosoacr.westeurope.data.azurecr.io"],
      privateEndpointConnections: [
        {
          id: `${ID}/privateEndpointConnections/pe-acr.1`,
          privateEndpointId: "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-acr",
          status: "Approved",
          description: "Auto-Approved",
        },
      ],
      roleAssignmentMode: "AbacRepositoryPermissions",
      azureAdAuthenticationAsArmPolicy: "disabled",
    });
  });

  for (const [name, doc] of Object.entries(shapes)) {
    it(`${name} gives the same facts`, () => {
      const regs = registries([{ name: "r.json", content: JSON.stringify(doc) }]);
      assert.equal(regs.length, 1);
      assert.deepEqual(withoutSource(regs[0]), expected);
    });
  }

  it("records where each copy came from", () => {
    const s = snapshotFromFiles([{ name: "sub/list.json", content: JSON.stringify({ value: [rawArm] }) }]);
    assert.deepEqual(s.registries.status === "ok" && s.registries.value[0]?.source, { file: "sub/list.json", path: "$.value[0]" });
  });
});

describe("merging", () => {
  it("dedupes ids that differ only in case and fills what the first copy lacks", () => {
    const older = { ...azFlattened, id: ID.replace("resourceGroups", "resourcegroups").replace("contosoacr", "ContosoACR") } as Record<string, unknown>;
    delete older["roleAssignmentMode"]; // older az versions do not print it
    const regs = registries([
      { name: "acr-list.json", content: JSON.stringify([older]) },
      { name: "acr-rest.json", content: JSON.stringify(rawArm) },
    ]);
    assert.equal(regs.length, 1);
    assert.equal(regs[0]?.source.file, "acr-list.json", "the first copy is kept");
    assert.equal(regs[0]?.roleAssignmentMode, "AbacRepositoryPermissions", "filled from the later copy");
  });

  it("dedupes pods by namespace/name and events by namespace/name", () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "ns", uid: "u1" }, spec: { containers: [{ name: "c", image: "x" }] } };
    const ev = { apiVersion: "v1", kind: "Event", metadata: { name: "p.1", namespace: "ns" }, message: "m", involvedObject: { kind: "Pod", name: "p" } };
    const s = snapshotFromFiles([
      { name: "pods.json", content: JSON.stringify({ apiVersion: "v1", kind: "List", items: [pod, ev] }) },
      { name: "pod.json", content: JSON.stringify(pod) },
      { name: "ev.json", content: JSON.stringify({ apiVersion: "v1", kind: "EventList", items: [ev] }) },
    ]);
    assert.equal(s.pods.status === "ok" && s.pods.value.length, 1);
    assert.equal(s.events.status === "ok" && s.events.value.length, 1);
  });

  it("compares role definitions on the GUID", () => {
    const guid = "7f951dda-4ed3-4680-a7ca-43fe172d538d";
    const az = {
      assignableScopes: ["/"],
      id: `/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
      name: guid,
      permissions: [{ actions: ["Microsoft.ContainerRegistry/registries/pull/read"], notActions: [], dataActions: [], notDataActions: [] }],
      roleName: "AcrPull",
      roleType: "BuiltInRole",
      type: "Microsoft.Authorization/roleDefinitions",
    };
    const raw = {
      id: `/providers/Microsoft.Authorization/roleDefinitions/${guid.toUpperCase()}`,
      name: guid,
      type: "Microsoft.Authorization/roleDefinitions",
      properties: { roleName: "AcrPull", type: "BuiltInRole", assignableScopes: ["/"], permissions: az.permissions },
    };
    const custom = {
      assignableScopes: ["/subscriptions/11111111-2222-3333-4444-555555555555"],
      id: "/subscriptions/11111111-2222-3333-4444-555555555555/providers/Microsoft.Authorization/roleDefinitions/0b5d1c43-8a3e-4c0e-9d8e-2f3a1b4c5d6e",
      name: "0b5d1c43-8a3e-4c0e-9d8e-2f3a1b4c5d6e",
      permissions: [{ actions: [], notActions: [], dataActions: ["Microsoft.ContainerRegistry/registries/repositories/content/read"], notDataActions: [] }],
      roleName: "Repo puller",
      roleType: "CustomRole",
      type: "Microsoft.Authorization/roleDefinitions",
    };
    const s = snapshotFromFiles([
      { name: "a.json", content: JSON.stringify([az, custom]) },
      { name: "b.json", content: JSON.stringify({ value: [raw] }) },
    ]);
    assert.equal(s.roleDefinitions.status, "ok");
    if (s.roleDefinitions.status !== "ok") return;
    assert.deepEqual(
      s.roleDefinitions.value.map((d) => [d.guid, d.roleName, d.roleType]),
      [
        [guid, "AcrPull", "BuiltInRole"],
        ["0b5d1c43-8a3e-4c0e-9d8e-2f3a1b4c5d6e", "Repo puller", "CustomRole"],
      ],
    );
  });
});

describe("subscription rows of resourcecontainers", () => {
  const SUB = "11111111-2222-3333-4444-555555555555";
  const chain = [{ displayName: "Platform", name: "mg-platform" }, { displayName: "Tenant Root Group", name: "72f988bf-86f1-41af-91ab-2d7cd011db47" }];
  const row = { id: `/subscriptions/${SUB}`, name: "Contoso Prod", type: "microsoft.resources/subscriptions", subscriptionId: SUB, properties: { managementGroupAncestorsChain: chain, state: "Enabled" } };
  it("gives each subscription its management groups, nearest first, from az graph query output and from the REST body", () => {
    for (const doc of [{ count: 1, data: [row], skip_token: null, total_records: 1 }, { totalRecords: 1, count: 1, data: [{ ...row, id: `/SUBSCRIPTIONS/${SUB.toUpperCase()}`, subscriptionId: SUB.toUpperCase() }] }]) {
      const s = snapshotFromFiles([{ name: "containers.json", content: JSON.stringify(doc) }]);
      assert.equal(s.subscriptions.status, "ok");
      const [sub] = (s.subscriptions as { value: { subscriptionId: string; displayName?: string; managementGroupAncestors?: string[] }[] }).value;
      assert.equal(sub?.subscriptionId, SUB);
      assert.equal(sub?.displayName, "Contoso Prod");
      assert.deepEqual(sub?.managementGroupAncestors, ["mg-platform", "72f988bf-86f1-41af-91ab-2d7cd011db47"]);
    }
  });
  it("keeps the ancestry unknown, not empty, when the row has no chain", () => {
    const s = snapshotFromFiles([{ name: "containers.json", content: JSON.stringify([{ ...row, properties: { state: "Enabled" } }]) }]);
    const value = s.subscriptions.status === "ok" ? s.subscriptions.value : [];
    assert.equal(value.length, 1);
    assert.equal(value[0]!.managementGroupAncestors, undefined);
  });
  it("is skipped, with the command that gives it, when no evidence has it", () => {
    const s = snapshotFromFiles([{ name: "acr.json", content: JSON.stringify(azFlattened) }]);
    assert.equal(s.subscriptions.status, "skipped");
    assert.match(s.subscriptions.status === "skipped" ? s.subscriptions.reason : "", /resourcecontainers/);
  });
});
