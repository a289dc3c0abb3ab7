// Recognition by content of the less common shapes: events.k8s.io events, Graph lists and error bodies,
// heterogeneous ARM arrays, raw network resources, typed/untyped empty lists, describe text.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Fact, Snapshot } from "../snapshot/types.js";
import { parseDescribePods } from "./describe.js";
import { snapshotFromFiles } from "./read.js";

const SUB = "/subscriptions/11111111-2222-3333-4444-555555555555";

function one(name: string, doc: unknown): Snapshot {
  return snapshotFromFiles([{ name, content: typeof doc === "string" ? doc : JSON.stringify(doc, null, 2) }]);
}

function ok<T>(f: Fact<T>): T {
  assert.equal(f.status, "ok", JSON.stringify(f));
  return (f as { status: "ok"; value: T }).value;
}

describe("kubernetes", () => {
  it("reads events.k8s.io/v1 events (regarding, note, series.count)", () => {
    const s = one("ev.json", {
      apiVersion: "events.k8s.io/v1",
      kind: "EventList",
      items: [
        {
          metadata: { name: "p.1", namespace: "ns" },
          eventTime: "2026-11-28T10:00:00.000000Z",
          note: 'Failed to pull image "x.azurecr.io/a:1": 401 Unauthorized',
          reason: "Failed",
          type: "Warning",
          regarding: { kind: "Pod", name: "p", namespace: "ns", fieldPath: "spec.containers{a}" },
          reportingController: "kubelet",
          reportingInstance: "aks-node-1",
          series: { count: 9, lastObservedTime: "2026-11-28T10:30:00.000000Z" },
        },
      ],
    });
    assert.deepEqual(ok(s.events)[0], {
      namespace: "ns",
      name: "p.1",
      type: "Warning",
      reason: "Failed",
      message: 'Failed to pull image "x.azurecr.io/a:1": 401 Unauthorized',
      count: 9,
      firstTimestamp: "2026-11-28T10:00:00.000000Z",
      lastTimestamp: "2026-11-28T10:30:00.000000Z",
      involvedObject: { kind: "Pod", name: "p", namespace: "ns", fieldPath: "spec.containers{a}" },
      sourceComponent: "kubelet",
      host: "aks-node-1",
      source: { file: "ev.json", path: "$.items[0]" },
    });
  });

  it("reads init and ephemeral containers, pull secrets and node selectors of a single Pod", () => {
    const s = one("pod.json", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "ns", creationTimestamp: "2026-11-28T09:00:00Z" },
      spec: {
        nodeName: "n1",
        serviceAccountName: "sa",
        imagePullSecrets: [{ name: "regcred" }],
        nodeSelector: { "kubernetes.io/os": "linux" },
        initContainers: [{ name: "init", image: "busybox:1" }],
        containers: [{ name: "app", image: "x.azurecr.io/app:1", imagePullPolicy: "Always" }],
        ephemeralContainers: [{ name: "dbg", image: "debug:1" }],
      },
      status: {
        phase: "Pending",
        initContainerStatuses: [{ name: "init", image: "busybox:1", state: { terminated: { reason: "Completed", exitCode: 0 } } }],
        containerStatuses: [{ name: "app", image: "x.azurecr.io/app:1", imageID: "", state: { waiting: { reason: "ImagePullBackOff", message: "Back-off" } } }],
        ephemeralContainerStatuses: [{ name: "dbg", image: "debug:1", state: { running: { startedAt: "2026-11-28T09:01:00Z" } } }],
      },
    });
    const [p] = ok(s.pods);
    assert.deepEqual(p?.imagePullSecrets, ["regcred"]);
    assert.deepEqual(p?.nodeSelector, { "kubernetes.io/os": "linux" });
    assert.deepEqual(p?.containers.map((c) => [c.kind, c.name]), [["container", "app"], ["init", "init"], ["ephemeral", "dbg"]]);
    assert.deepEqual(p?.statuses.map((c) => [c.kind, c.name, c.running]), [["container", "app", false], ["init", "init", false], ["ephemeral", "dbg", true]]);
    assert.deepEqual(p?.statuses[1]?.terminated, { reason: "Completed", exitCode: 0 });
    assert.equal(p?.source.path, "$");
  });

  it("an empty EventList is events; an empty List or {value:[]} is of unknown kind", () => {
    const s = snapshotFromFiles([
      { name: "a.json", content: JSON.stringify({ apiVersion: "v1", kind: "EventList", items: [] }) },
      { name: "b.json", content: JSON.stringify({ apiVersion: "v1", kind: "List", items: [], metadata: {} }) },
      { name: "c.json", content: JSON.stringify({ value: [] }) },
      { name: "d.json", content: "[]" },
    ]);
    assert.deepEqual(ok(s.events), []);
    const byFile = Object.fromEntries(s.input.files.map((f) => [f.file, `${f.status}: ${f.reason ?? f.kinds.join(",")}`]));
    assert.deepEqual(byFile, {
      "a.json": "used: events",
      "b.json": "skipped: empty list, kind unknown",
      "c.json": "skipped: empty list, kind unknown",
      "d.json": "skipped: empty list, kind unknown",
    });
    assert.equal(s.roleAssignments.status, "skipped");
  });

  it("reads ServiceAccount imagePullSecrets and Node platform fields", () => {
    const s = snapshotFromFiles([
      { name: "sa.json", content: JSON.stringify({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "ns" }, imagePullSecrets: [{ name: "ghcr" }] }) },
      {
        name: "node.json",
        content: JSON.stringify({
          apiVersion: "v1",
          kind: "NodeList",
          items: [
            {
              metadata: { name: "n1", labels: { "kubernetes.io/os": "linux", "kubernetes.io/arch": "arm64" } },
              spec: { providerID: "azure:///x" },
              status: { nodeInfo: { kubeletVersion: "v1.33.5", osImage: "Ubuntu 22.04.5 LTS" } },
            },
          ],
        }),
      },
    ]);
    assert.deepEqual(ok(s.serviceAccounts)[0]?.imagePullSecrets, ["ghcr"]);
    const [n] = ok(s.nodes);
    assert.deepEqual([n?.os, n?.arch, n?.kubeletVersion, n?.osImage, n?.providerID], ["linux", "arm64", "v1.33.5", "Ubuntu 22.04.5 LTS", "azure:///x"]);
  });
});

describe("graph", () => {
  it("reads a servicePrincipals $filter list and proves absence with an empty one", () => {
    const s = snapshotFromFiles([
      {
        name: "sps.json",
        content: JSON.stringify({
          "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals",
          value: [{ id: "aaaaaaaa-0000-0000-0000-000000000001", appId: "bbbbbbbb-0000-0000-0000-000000000002", accountEnabled: true, displayName: "x" }],
        }),
      },
      { name: "apps.json", content: JSON.stringify({ "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#applications", value: [] }) },
    ]);
    assert.equal(ok(s.servicePrincipals)[0]?.appId, "bbbbbbbb-0000-0000-0000-000000000002");
    assert.deepEqual(ok(s.directoryLookups).map((l) => [l.id, l.idKind, l.found, l.message]), [["", "unknown", false, "applications query returned no results"]]);
  });

  it("reads an app registration without OData annotations and never copies secretText", () => {
    const s = one("app.json", {
      id: "cccccccc-0000-0000-0000-000000000003",
      appId: "dddddddd-0000-0000-0000-000000000004",
      displayName: "aks-sp",
      signInAudience: "AzureADMyOrg",
      passwordCredentials: [{ keyId: "k1", endDateTime: "2026-12-01T00:00:00Z", hint: "abc", secretText: "PLANTED-SECRET-TEXT" }],
      keyCredentials: [{ keyId: "k2", endDateTime: "2027-01-01T00:00:00Z", type: "AsymmetricX509Cert", key: "PLANTED-KEY" }],
    });
    const [app] = ok(s.applications);
    assert.deepEqual(app?.passwordCredentials, [{ keyId: "k1", endDateTime: "2026-12-01T00:00:00Z", type: "password", hint: "abc" }]);
    assert.deepEqual(app?.keyCredentials, [{ keyId: "k2", endDateTime: "2027-01-01T00:00:00Z", type: "certificate" }]);
    assert.ok(!JSON.stringify(s).includes("PLANTED"));
  });

  it("reads an ARM PrincipalNotFound body (id without hyphens) and az's stderr text", () => {
    const s = snapshotFromFiles([
      {
        name: "ra-create-error.json",
        content: JSON.stringify({
          error: {
            code: "PrincipalNotFound",
            message: "Principal 2e01ea31e5194791aae488cc29e105a1 does not exist in the directory 72f988bf-86f1-41af-91ab-2d7cd011db47. Check that you have the correct principal ID.",
          },
        }),
      },
      { name: "sp-show.txt", content: "ERROR: Resource 'ABCDEF01-0000-0000-0000-000000000009' does not exist or one of its queried reference-property objects are not present.\n" },
      { name: "other-error.json", content: JSON.stringify({ error: { code: "AuthorizationFailed", message: "no" } }) },
    ]);
    assert.deepEqual(ok(s.directoryLookups).map((l) => [l.id, l.idKind, l.found]), [
      ["2e01ea31-e519-4791-aae4-88cc29e105a1", "objectId", false],
      ["abcdef01-0000-0000-0000-000000000009", "unknown", false],
    ]);
    assert.match(s.input.files.find((f) => f.file === "other-error.json")?.reason ?? "", /not recognised \(error body with code AuthorizationFailed\)/);
  });
});

describe("azure", () => {
  it("routes a heterogeneous ARM array and Resource Graph rows by type", () => {
    const nsgId = `${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/nsg1`;
    const rtId = `${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/rt1`;
    const natId = `${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/natGateways/nat1`;
    const vnetId = `${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet1`;
    const docs = [
      {
        id: vnetId,
        name: "vnet1",
        type: "Microsoft.Network/virtualNetworks",
        properties: {
          addressSpace: { addressPrefixes: ["10.0.0.0/16"] },
          dhcpOptions: { dnsServers: ["10.0.0.4"] },
          subnets: [
            {
              id: `${vnetId}/subnets/nodes`,
              name: "nodes",
              properties: { addressPrefixes: ["10.0.0.0/20"], networkSecurityGroup: { id: nsgId }, routeTable: { id: rtId }, natGateway: { id: natId } },
            },
          ],
          virtualNetworkPeerings: [{ name: "p", properties: { remoteVirtualNetwork: { id: "/x/hub" }, peeringState: "Connected" } }],
        },
      },
      {
        id: nsgId,
        name: "nsg1",
        type: "Microsoft.Network/networkSecurityGroups",
        properties: {
          securityRules: [
            {
              name: "deny-acr",
              properties: { access: "Deny", direction: "Outbound", priority: 100, protocol: "Tcp", sourceAddressPrefix: "*", destinationAddressPrefixes: ["AzureContainerRegistry", "Storage"], destinationPortRanges: ["443", "80"] },
            },
          ],
          defaultSecurityRules: [{ name: "DenyAllOutBound", properties: { access: "Deny", direction: "Outbound", priority: 65500, protocol: "*", destinationAddressPrefix: "*", destinationPortRange: "*" } }],
          subnets: [{ id: `${vnetId}/subnets/nodes` }],
        },
      },
      {
        id: rtId,
        name: "rt1",
        type: "Microsoft.Network/routeTables",
        properties: { routes: [{ name: "default", properties: { addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.42.1.4" } }], subnets: [{ id: `${vnetId}/subnets/nodes` }] },
      },
      { id: natId, name: "nat1", type: "Microsoft.Network/natGateways", properties: { publicIpAddresses: [{ id: "/x/pip1" }], subnets: [{ id: `${vnetId}/subnets/nodes` }] } },
      { id: `${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkInterfaces/nic1`, type: "Microsoft.Network/networkInterfaces" },
    ];
    const s = one("mixed.json", docs);
    const [vnet] = ok(s.virtualNetworks);
    assert.deepEqual(vnet?.dnsServers, ["10.0.0.4"]);
    assert.deepEqual(vnet?.subnets[0], { id: `${vnetId}/subnets/nodes`, name: "nodes", addressPrefixes: ["10.0.0.0/20"], nsgId, routeTableId: rtId, natGatewayId: natId });
    assert.deepEqual(vnet?.peerings, [{ remoteVirtualNetworkId: "/x/hub", peeringState: "Connected" }]);
    const [nsg] = ok(s.networkSecurityGroups);
    assert.deepEqual(nsg?.securityRules[0], {
      name: "deny-acr",
      direction: "Outbound",
      access: "Deny",
      priority: 100,
      protocol: "Tcp",
      sourceAddressPrefixes: ["*"],
      destinationAddressPrefixes: ["AzureContainerRegistry", "Storage"],
      destinationPortRanges: ["443", "80"],
      isDefault: false,
      path: "$[1].properties.securityRules[0]",
    });
    assert.equal(nsg?.securityRules[1]?.path, "$[1].properties.defaultSecurityRules[0]");
    assert.deepEqual(ok(s.routeTables)[0]?.routes, [{ name: "default", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: "10.42.1.4" }]);
    assert.deepEqual(ok(s.natGateways)[0]?.publicIpIds, ["/x/pip1"]);
    const report = s.input.files[0];
    assert.equal(report?.status, "used");
    assert.match(report?.reason ?? "", /1 of 5 items not recognised \(ARM type microsoft\.network\/networkinterfaces\)/);
  });

  it("reads az graph query output routed by lower-case type, with NAT outbound IPs and aliases", () => {
    const clusterId = `${SUB}/resourcegroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/aks1`;
    const s = one("graph.json", {
      count: 2,
      data: [
        {
          id: clusterId,
          name: "aks1",
          type: "microsoft.containerservice/managedclusters",
          properties: {
            servicePrincipalProfile: { clientId: "msi" },
            apiServerAccessProfile: { enablePrivateCluster: true },
            identityProfile: { kubeletidentity: { clientId: "c1", objectId: "o1", resourceId: "/r1" } },
            agentPoolProfiles: [{ name: "system", osType: "Linux", osSKU: "AzureLinux", vnetSubnetID: "/s1" }],
            networkProfile: { outboundType: "managedNATGateway", natGatewayProfile: { effectiveOutboundIPs: [{ id: "/pipNat" }] } },
          },
        },
        { id: `${SUB}/resourceGroups/rg-aks/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id1`, name: "id1", type: "microsoft.managedidentity/userassignedidentities", properties: { clientId: "c1", principalId: "o1" } },
      ],
      skip_token: null,
      total_records: 2,
    });
    const [c] = ok(s.clusters);
    assert.equal(c?.privateCluster, true);
    assert.equal(c?.servicePrincipalClientId, "msi");
    assert.deepEqual(c?.agentPools, [{ name: "system", osType: "Linux", osSku: "AzureLinux", vnetSubnetId: "/s1" }]);
    assert.deepEqual(c?.networkProfile, { outboundType: "managedNATGateway", effectiveOutboundIpIds: [], natGatewayEffectiveOutboundIpIds: ["/pipNat"] });
    assert.equal(c?.resourceGroup, "rg-aks");
    assert.equal(c?.source.path, "$.data[0]");
    assert.equal(ok(s.userAssignedIdentities)[0]?.resourceGroup, "rg-aks");
  });

  it("reads a full VMSS resource's identity, flattened deny assignments and raw ARM A records", () => {
    const s = snapshotFromFiles([
      {
        name: "vmss.json",
        content: JSON.stringify({
          id: `${SUB}/resourceGroups/MC_x/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-vmss`,
          name: "aks-pool-vmss",
          type: "Microsoft.Compute/virtualMachineScaleSets",
          identity: { type: "UserAssigned", userAssignedIdentities: { "/r1": { clientId: "c1", principalId: "o1" } } },
        }),
      },
      {
        name: "deny.json",
        content: JSON.stringify([
          { denyAssignmentName: "lock", id: `${SUB}/providers/Microsoft.Authorization/denyAssignments/d1`, permissions: [{ actions: ["*"] }], principals: [{ id: "00000000-0000-0000-0000-000000000000", type: "SystemDefined" }], excludePrincipals: [] },
        ]),
      },
      {
        name: "a.json",
        content: JSON.stringify({
          value: [
            {
              id: `${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.azurecr.io/A/contosoacr`,
              name: "contosoacr",
              type: "Microsoft.Network/privateDnsZones/A",
              properties: { fqdn: "contosoacr.privatelink.azurecr.io.", aRecords: [{ ipv4Address: "10.1.0.5" }] },
            },
          ],
        }),
      },
    ]);
    assert.deepEqual(ok(s.vmssIdentities)[0]?.userAssignedIdentities, [{ resourceId: "/r1", clientId: "c1", principalId: "o1" }]);
    assert.equal(ok(s.vmssIdentities)[0]?.vmssName, "aks-pool-vmss");
    const [d] = ok(s.denyAssignments);
    assert.deepEqual([d?.name, d?.scope, d?.permissions[0]?.notActions], ["lock", SUB, []]);
    assert.deepEqual(ok(s.privateDnsARecordSets)[0]?.ipv4Addresses, ["10.1.0.5"]);
    assert.equal(ok(s.privateDnsARecordSets)[0]?.zoneName, "privatelink.azurecr.io");
  });

  it("names the command that produces each missing fact", () => {
    const s = snapshotFromFiles([], { now: new Date("2026-11-28T00:00:00Z"), targets: { images: ["a.azurecr.io/x:1"], registries: ["a"] } });
    assert.equal(s.collectedAt, "2026-11-28T00:00:00.000Z");
    assert.deepEqual(s.targets, { images: ["a.azurecr.io/x:1"], registries: ["a"] });
    assert.deepEqual(s.roleAssignments, { status: "skipped", reason: "no role assignments in the evidence (e.g. `az role assignment list --all -o json`)" });
    assert.equal(s.events.status === "skipped" && s.events.reason, "no Kubernetes events in the evidence (e.g. `kubectl get events -A -o json`)");
  });
});

describe("kubectl describe pod", () => {
  it("parses several pods, <none> events and unaligned pasted columns", () => {
    const text = [
      "Name:             a-1",
      "Namespace:        ns",
      "Service Account:  sa",
      "Node:             <none>",
      "Containers:",
      "  app:",
      "    Image:          x.azurecr.io/app:1",
      "    Image ID:       ",
      "Events:            <none>",
      "",
      "",
      "Name:             b-2",
      "Namespace:        ns",
      "Node:             aks-n-1/10.0.0.4",
      "Init Containers:",
      "  init:",
      "    Image:          busybox:1",
      "Containers:",
      "  app:",
      "    Image:          x.azurecr.io/app:2",
      "Events:",
      "  Type     Reason   Age   From     Message",
      "  ----     ------   ----  ----     -------",
      "  Warning\tFailed\t3m (x4 over 10m)\tkubelet\tFailed to pull image \"x.azurecr.io/app:2\": 401 Unauthorized",
    ].join("\n");
    const d = parseDescribePods(text, "d.txt");
    assert.equal(d.length, 2);
    assert.deepEqual([d[0]?.name, d[0]?.nodeName, d[0]?.serviceAccountName, d[0]?.images, d[0]?.events], ["a-1", undefined, "sa", ["x.azurecr.io/app:1"], []]);
    assert.deepEqual(d[1]?.images, ["busybox:1", "x.azurecr.io/app:2"]);
    assert.equal(d[1]?.nodeName, "aks-n-1");
    assert.deepEqual(d[1]?.events, [{ type: "Warning", reason: "Failed", message: 'Failed to pull image "x.azurecr.io/app:2": 401 Unauthorized', count: 4 }]);
    assert.equal(d[1]?.source.path, "line 12");
  });

  it("a .txt that is not describe output is skipped", () => {
    const s = one("notes.txt", "the registry stopped working on monday\n");
    assert.deepEqual(s.input.files[0], { file: "notes.txt", status: "skipped", kinds: [], reason: "not recognised (text that is not `kubectl describe pod` output)" });
  });
});
