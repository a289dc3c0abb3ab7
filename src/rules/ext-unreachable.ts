import { defineRule } from "../engine/types.js";
import { observedCause, hostOf } from "./lib/observed.js";

export default defineRule({
  id: "ext-unreachable",
  codes: ["EXT_UNREACHABLE"],
  stage: "external",
  title: "External registry unreachable from the nodes",
  description: "Reads connection timeouts, refusals and proxy errors against registries other than ACR.",
  requires: [],
  check: (ctx) =>
    observedCause(ctx, "EXT_UNREACHABLE", {
      subject: hostOf,
      title: (o) => `${hostOf(o)} is unreachable from the nodes`,
      message: (o) => `Connections from the nodes to ${hostOf(o)} fail (${o.classification?.firstError.slice(0, 180) ?? ""}). An egress firewall, NSG, proxy or route blocks it.`,
      fix: (o) => [`# allow TCP 443 to ${hostOf(o)} (and its CDN/data hosts) on the egress path, or mirror the image into ACR:`, `az acr import --name <ACR_NAME> --source ${o.image?.raw ?? hostOf(o) + "/<REPOSITORY>:<TAG>"}`],
    }),
});
