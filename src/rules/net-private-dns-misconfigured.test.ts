import rule from "./net-private-dns-misconfigured.js";
import { ruleTester } from "../../test/rule-tester.js";
import { SUBNET_ID, VNET_ID, acrPull403, aRecord, dnsLink, dnsZone, failedEvent, miCluster, privateEndpoint, registry, snapshot, vnet } from "../../test/factories.js";
import type { Registry } from "../snapshot/types.js";

const IMG = "fabrikamregistry.azurecr.io/shop/cart:2.4.0";
const HUB = VNET_ID.replace("vnet-aks", "vnet-hub");
const cluster = miCluster({ agentPools: [{ name: "system", mode: "System", osType: "Linux", currentOrchestratorVersion: "1.33.5", vnetSubnetId: SUBNET_ID }] });
const reg = registry({ name: "fabrikamregistry", sku: "Premium", publicNetworkAccess: "Disabled" });
const DATA = "fabrikamregistry.westeurope.data.azurecr.io";

/** A healthy private path; each case breaks one piece of it. */
function privateSetup(o: { reg?: Registry; links?: ReturnType<typeof dnsLink>[]; records?: ReturnType<typeof aRecord>[]; zones?: ReturnType<typeof dnsZone>[]; dnsServers?: string[] } = {}) {
  const r = o.reg ?? reg;
  const pe = privateEndpoint(r, "Approved", { customDnsConfigs: [{ fqdn: r.loginServer, ipAddresses: ["10.1.2.5"] }, { fqdn: DATA, ipAddresses: ["10.1.2.6"] }] });
  return {
    clusters: [cluster],
    registries: [r],
    virtualNetworks: [vnet({ dnsServers: o.dnsServers ?? [] })],
    privateEndpoints: [pe],
    privateDnsZones: o.zones ?? [dnsZone()],
    privateDnsVnetLinks: o.links ?? [dnsLink(HUB), dnsLink(VNET_ID)],
    privateDnsARecordSets: o.records ?? [aRecord("fabrikamregistry", "10.1.2.5")],
  };
}

ruleTester(rule, {
  invalid: [
    {
      name: "zone linked only to the hub VNet (nodes resolve the public address and get 403)",
      snapshot: snapshot({ ...privateSetup({ links: [dnsLink(HUB)] }), events: [failedEvent(acrPull403(IMG))] }),
      findings: [{ code: "NET_PRIVATE_DNS_MISCONFIGURED", severity: "error", subject: reg.id, message: /not linked to the cluster's VNet vnet-aks.*public endpoint is closed/, remediation: /az network private-dns link vnet create --resource-group rg-dns --zone-name privatelink\.azurecr\.io .*--virtual-network \/subscriptions\/.*\/vnet-aks --registration-enabled false/ }],
    },
    {
      name: "link to the cluster VNet stuck InProgress",
      snapshot: snapshot(privateSetup({ links: [{ ...dnsLink(VNET_ID), virtualNetworkLinkState: "InProgress" }] })),
      findings: [{ code: "NET_PRIVATE_DNS_MISCONFIGURED", message: /the link link-vnet-aks is InProgress/, remediation: /az network private-dns link vnet show .*--name link-vnet-aks/ }],
    },
    {
      name: "A record points at an old endpoint address",
      snapshot: snapshot(privateSetup({ records: [aRecord("fabrikamregistry", "10.1.2.9")] })),
      findings: [{ code: "NET_PRIVATE_DNS_MISCONFIGURED", message: /A record fabrikamregistry points to 10\.1\.2\.9, not the private endpoint's 10\.1\.2\.5/, remediation: /remove-record .*--record-set-name fabrikamregistry --ipv4-address 10\.1\.2\.9/ }],
    },
    {
      name: "no privatelink zone at all, and no links",
      snapshot: snapshot(privateSetup({ zones: [dnsZone("privatelink.vaultcore.azure.net")], links: [], records: [] })),
      findings: [{ code: "NET_PRIVATE_DNS_MISCONFIGURED", severity: "error", message: /no privatelink\.azurecr\.io private DNS zone exists/, remediation: /az network private-dns zone create --resource-group <DNS_ZONE_RESOURCE_GROUP> --name privatelink\.azurecr\.io/ }],
    },
    {
      name: "dedicated data endpoint without its A record (layers would go public)",
      snapshot: snapshot(privateSetup({ reg: { ...reg, dataEndpointEnabled: true, dataEndpointHostNames: [DATA] } })),
      findings: [{ code: "NET_PRIVATE_DNS_MISCONFIGURED", message: /no A record fabrikamregistry\.westeurope\.data for fabrikamregistry\.westeurope\.data\.azurecr\.io/, remediation: /record-set a add-record .*--record-set-name fabrikamregistry\.westeurope\.data --ipv4-address 10\.1\.2\.6/ }],
    },
    {
      name: "public endpoint still open: pulls bypass the private endpoint, a warning",
      snapshot: snapshot(privateSetup({ reg: { ...reg, publicNetworkAccess: "Enabled" }, links: [dnsLink(HUB)] })),
      findings: [{ code: "NET_PRIVATE_DNS_MISCONFIGURED", severity: "warning", message: /bypassing the private endpoint/, remediation: /link vnet create/ }],
    },
    {
      name: "a link to vnet-aks-old does not link vnet-aks (whole-id comparison, not prefix)",
      snapshot: snapshot(privateSetup({ links: [dnsLink(`${VNET_ID}-old`)] })),
      findings: [{ code: "NET_PRIVATE_DNS_MISCONFIGURED", severity: "error", message: /not linked to the cluster's VNet vnet-aks,/, remediation: /--virtual-network \S+\/vnet-aks / }],
    },
  ],
  valid: [
    { name: "zone linked to the cluster VNet with matching A record", snapshot: snapshot(privateSetup()), expect: "pass" },
    {
      name: "link names the VNet with `resourcegroups` in lower case",
      snapshot: snapshot(privateSetup({ links: [dnsLink(VNET_ID.replace("resourceGroups", "resourcegroups").toLowerCase())] })),
      expect: "pass",
    },
    {
      name: "custom DNS servers on the VNet: forwarding cannot be read from ARM",
      snapshot: snapshot(privateSetup({ dnsServers: ["10.0.0.4", "10.0.0.5"] })),
      expect: "unknown",
      reason: /custom DNS servers \(10\.0\.0\.4, 10\.0\.0\.5\).*168\.63\.129\.16/,
    },
    {
      name: "the endpoint is only Pending: DNS is not yet the question",
      snapshot: snapshot({ ...privateSetup({ links: [dnsLink(HUB)] }), privateEndpoints: [privateEndpoint(reg, "Pending")] }),
    },
    {
      name: "AKS-managed VNet (no vnetSubnetId): the VNet id is not in the evidence",
      snapshot: snapshot({ ...privateSetup(), clusters: [miCluster()] }),
      expect: "unknown",
      reason: /AKS-managed VNet/,
    },
    {
      name: "virtual network links not collected",
      snapshot: snapshot({ ...privateSetup(), privateDnsVnetLinks: { status: "error", kind: "forbidden", message: "needs Microsoft.Network/privateDnsZones/virtualNetworkLinks/read" } }),
      expect: "unknown",
      reason: /virtual network links of privatelink\.azurecr\.io are unavailable: forbidden/,
    },
  ],
});
