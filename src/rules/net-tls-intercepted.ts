import { defineRule } from "../engine/types.js";
import { observedCause, hostOf, errorDetail } from "./lib/observed.js";

export default defineRule({
  id: "net-tls-intercepted",
  codes: ["NET_TLS_INTERCEPTED"],
  stage: "network",
  title: "TLS to the registry is intercepted",
  description: "Reads x509 verification failures from pull failures: a TLS-inspecting proxy or firewall presents a certificate the nodes do not trust.",
  requires: [],
  check: (ctx) =>
    observedCause(ctx, "NET_TLS_INTERCEPTED", {
      subject: hostOf,
      title: (o) => `TLS to ${hostOf(o)} fails certificate verification`,
      message: (o) => `The node does not trust the certificate presented for ${hostOf(o)} (${errorDetail(o, /tls: failed to verify|x509:|certificate|CONNECTIVITY_SSL_ERROR/i, 200)}): a TLS-inspecting proxy or firewall sits on the path.`,
      fix: (o) => [
        `# exempt ${hostOf(o)} and the registry's data endpoints from TLS inspection, or give the nodes the proxy's CA:`,
        `az aks update --resource-group <RG> --name <CLUSTER> --custom-ca-trust-certificates <CA_FILE>`,
      ],
    }),
});
