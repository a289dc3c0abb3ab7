import rule from "./net-egress-blocked.js";
import { ruleTester } from "../../test/rule-tester.js";
import { SUB, SUBNET_ID, VNET_ID, aRecord, dnsLink, dnsZone, failedEvent, miCluster, nsg, nsgRule, privateEndpoint, registry, snapshot, vnet } from "../../test/factories.js";
import type { RouteTable } from "../snapshot/types.js";

const IMG = "fabrikamregistry.azurecr.io/shop/cart:2.4.0";
const reg = registry({ name: "fabrikamregistry", sku: "Premium", location: "westeurope" });
const cluster = miCluster({ agentPools: [{ name: "system", mode: "System", osType: "Linux", currentOrchestratorVersion: "1.33.5", vnetSubnetId: SUBNET_ID }] });
const timeout = (host: string, ip: string, image = IMG) =>
  `Failed to pull image "${image}": rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to do request: Head "https://${host}/v2/shop/cart/manifests/2.4.0": dial tcp ${ip}:443: i/o timeout`;
const denyInternet = nsgRule("Deny-Internet-HTTPS-Outbound", "Deny", 200, "Internet");
const allowAcr = nsgRule("Allow-ACR-HTTPS-Outbound", "Allow", 300, "AzureContainerRegistry", { sourceAddressPrefixes: ["VirtualNetwork"] });
const base = { clusters: [cluster], registries: [reg], virtualNetworks: [vnet()] };
const dropAll: RouteTable = {
  id: `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/routeTables/rt-nodes`,
  name: "rt-nodes",
  routes: [{ name: "blackhole-default", addressPrefix: "0.0.0.0/0", nextHopType: "None" }],
  subnetIds: [SUBNET_ID.toLowerCase()],
  source: { file: "route-table.json", path: "$" },
};

ruleTester(rule, {
  invalid: [
    {
      name: "Deny Internet at priority 200 shadows the Allow for AzureContainerRegistry at 300",
      snapshot: snapshot({ ...base, networkSecurityGroups: [nsg([allowAcr, denyInternet])], events: [failedEvent(timeout("fabrikamregistry.azurecr.io", "20.61.4.9"))] }),
      findings: [{ code: "NET_EGRESS_BLOCKED", severity: "error", subject: reg.id, message: /rule Deny-Internet-HTTPS-Outbound \(priority 200\) denies outbound TCP 443 to Internet.*ahead of Allow-ACR-HTTPS-Outbound \(priority 300\)/, remediation: /az network nsg rule create --resource-group rg-net --nsg-name nsg-nodes .*--priority 190 .*--destination-address-prefixes AzureContainerRegistry\.westeurope --destination-port-ranges 443/ }],
    },
    {
      name: "a regional ACR deny matches the registry's region (tags compare case-insensitively)",
      snapshot: snapshot({ ...base, networkSecurityGroups: [nsg([nsgRule("Deny-ACR", "Deny", 150, "AzureContainerRegistry.WestEurope", { protocol: "*", destinationPortRanges: ["400-500"] })])] }),
      findings: [{ code: "NET_EGRESS_BLOCKED", subject: reg.id, message: /Deny-ACR \(priority 150\)/, remediation: /Allow-Storage-443-Outbound/ }],
    },
    {
      name: "a deny for the address range the kubelet dialled",
      snapshot: snapshot({ ...base, networkSecurityGroups: [nsg([nsgRule("Deny-Range", "Deny", 120, "20.61.4.0/24")])], events: [failedEvent(timeout("fabrikamregistry.azurecr.io", "20.61.4.9"))] }),
      findings: [{ code: "NET_EGRESS_BLOCKED", subject: reg.id, message: /Deny-Range.*20\.61\.4\.0\/24/, remediation: /nsg rule create/ }],
    },
    {
      name: "route table sends 0.0.0.0/0 to next hop None",
      snapshot: snapshot({ ...base, routeTables: [dropAll] }),
      findings: [{ code: "NET_EGRESS_BLOCKED", subject: reg.id, message: /route table rt-nodes sends 0\.0\.0\.0\/0 to next hop None/, remediation: /test-connectivity/ }],
    },
    {
      name: "timeouts with no NSG or route in the evidence: medium confidence, points at the firewall",
      snapshot: snapshot({ clusters: [miCluster()], registries: [reg], events: [failedEvent(timeout("fabrikamregistry.azurecr.io", "20.61.4.9"))] }),
      findings: [{ code: "NET_EGRESS_BLOCKED", subject: reg.id, message: /dial tcp 20\.61\.4\.9:443: i\/o timeout.*no NSG or route in the evidence explains it/, remediation: /az network watcher test-connectivity .*--dest-address fabrikamregistry\.azurecr\.io --dest-port 443/ }],
    },
    {
      name: "timeout to a private address points at the private-endpoint path",
      snapshot: snapshot({ clusters: [miCluster()], registries: [reg], events: [failedEvent(timeout("fabrikamregistry.azurecr.io", "10.1.2.5"))] }),
      findings: [{ code: "NET_EGRESS_BLOCKED", subject: reg.id, message: /since the address is private/, remediation: /test-connectivity/ }],
    },
    {
      name: "timeout to an ACR host no registry in the evidence describes",
      snapshot: snapshot({ clusters: [miCluster()], registries: [reg], events: [failedEvent(timeout("northwindtools.azurecr.io", "20.61.4.10", "northwindtools.azurecr.io/shop/cart:2.4.0"))] }),
      findings: [{ code: "NET_EGRESS_BLOCKED", subject: "northwindtools.azurecr.io", message: /northwindtools\.azurecr\.io/, remediation: /--dest-address northwindtools\.azurecr\.io/ }],
    },
  ],
  valid: [
    { name: "Allow for AzureContainerRegistry ahead of the Internet deny", snapshot: snapshot({ ...base, networkSecurityGroups: [nsg([nsgRule("Allow-ACR", "Allow", 100, "AzureContainerRegistry"), denyInternet])] }) },
    {
      name: "a deny scoped to another subnet's source range does not govern the nodes (shared NSG)",
      snapshot: snapshot({ ...base, networkSecurityGroups: [nsg([nsgRule("Deny-Jumpbox-Internet", "Deny", 200, "Internet", { sourceAddressPrefixes: ["10.9.0.0/24"] })])] }),
    },
    { name: "a deny for a region other than the registry's", snapshot: snapshot({ ...base, networkSecurityGroups: [nsg([nsgRule("Deny-ACR-EastUS", "Deny", 150, "AzureContainerRegistry.eastus")])] }) },
    { name: "a deny on port 80 only", snapshot: snapshot({ ...base, networkSecurityGroups: [nsg([nsgRule("Deny-HTTP", "Deny", 150, "Internet", { destinationPortRanges: ["80"] })])] }) },
    { name: "a deny for the Storage tag does not cover the login server", snapshot: snapshot({ ...base, networkSecurityGroups: [nsg([nsgRule("Deny-Storage", "Deny", 150, "Storage")])] }) },
    { name: "an inbound deny", snapshot: snapshot({ ...base, networkSecurityGroups: [nsg([nsgRule("Deny-In", "Deny", 150, "*", { direction: "Inbound" })])] }) },
    {
      name: "a deny for an address range, and no dialled address to compare it with",
      snapshot: snapshot({ ...base, networkSecurityGroups: [nsg([nsgRule("Deny-Range", "Deny", 120, "20.61.4.0/24")])] }),
      expect: "unknown",
      reason: /Deny-Range.*cannot be compared/,
    },
    {
      name: "a deny from a source range while the node subnet's range is not in the evidence",
      snapshot: snapshot({ clusters: [cluster], registries: [reg], networkSecurityGroups: [nsg([nsgRule("Deny-Range-Src", "Deny", 120, "Internet", { sourceAddressPrefixes: ["10.2.0.0/16"] })])] }),
      expect: "unknown",
      reason: /Deny-Range-Src/,
    },
    {
      name: "a working private endpoint keeps traffic inside the VNet, whatever the Internet rules say",
      snapshot: snapshot({ ...base, registries: [{ ...reg, privateEndpointConnections: [{ privateEndpointId: "/x/pe-acr", status: "Approved" }] }], networkSecurityGroups: [nsg([denyInternet])], privateEndpoints: [privateEndpoint(reg)], privateDnsZones: [dnsZone()], privateDnsVnetLinks: [dnsLink(VNET_ID)], privateDnsARecordSets: [aRecord("fabrikamregistry", "10.1.2.5")] }),
    },
    {
      name: "an approved endpoint behind custom DNS: the nodes may go private, so Internet rules prove nothing",
      snapshot: snapshot({ ...base, virtualNetworks: [vnet({ dnsServers: ["10.0.0.4"] })], registries: [{ ...reg, privateEndpointConnections: [{ privateEndpointId: "/x/pe-acr", status: "Approved" }] }], networkSecurityGroups: [nsg([denyInternet])] }),
    },
    {
      name: "an external registry timing out is EXT_UNREACHABLE's",
      snapshot: snapshot({ clusters: [miCluster()], registries: [reg], events: [failedEvent(timeout("ghcr.io", "140.82.121.33", "ghcr.io/shop/cart:2.4.0"))] }),
    },
  ],
});
