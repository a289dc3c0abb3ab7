import { defineRule } from "../engine/types.js";
import { observedCause, hostOf, errorDetail } from "./lib/observed.js";

export default defineRule({
  id: "net-dns-failure",
  codes: ["NET_DNS_FAILURE"],
  stage: "network",
  title: "Registry name does not resolve from the nodes",
  description: "Reads resolver failures (no such host, server misbehaving, resolver timeouts) from pull failures; the resolver address tells Azure DNS (168.63.129.16) from custom DNS.",
  requires: [],
  check: (ctx) =>
    observedCause(ctx, "NET_DNS_FAILURE", {
      subject: hostOf,
      title: (o) => `${hostOf(o)} does not resolve from the nodes`,
      message: (o, all) => `The node's resolver${o.classification?.resolver ? ` (${o.classification.resolver}${o.classification.resolver.startsWith("168.63.129.16") ? ", Azure DNS" : ", a custom DNS server"})` : ""} cannot resolve ${hostOf(o)}: ${errorDetail(o, /dial tcp: lookup|lookup \S+ on|no such host|server misbehaving|Failed to resolve specified fqdn|host name resolution/i)}${all.length > 1 ? ` (${all.length} failures)` : ""}. Nothing can be pulled until the name resolves.`,
      fix: (o) => [
        `kubectl run dnscheck --rm -it --restart=Never --image=busybox:1.36 -- nslookup ${hostOf(o)}`,
        `# custom DNS servers must forward ${hostOf(o)} (and privatelink.azurecr.io) to 168.63.129.16; check the VNet's dhcpOptions.dnsServers:`,
        `az network vnet show --ids <CLUSTER_VNET_ID> --query dhcpOptions.dnsServers`,
      ],
    }),
});
