import rule from "./net-public-access-disabled.js";
import { ruleTester } from "../../test/rule-tester.js";
import { SUB, acrPull403, failedEvent, miCluster, privateEndpoint, registry, snapshot } from "../../test/factories.js";

const reg = registry({ name: "fabrikamregistry", sku: "Premium", publicNetworkAccess: "Disabled" });
const IMG = "fabrikamregistry.azurecr.io/shop/cart:2.4.0";
// A private endpoint of another service in the same subscription: it must not count as a path to the registry.
const keyVaultPe = privateEndpoint(reg, "Approved", {
  id: `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-kv`,
  name: "pe-kv",
  connections: [{ privateLinkServiceId: `/subscriptions/${SUB}/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/fabrikam-kv`, groupIds: ["vault"], status: "Approved", manual: false }],
  customDnsConfigs: [],
});
// `fabrikamregistry2` shares a prefix with `fabrikamregistry`: its endpoint must not be mistaken for ours.
const siblingPe = privateEndpoint(registry({ name: "fabrikamregistry2", sku: "Premium" }), "Approved", { name: "pe-fabrikamregistry2" });

ruleTester(rule, {
  invalid: [
    {
      name: "public access disabled and only unrelated private endpoints in the subscription",
      snapshot: snapshot({ clusters: [miCluster()], registries: [reg], privateEndpoints: [keyVaultPe] }),
      findings: [{ code: "NET_PUBLIC_ACCESS_DISABLED", severity: "error", subject: reg.id, message: /publicNetworkAccess Disabled.*no private endpoint in the evidence targets it/, remediation: /az network private-endpoint create .*--group-id registry/ }],
    },
    {
      name: "lower-case `disabled` from a raw ARM GET, with the kubelet's 403 as evidence",
      snapshot: snapshot({
        clusters: [miCluster()],
        registries: [registry({ ...reg, publicNetworkAccess: "disabled" })],
        events: [failedEvent(acrPull403(IMG), { pod: "cart-7d9f" })],
      }),
      findings: [{ code: "NET_PUBLIC_ACCESS_DISABLED", subject: reg.id, message: /refuses|403/, remediation: /az acr update --name fabrikamregistry .*--public-network-enabled true --default-action Deny/ }],
    },
    {
      name: "a private endpoint of a registry whose name extends ours does not count",
      snapshot: snapshot({ clusters: [miCluster()], registries: [reg], privateEndpoints: [siblingPe] }),
      findings: [{ code: "NET_PUBLIC_ACCESS_DISABLED", severity: "error", subject: reg.id, message: /fabrikamregistry has publicNetworkAccess Disabled/, remediation: /private-dns link vnet create/ }],
    },
    {
      name: "only the disabled registry of two is reported",
      snapshot: snapshot({ clusters: [miCluster()], registries: [registry({ name: "northwindshared" }), reg] }),
      findings: [{ code: "NET_PUBLIC_ACCESS_DISABLED", subject: /\/registries\/fabrikamregistry$/, message: /fabrikamregistry/, remediation: /network-rule add --name fabrikamregistry/ }],
    },
  ],
  valid: [
    { name: "public access enabled", snapshot: snapshot({ clusters: [miCluster()], registries: [registry({ name: "fabrikamregistry" })] }), expect: "pass" },
    {
      name: "public access not set (defaults to Enabled)",
      snapshot: snapshot({ clusters: [miCluster()], registries: [registry({ name: "fabrikamregistry", publicNetworkAccess: undefined })] }),
      expect: "pass",
    },
    {
      name: "disabled, with an approved private endpoint on the registry itself",
      snapshot: snapshot({ clusters: [miCluster()], registries: [{ ...reg, privateEndpointConnections: [{ privateEndpointId: `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-acr`, status: "Approved" }] }] }),
    },
    {
      name: "disabled, with the endpoint known only from `az network private-endpoint list` and a differently-cased id",
      snapshot: snapshot({
        clusters: [miCluster()],
        registries: [reg],
        privateEndpoints: [privateEndpoint(reg, "Approved", { connections: [{ privateLinkServiceId: reg.id.replace("resourceGroups", "resourcegroups").toUpperCase(), groupIds: ["registry"], status: "Approved", manual: false }] })],
      }),
    },
    {
      name: "disabled with a Pending endpoint: approval is net-private-endpoint-not-approved's business",
      snapshot: snapshot({ clusters: [miCluster()], registries: [{ ...reg, privateEndpointConnections: [{ privateEndpointId: "/x/pe-acr", status: "Pending" }] }] }),
    },
    {
      name: "the cluster could not be read",
      snapshot: snapshot({ clusters: { status: "error", kind: "forbidden", message: "needs Microsoft.ContainerService/managedClusters/read" }, registries: [reg] }),
      expect: "unknown",
      reason: /clusters: forbidden/,
    },
  ],
});
