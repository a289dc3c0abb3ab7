import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { clusters, registryTargets } from "./lib/targets.js";
import { privatePath, publicPathClosed } from "./lib/network.js";
import { observationEvidence } from "./lib/observations.js";

export default defineRule({
  id: "net-private-dns-misconfigured",
  codes: ["NET_PRIVATE_DNS_MISCONFIGURED"],
  stage: "network",
  title: "Private DNS does not resolve the registry to its private endpoint",
  description: "For registries with an approved private endpoint, checks that the cluster's VNet resolves the login server and data endpoints to it: privatelink zone present, linked to the cluster VNet, A records present and pointing at the endpoint, no custom DNS bypass.",
  appliesTo: usesAcr,
  requires: ["clusters", "registries"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const cluster of clusters(ctx)) {
      for (const t of registryTargets(ctx)) {
        const reg = t.registry;
        const path = privatePath(ctx, cluster, reg);
        if (!path.approved) continue;
        const check = `cluster VNet resolves ${reg.loginServer} to its private endpoint`;
        if (path.dns.status === "unknown") { out.push({ kind: "unknown", check, subject: reg.id, reason: path.dns.reasons.join("; ") }); continue; }
        if (path.dns.status === "ok") { out.push({ kind: "pass", check, subject: reg.id, message: "zone linked to the cluster VNet with matching A records" }); continue; }
        const closed = publicPathClosed(ctx, cluster, reg);
        out.push({
          kind: "finding",
          code: "NET_PRIVATE_DNS_MISCONFIGURED",
          severity: closed === "open" ? "warning" : "error",
          confidence: "high",
          title: `${reg.loginServer} does not resolve to its private endpoint from the cluster`,
          message: `${reg.name} has an approved private endpoint, but ${path.dns.reasons.join("; ")}.${closed === "closed" ? " The public endpoint is closed to the cluster, so pulls get 403." : closed === "open" ? " Pulls still work over the public endpoint for now, bypassing the private endpoint." : ""}`,
          subject: reg.id,
          evidence: [...path.connections.filter((c) => /approved/i.test(c.status)).map((c) => c.evidence), ...path.dns.evidence, ...t.failures.slice(0, 2).map(observationEvidence)],
          remediation: path.dns.fixes,
        });
      }
    }
    return out;
  },
});
