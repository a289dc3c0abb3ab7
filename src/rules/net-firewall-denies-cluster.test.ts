import rule from "./net-firewall-denies-cluster.js";
import { ruleTester } from "../../test/rule-tester.js";
import { SUB, SUBNET_ID, VNET_ID, acrPull403, aRecord, dnsLink, dnsZone, failedEvent, miCluster, privateEndpoint, publicIp, registry, snapshot, vnet } from "../../test/factories.js";

const IMG = "fabrikamregistry.azurecr.io/shop/cart:2.4.0";
const PIP1 = `/subscriptions/${SUB}/resourceGroups/MC_rg-aks_aks1_westeurope/providers/Microsoft.Network/publicIPAddresses/pip1`;
const PIP2 = `/subscriptions/${SUB}/resourceGroups/MC_rg-aks_aks1_westeurope/providers/Microsoft.Network/publicIPAddresses/pip2`;
const firewalled = (ipRules: string[], o: Parameters<typeof registry>[0] = {}) =>
  registry({ name: "fabrikamregistry", sku: "Premium", networkRuleSet: { defaultAction: "Deny", ipRules: ipRules.map((value) => ({ action: "Allow", value })), virtualNetworkRules: [] }, ...o });
// The CI range 20.74.91.0/28 ends at .15: the cluster's .37 sits just outside it.
const reg = firewalled(["203.0.113.10", "20.74.91.0/28"]);
const cluster = miCluster();
const customVnetCluster = miCluster({ agentPools: [{ name: "system", mode: "System", osType: "Linux", currentOrchestratorVersion: "1.33.5", vnetSubnetId: SUBNET_ID }] });
const hubVnet = VNET_ID.replace("vnet-aks", "vnet-hub");
const approved = { ...reg, publicNetworkAccess: "Enabled", privateEndpointConnections: [{ privateEndpointId: "/x/pe-acr", status: "Approved" }] };

ruleTester(rule, {
  invalid: [
    {
      name: "load-balancer egress IP outside every IP rule (CIDR boundary)",
      snapshot: snapshot({ clusters: [cluster], registries: [reg], publicIps: [publicIp("20.74.91.37")], events: [failedEvent(acrPull403(IMG))] }),
      findings: [{ code: "NET_FIREWALL_DENIES_CLUSTER", severity: "error", subject: reg.id, message: /defaultAction Deny.*20\.74\.91\.0\/28.*20\.74\.91\.37/, remediation: /^az acr network-rule add --name fabrikamregistry --ip-address 20\.74\.91\.37$/ }],
    },
    {
      name: "egress IP taken from ACR's own `client with IP` answer when the public IP resource is missing",
      snapshot: snapshot({
        clusters: [cluster],
        registries: [reg],
        events: [failedEvent(`Failed to pull image "${IMG}": rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": unexpected status from HEAD request to https://fabrikamregistry.azurecr.io/v2/shop/cart/manifests/2.4.0: 403 Forbidden: denied: client with IP '52.174.10.77' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.`)],
      }),
      findings: [{ code: "NET_FIREWALL_DENIES_CLUSTER", subject: reg.id, message: /52\.174\.10\.77/, remediation: /--ip-address 52\.174\.10\.77/ }],
    },
    {
      name: "two outbound IPs, only one allowed: flows SNATed to the other are refused",
      snapshot: snapshot({
        clusters: [miCluster({ networkProfile: { outboundType: "loadBalancer", effectiveOutboundIpIds: [PIP1, PIP2], natGatewayEffectiveOutboundIpIds: [] } })],
        registries: [firewalled(["20.74.91.36"])],
        publicIps: [publicIp("20.74.91.36"), publicIp("20.74.91.37", { id: PIP2, name: "pip2" })],
      }),
      findings: [{ code: "NET_FIREWALL_DENIES_CLUSTER", severity: "error", subject: /fabrikamregistry$/, message: /egress IP 20\.74\.91\.37.*intermittently/, remediation: /--ip-address 20\.74\.91\.37$/ }],
    },
    {
      name: "NAT gateway outbound IP, outbound id in lower-case resourcegroups",
      snapshot: snapshot({
        clusters: [miCluster({ networkProfile: { outboundType: "userAssignedNATGateway", effectiveOutboundIpIds: [], natGatewayEffectiveOutboundIpIds: [PIP1.replace("resourceGroups", "resourcegroups")] } })],
        registries: [reg],
        publicIps: [publicIp("51.105.7.19")],
      }),
      findings: [{ code: "NET_FIREWALL_DENIES_CLUSTER", subject: reg.id, message: /51\.105\.7\.19/, remediation: /--ip-address 51\.105\.7\.19/ }],
    },
  ],
  valid: [
    { name: "egress IP inside an allowed CIDR range", snapshot: snapshot({ clusters: [cluster], registries: [firewalled(["20.74.91.32/28"])], publicIps: [publicIp("20.74.91.37")] }), expect: "pass" },
    { name: "egress IP listed as a bare address", snapshot: snapshot({ clusters: [cluster], registries: [firewalled(["20.74.91.37"])], publicIps: [publicIp("20.74.91.37")] }), expect: "pass" },
    { name: "defaultAction Allow: the firewall is open", snapshot: snapshot({ clusters: [cluster], registries: [registry({ name: "fabrikamregistry", sku: "Premium" })], publicIps: [publicIp("20.74.91.37")] }) },
    {
      name: "public access Disabled is net-public-access-disabled's case, not a firewall one",
      snapshot: snapshot({ clusters: [cluster], registries: [{ ...reg, publicNetworkAccess: "Disabled" }], publicIps: [publicIp("20.74.91.37")], events: [failedEvent(acrPull403(IMG))] }),
    },
    {
      name: "Deny on a Standard registry: IP rules need Premium (cfg-sku-feature-mismatch)",
      snapshot: snapshot({ clusters: [cluster], registries: [{ ...reg, sku: "Standard" }], publicIps: [publicIp("20.74.91.37")] }),
    },
    {
      name: "node subnet allowed by a VNet rule, ids differing in case",
      snapshot: snapshot({ clusters: [customVnetCluster], registries: [{ ...reg, networkRuleSet: { defaultAction: "Deny", ipRules: [], virtualNetworkRules: [{ action: "Allow", id: SUBNET_ID.toLowerCase() }] } }], publicIps: [publicIp("20.74.91.37")] }),
      expect: "pass",
    },
    {
      name: "approved private endpoint with working DNS",
      snapshot: snapshot({ clusters: [customVnetCluster], registries: [approved], publicIps: [publicIp("20.74.91.37")], virtualNetworks: [vnet()], privateEndpoints: [privateEndpoint(approved)], privateDnsZones: [dnsZone()], privateDnsVnetLinks: [dnsLink(VNET_ID)], privateDnsARecordSets: [aRecord("fabrikamregistry", "10.1.2.5")] }),
      expect: "pass",
    },
    {
      name: "approved private endpoint and a zone not linked to the cluster VNet: a 403 there is DNS, not the firewall",
      snapshot: snapshot({ clusters: [customVnetCluster], registries: [approved], publicIps: [publicIp("20.74.91.37")], virtualNetworks: [vnet()], privateEndpoints: [privateEndpoint(approved)], privateDnsZones: [dnsZone()], privateDnsVnetLinks: [dnsLink(hubVnet)], privateDnsARecordSets: [aRecord("fabrikamregistry", "10.1.2.5")], events: [failedEvent(acrPull403(IMG))] }),
    },
    {
      name: "approved private endpoint behind custom DNS: cannot tell which path the nodes take",
      snapshot: snapshot({ clusters: [customVnetCluster], registries: [approved], publicIps: [publicIp("20.74.91.37")], virtualNetworks: [vnet({ dnsServers: ["10.0.0.4"] })], privateEndpoints: [privateEndpoint(approved)], privateDnsVnetLinks: [] }),
      expect: "unknown",
      reason: /custom DNS/,
    },
    {
      name: "userDefinedRouting: the egress IP is the firewall's, not in the evidence",
      snapshot: snapshot({ clusters: [miCluster({ networkProfile: { outboundType: "userDefinedRouting", effectiveOutboundIpIds: [], natGatewayEffectiveOutboundIpIds: [] } })], registries: [reg] }),
      expect: "unknown",
      reason: /userDefinedRouting/,
    },
    {
      name: "outbound public IP resources not collected: never a guessed 403",
      snapshot: snapshot({ clusters: [cluster], registries: [reg], events: [failedEvent(acrPull403(IMG))] }),
      expect: "unknown",
      reason: /public-ip show --ids/,
    },
  ],
});
