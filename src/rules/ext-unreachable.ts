import { defineRule } from "../engine/types.js";
import { observedCause, hostOf } from "./lib/observed.js";
import { pullEvidenceMissing } from "./lib/observations.js";

const TITLE = "External registry unreachable from the nodes";

export default defineRule({
  id: "ext-unreachable",
  codes: ["EXT_UNREACHABLE"],
  stage: "external",
  title: TITLE,
  description: "Reads connection timeouts, refusals and proxy errors against registries other than ACR.",
  requires: [],
  check: (ctx) => [
    ...pullEvidenceMissing(ctx, TITLE),
    ...observedCause(ctx, "EXT_UNREACHABLE", {
      subject: hostOf,
      title: (o) => `${hostOf(o)} is unreachable from the nodes`,
      message: (o) => `Connections from the nodes to ${hostOf(o)} fail (${transportError(o.classification?.firstError ?? o.message)}). An egress firewall, NSG, proxy or route blocks it.`,
      fix: (o) => [`# allow TCP 443 to ${hostOf(o)} (and its CDN/data hosts) on the egress path, or mirror the image into ACR:`, `az acr import --name <ACR_NAME> --source ${o.image?.raw ?? hostOf(o) + "/<REPOSITORY>:<TAG>"}`],
    }),
  ],
});

/** The transport error sits at the end of containerd's chain ("... Head \"https://...\": dial tcp ...: i/o timeout"): quote that, not the head. */
function transportError(text: string): string {
  const m = /(?:dial tcp|proxyconnect tcp|net\/http:|read tcp|remote error:|context deadline exceeded|request canceled)[^\],]*/i.exec(text);
  if (m) return m[0].trim().slice(0, 200);
  return text.length > 180 ? `…${text.slice(-179)}` : text;
}
