import { defineRule, type Outcome, type Evidence } from "../engine/types.js";
import { clusters, registryTargets } from "./lib/targets.js";
import { clusterSubnetPrefixes, evaluateNsgOutbound, nsgsForCluster, routeTablesForCluster, privatePath } from "./lib/network.js";
import { failures, observationEvidence, topCode } from "./lib/observations.js";
import { hostKind } from "./lib/images.js";
import { q } from "./lib/commands.js";
import { errorDetail } from "./lib/observed.js";

export default defineRule({
  id: "net-egress-blocked",
  codes: ["NET_EGRESS_BLOCKED"],
  stage: "network",
  title: "Nodes cannot reach the registry (egress blocked)",
  description: "Evaluates the node subnets' NSG outbound rules (first match by priority, service tags) and route tables for TCP 443 to the registry's public endpoint, and reads connection timeouts/refusals to ACR hosts from pull failures.",
  requires: ["clusters"],
  check(ctx) {
    const out: Outcome[] = [];
    const seen = new Set<string>();
    for (const cluster of clusters(ctx)) {
      for (const t of registryTargets(ctx)) {
        const reg = t.registry;
        const path = privatePath(ctx, cluster, reg);
        if (path.approved && path.dns.status === "ok") continue; // traffic stays inside the VNet
        const evidence: Evidence[] = [];
        const reasons: string[] = [];
        const fixes: string[] = [];
        const undecided: string[] = [];
        const destIp = t.failures.map((f) => f.classification?.ip).find((ip): ip is string => !!ip);
        // With an approved endpoint behind custom DNS the nodes may well go private, where public-path NSG rules do not apply.
        const publicPathUsed = !(path.approved && path.dns.status === "unknown");
        const nodePrefixes = clusterSubnetPrefixes(ctx, cluster);
        for (const nsg of publicPathUsed ? nsgsForCluster(ctx, cluster) : []) {
          const v = evaluateNsgOutbound(nsg, reg.location, destIp, nodePrefixes);
          if (v.decision === "unknown" && v.rule) undecided.push(`NSG ${nsg.name} rule ${v.rule.name} (priority ${v.rule.priority}) names address ranges (${[...v.rule.sourceAddressPrefixes, ...v.rule.destinationAddressPrefixes].join(", ")}) that cannot be compared with the node subnet and the registry's address from the evidence`);
          if (v.decision === "deny" && v.rule) {
            reasons.push(`NSG ${nsg.name} rule ${v.rule.name} (priority ${v.rule.priority}) denies outbound TCP 443 to ${v.rule.destinationAddressPrefixes.join(", ")}, which contains the registry's public endpoint${v.shadowedAllows.length ? `, ahead of ${v.shadowedAllows.map((r) => `${r.name} (priority ${r.priority})`).join(", ")}` : ""}`);
            evidence.push({ source: nsg.source.file, path: v.rule.path, observed: `${v.rule.name}: ${v.rule.access} ${v.rule.protocol} ${v.rule.destinationPortRanges.join(",")} to ${v.rule.destinationAddressPrefixes.join(",")} priority ${v.rule.priority}`, expected: "an Allow for AzureContainerRegistry on 443 at a lower priority number" });
            for (const s of v.shadowedAllows) evidence.push({ source: nsg.source.file, path: s.path, observed: `${s.name}: Allow to ${s.destinationAddressPrefixes.join(",")} priority ${s.priority} (never reached)` });
            const rg = nsg.id.split("/")[4] ?? "<NSG_RESOURCE_GROUP>";
            fixes.push(`az network nsg rule create --resource-group ${q(rg)} --nsg-name ${q(nsg.name)} --name Allow-ACR-443-Outbound --priority ${Math.max(100, v.rule.priority - 10)} --direction Outbound --access Allow --protocol Tcp --source-address-prefixes VirtualNetwork --destination-address-prefixes AzureContainerRegistry${reg.location ? "." + reg.location : ""} --destination-port-ranges 443`);
            fixes.push(`az network nsg rule create --resource-group ${q(rg)} --nsg-name ${q(nsg.name)} --name Allow-Storage-443-Outbound --priority ${Math.max(101, v.rule.priority - 9)} --direction Outbound --access Allow --protocol Tcp --source-address-prefixes VirtualNetwork --destination-address-prefixes Storage${reg.location ? "." + reg.location : ""} --destination-port-ranges 443   # layer downloads (data endpoint / blob storage)`);
          }
        }
        for (const rt of publicPathUsed ? routeTablesForCluster(ctx, cluster) : []) {
          const drop = rt.routes.find((r) => r.addressPrefix === "0.0.0.0/0" && /^none$/i.test(r.nextHopType));
          if (drop) {
            reasons.push(`route table ${rt.name} sends 0.0.0.0/0 to next hop None, which drops the traffic`);
            evidence.push({ source: rt.source.file, path: rt.source.path, observed: `${drop.name}: ${drop.addressPrefix} -> ${drop.nextHopType}` });
          }
        }
        const timeouts = t.failures.filter((f) => topCode(f) === "NET_EGRESS_BLOCKED");
        if (reasons.length === 0 && timeouts.length === 0) {
          if (undecided.length > 0) out.push({ kind: "unknown", check: `nodes of ${cluster.name} reach ${reg.loginServer} on 443`, subject: reg.id, reason: undecided.join("; ") });
          continue;
        }
        for (const f of timeouts.slice(0, 3)) evidence.push(observationEvidence(f));
        seen.add(reg.loginServer.toLowerCase());
        out.push({
          kind: "finding",
          code: "NET_EGRESS_BLOCKED",
          confidence: reasons.length > 0 ? "high" : "medium",
          title: `Nodes cannot reach ${reg.loginServer} on 443`,
          message: reasons.length > 0 ? `${reasons.join("; ")}.${timeouts.length ? " The kubelet's connections time out accordingly." : ""}` : `Connections from the nodes to ${reg.loginServer} fail (${errorDetail(timeouts[0]!, /dial tcp|connect:|Client\.Timeout|TLS handshake timeout|context deadline|request canceled|proxyconnect/i, 180)}); no NSG or route in the evidence explains it: check the firewall/NVA on the egress path${timeouts[0]!.classification?.privateIp ? " and the private endpoint's VNet peering/NSG, since the address is private" : ""}.`,
          subject: reg.id,
          evidence,
          remediation: fixes.length ? fixes : [`# allow TCP 443 from the node subnet to ${reg.loginServer}${reg.dataEndpointHostNames.length ? ", " + reg.dataEndpointHostNames.join(", ") : ""} and *.blob.core.windows.net on every firewall/NVA on the path`, `az network watcher test-connectivity --source-resource <NODE_VM_ID> --dest-address ${reg.loginServer} --dest-port 443`],
        });
      }
    }
    // Timeouts to ACR hosts no registry in the evidence describes.
    for (const f of failures(ctx)) {
      if (topCode(f) !== "NET_EGRESS_BLOCKED" || !f.host || seen.has(f.host) || hostKind(f.host) === "external") continue;
      seen.add(f.host);
      out.push({ kind: "finding", code: "NET_EGRESS_BLOCKED", confidence: "medium", title: `Nodes cannot reach ${f.host} on 443`, message: `Connections from the nodes to ${f.host} fail: ${f.classification?.explanation ?? f.message.slice(0, 200)}`, subject: f.host, evidence: [observationEvidence(f)], remediation: [`az network watcher test-connectivity --source-resource <NODE_VM_ID> --dest-address ${f.host} --dest-port 443`] });
    }
    return out;
  },
});
