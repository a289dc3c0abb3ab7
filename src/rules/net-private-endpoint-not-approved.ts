import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { clusters, registryTargets } from "./lib/targets.js";
import { privatePath, publicPathClosed } from "./lib/network.js";
import { q } from "./lib/commands.js";

export default defineRule({
  id: "net-private-endpoint-not-approved",
  codes: ["NET_PRIVATE_ENDPOINT_NOT_APPROVED"],
  stage: "network",
  title: "Private endpoint connection not approved",
  description: "Checks the state of the registry's private endpoint connections: a Pending, Rejected or Disconnected connection carries no traffic.",
  appliesTo: usesAcr,
  requires: ["clusters", "registries"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const cluster of clusters(ctx)) {
      for (const t of registryTargets(ctx)) {
        const reg = t.registry;
        const path = privatePath(ctx, cluster, reg);
        if (path.connections.length === 0) continue;
        if (path.approved) { out.push({ kind: "pass", check: `private endpoint of ${reg.loginServer} approved`, subject: reg.id, message: "an approved private endpoint connection exists" }); continue; }
        // Only a closed public path makes an unapproved endpoint break pulls; otherwise the public endpoint still works.
        // A Deny firewall that lists the cluster's egress IP still leaves the public path open to this cluster.
        const publicOpen = publicPathClosed(ctx, cluster, reg) === "open";
        out.push({
          kind: "finding",
          code: "NET_PRIVATE_ENDPOINT_NOT_APPROVED",
          severity: publicOpen ? "warning" : "error",
          confidence: "high",
          title: `Private endpoint to ${reg.name} is ${path.connections.map((c) => c.status).join(", ")}`,
          message: `No private endpoint connection of ${reg.name} is Approved (${path.connections.map((c) => `${c.privateEndpointId?.split("/").pop() ?? "?"}: ${c.status}`).join("; ")}); a connection that is not approved carries no traffic${publicOpen ? ", so nodes still use the public endpoint for now" : ", and the public endpoint is closed"}.`,
          subject: reg.id,
          evidence: path.connections.map((c) => ({ ...c.evidence, expected: "Approved" })),
          remediation: path.connections.filter((c) => !/approved/i.test(c.status)).map((c) =>
            /rejected|disconnected/i.test(c.status)
              ? `az network private-endpoint delete --ids ${q(c.privateEndpointId ?? "<PRIVATE_ENDPOINT_ID>")}   # a rejected connection cannot be re-approved: recreate the endpoint`
              : `az acr private-endpoint-connection approve --registry-name ${q(reg.name)} --name <CONNECTION_NAME> --description "approved for ${cluster.name}"`),
        });
      }
    }
    return out;
  },
});
