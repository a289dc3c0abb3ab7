import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { clusters, registryTargets } from "./lib/targets.js";
import { privatePath } from "./lib/network.js";
import { q } from "./lib/commands.js";
import { registryRg } from "./lib/commands.js";
import { observationEvidence } from "./lib/observations.js";

export default defineRule({
  id: "net-public-access-disabled",
  codes: ["NET_PUBLIC_ACCESS_DISABLED"],
  stage: "network",
  title: "Public access disabled and no private endpoint",
  description: "When a registry's publicNetworkAccess is Disabled, checks that it has a private endpoint connection the cluster can use at all.",
  appliesTo: usesAcr,
  requires: ["clusters", "registries"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const cluster of clusters(ctx)) {
      for (const t of registryTargets(ctx)) {
        const reg = t.registry;
        if ((reg.publicNetworkAccess ?? "Enabled").toLowerCase() !== "disabled") {
          out.push({ kind: "pass", check: `public endpoint of ${reg.loginServer} is enabled`, subject: reg.id, message: `publicNetworkAccess ${reg.publicNetworkAccess ?? "Enabled (default)"}` });
          continue;
        }
        const path = privatePath(ctx, cluster, reg);
        if (path.connections.length > 0) continue; // a private endpoint exists: its approval and DNS are other rules' business
        out.push({
          kind: "finding",
          code: "NET_PUBLIC_ACCESS_DISABLED",
          confidence: "high",
          title: `${reg.name} refuses public traffic and has no private endpoint`,
          message: `${reg.name} has publicNetworkAccess Disabled, so it answers only through private endpoints, and it has none (privateEndpointConnections is empty${ctx.snapshot.privateEndpoints.status === "ok" ? " and no private endpoint in the evidence targets it" : ""}). The nodes reach its public endpoint and get 403.`,
          subject: reg.id,
          evidence: [
            { source: reg.source.file, path: `${reg.source.path}.publicNetworkAccess`, observed: reg.publicNetworkAccess ?? "", expected: "Enabled, or an approved private endpoint" },
            { source: reg.source.file, path: `${reg.source.path}.privateEndpointConnections`, observed: "[]" },
            ...t.failures.slice(0, 2).map(observationEvidence),
          ],
          remediation: [
            `# either give the cluster a private path (Premium SKU):`,
            `az network private-endpoint create --resource-group <VNET_RESOURCE_GROUP> --name pe-${reg.name} --vnet-name <CLUSTER_VNET> --subnet <PE_SUBNET> --private-connection-resource-id ${q(reg.id)} --group-id registry --connection-name pe-${reg.name}`,
            `az network private-dns zone create --resource-group <VNET_RESOURCE_GROUP> --name privatelink.azurecr.io`,
            `az network private-dns link vnet create --resource-group <VNET_RESOURCE_GROUP> --zone-name privatelink.azurecr.io --name <CLUSTER_VNET>-link --virtual-network <CLUSTER_VNET_ID> --registration-enabled false`,
            `az network private-endpoint dns-zone-group create --resource-group <VNET_RESOURCE_GROUP> --endpoint-name pe-${reg.name} --name default --private-dns-zone privatelink.azurecr.io --zone-name privatelink.azurecr.io`,
            `# or re-open the public endpoint, limited to the cluster's egress IPs:`,
            `az acr update --name ${q(reg.name)} --resource-group ${q(registryRg(reg))} --public-network-enabled true --default-action Deny`,
            `az acr network-rule add --name ${q(reg.name)} --ip-address <CLUSTER_EGRESS_IP>`,
          ],
        });
      }
    }
    return out;
  },
});
