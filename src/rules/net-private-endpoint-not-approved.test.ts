import rule from "./net-private-endpoint-not-approved.js";
import { ruleTester } from "../../test/rule-tester.js";
import { SUB, miCluster, privateEndpoint, publicIp, registry, snapshot } from "../../test/factories.js";
import type { Registry } from "../snapshot/types.js";

const PE_ID = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/privateEndpoints/pe-acr`;
const withConnection = (status: string, o: Partial<Registry> = {}) =>
  registry({ name: "fabrikamregistry", sku: "Premium", privateEndpointConnections: [{ id: "/x/privateEndpointConnections/pe-acr.1f2e", privateEndpointId: PE_ID, status, description: "requested by platform team" }], ...o });
const firewall = (ips: string[]) => ({ defaultAction: "Deny", ipRules: ips.map((value) => ({ action: "Allow", value })), virtualNetworkRules: [] });

ruleTester(rule, {
  invalid: [
    {
      name: "Pending connection and public access disabled: nothing reaches the registry",
      snapshot: snapshot({ clusters: [miCluster()], registries: [withConnection("Pending", { publicNetworkAccess: "Disabled" })] }),
      findings: [{ code: "NET_PRIVATE_ENDPOINT_NOT_APPROVED", severity: "error", subject: /registries\/fabrikamregistry$/, message: /pe-acr: Pending.*public endpoint is closed/, remediation: /az acr private-endpoint-connection approve --registry-name fabrikamregistry/ }],
    },
    {
      name: "Rejected connection while the public endpoint is still open: a warning, the endpoint must be recreated",
      snapshot: snapshot({ clusters: [miCluster()], registries: [withConnection("Rejected")] }),
      findings: [{ code: "NET_PRIVATE_ENDPOINT_NOT_APPROVED", severity: "warning", message: /Rejected.*still use the public endpoint/, remediation: /az network private-endpoint delete --ids .*pe-acr.*recreate/ }],
    },
    {
      name: "Disconnected, known only from the private endpoint list, firewall without the cluster's IP",
      snapshot: snapshot({
        clusters: [miCluster()],
        registries: [registry({ name: "fabrikamregistry", sku: "Premium", networkRuleSet: firewall(["203.0.113.10"]) })],
        privateEndpoints: [privateEndpoint(registry({ name: "fabrikamregistry" }), "Disconnected")],
        publicIps: [publicIp("20.74.91.37")],
      }),
      findings: [{ code: "NET_PRIVATE_ENDPOINT_NOT_APPROVED", severity: "error", message: /Disconnected/, remediation: /private-endpoint delete/ }],
    },
    {
      name: "Pending, but the firewall lists the cluster's egress IP: public pulls still work, so a warning",
      snapshot: snapshot({ clusters: [miCluster()], registries: [withConnection("Pending", { networkRuleSet: firewall(["20.74.91.32/28"]) })], publicIps: [publicIp("20.74.91.37")] }),
      findings: [{ code: "NET_PRIVATE_ENDPOINT_NOT_APPROVED", severity: "warning", message: /Pending/, remediation: /approve/ }],
    },
  ],
  valid: [
    { name: "Approved connection", snapshot: snapshot({ clusters: [miCluster()], registries: [withConnection("Approved", { publicNetworkAccess: "Disabled" })] }), expect: "pass" },
    {
      name: "one Approved among a Rejected leftover",
      snapshot: snapshot({ clusters: [miCluster()], registries: [{ ...withConnection("Rejected"), privateEndpointConnections: [{ privateEndpointId: `${PE_ID}-old`, status: "Rejected" }, { privateEndpointId: PE_ID, status: "Approved" }] }] }),
      expect: "pass",
    },
    {
      name: "approval seen only in the private endpoint list, registry id in different case",
      snapshot: snapshot({ clusters: [miCluster()], registries: [registry({ name: "fabrikamregistry", sku: "Premium" })], privateEndpoints: [privateEndpoint(registry({ name: "fabrikamregistry", resourceGroup: "RG-REGISTRY" }))] }),
      expect: "pass",
    },
    { name: "no private endpoint at all: not this rule's question", snapshot: snapshot({ clusters: [miCluster()], registries: [registry({ name: "fabrikamregistry" })], privateEndpoints: [] }) },
    {
      name: "a Pending endpoint of a registry whose name extends ours",
      snapshot: snapshot({ clusters: [miCluster()], registries: [registry({ name: "fabrikamregistry" })], privateEndpoints: [privateEndpoint(registry({ name: "fabrikamregistry2" }), "Pending")] }),
    },
    {
      name: "registries could not be read",
      snapshot: snapshot({ clusters: [miCluster()], registries: { status: "error", kind: "forbidden", message: "needs Microsoft.ContainerRegistry/registries/read" } }, { targets: { images: [], registries: ["fabrikamregistry"] } }),
      expect: "unknown",
      reason: /registries: forbidden/,
    },
  ],
});
