import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { clusters, registryTargets } from "./lib/targets.js";
import { cidrContains, clusterEgressIps, clusterSubnetIds, privatePath } from "./lib/network.js";
import { normId } from "../snapshot/ids.js";
import { q } from "./lib/commands.js";
import { observationEvidence } from "./lib/observations.js";

export default defineRule({
  id: "net-firewall-denies-cluster",
  codes: ["NET_FIREWALL_DENIES_CLUSTER"],
  stage: "network",
  title: "Registry firewall does not allow the cluster's egress IP",
  description: "When the registry's networkRuleSet.defaultAction is Deny, checks the cluster's egress IPs (load balancer or NAT gateway public IPs, or the IP the registry reported) against the IP rules (addresses and CIDR ranges) and VNet rules, unless a working private endpoint path exists.",
  appliesTo: usesAcr,
  requires: ["clusters", "registries"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const cluster of clusters(ctx)) {
      for (const t of registryTargets(ctx)) {
        const reg = t.registry;
        const rules = reg.networkRuleSet;
        if ((reg.publicNetworkAccess ?? "Enabled").toLowerCase() === "disabled") continue;
        if ((rules?.defaultAction ?? "Allow").toLowerCase() !== "deny") continue;
        if (!/premium/i.test(reg.sku ?? "premium")) continue; // IP rules need Premium: cfg-sku-feature-mismatch explains that case
        const check = `${reg.loginServer} firewall allows ${cluster.name}`;
        const path = privatePath(ctx, cluster, reg);
        if (path.approved && path.dns.status === "ok") { out.push({ kind: "pass", check, subject: reg.id, message: "the cluster reaches the registry through its private endpoint" }); continue; }
        // With an approved private endpoint the public firewall is meant to refuse; a 403 then means DNS sends nodes to the public endpoint (net-private-dns-misconfigured).
        if (path.approved && path.dns.status === "misconfigured") continue;
        if (path.approved && path.dns.status === "unknown") { out.push({ kind: "unknown", check, subject: reg.id, reason: `the registry has an approved private endpoint, so the firewall matters only if the nodes resolve its public address: ${path.dns.reasons.join("; ")}` }); continue; }
        const subnets = clusterSubnetIds(cluster);
        if (rules?.virtualNetworkRules.some((r) => subnets.includes(normId(r.id)))) { out.push({ kind: "pass", check, subject: reg.id, message: "the node subnet is allowed by a VNet rule" }); continue; }
        const egress = clusterEgressIps(ctx, cluster);
        if (egress.ips.length === 0) { out.push({ kind: "unknown", check, subject: reg.id, reason: egress.unknownReason ?? "egress IPs unknown" }); continue; }
        const ipRules = rules?.ipRules ?? [];
        // A load balancer or NAT gateway with several outbound IPs may SNAT any flow to any of them, so every one must be allowed.
        const allowed = egress.ips.filter((e) => ipRules.some((r) => cidrContains(r.value, e.ip) === true));
        const denied = egress.ips.filter((e) => !allowed.includes(e));
        if (denied.length === 0) { out.push({ kind: "pass", check, subject: reg.id, message: `egress IP ${allowed.map((a) => a.ip).join(", ")} is allowed` }); continue; }
        out.push({
          kind: "finding",
          code: "NET_FIREWALL_DENIES_CLUSTER",
          confidence: egress.unknownReason ? "medium" : "high",
          title: `${reg.name} firewall blocks the cluster's egress IP ${denied.map((e) => e.ip).join(", ")}`,
          message: `${reg.name} denies public traffic by default (networkRuleSet.defaultAction Deny) and none of its ${ipRules.length} IP rule(s) (${ipRules.map((r) => r.value).join(", ") || "none"}) contains the cluster's egress IP ${denied.map((e) => e.ip).join(", ")}, so the registry answers 403 to the nodes${allowed.length > 0 ? ` whenever their traffic leaves through ${denied.length > 1 ? "those addresses" : "that address"} (${allowed.map((a) => a.ip).join(", ")} is allowed, so pulls fail intermittently)` : ""}.${egress.unknownReason ? ` (${egress.unknownReason}.)` : ""}`,
          subject: reg.id,
          evidence: [
            { source: reg.source.file, path: `${reg.source.path}.networkRuleSet.defaultAction`, observed: rules?.defaultAction ?? "" },
            { source: reg.source.file, path: `${reg.source.path}.networkRuleSet.ipRules`, observed: ipRules.map((r) => r.value).join(", ") || "[]", expected: `a rule containing ${denied.map((e) => e.ip).join(", ")}` },
            ...denied.map((e) => e.evidence),
            ...t.failures.slice(0, 2).map(observationEvidence),
          ],
          remediation: denied.map((e) => `az acr network-rule add --name ${q(reg.name)} --ip-address ${e.ip}`),
        });
      }
    }
    return out;
  },
});
