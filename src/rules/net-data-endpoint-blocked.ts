import { defineRule } from "../engine/types.js";
import { observedCause, hostOf, errorDetail } from "./lib/observed.js";

export default defineRule({
  id: "net-data-endpoint-blocked",
  codes: ["NET_DATA_ENDPOINT_BLOCKED"],
  stage: "network",
  title: "Layer downloads are blocked (data endpoint)",
  description: "Reads failures in the blob stage of a pull (httpReadSeeker, image configuration, download failed after attempts) against data endpoints and storage hosts: the login server answered, the data path did not.",
  requires: [],
  check: (ctx) =>
    observedCause(ctx, "NET_DATA_ENDPOINT_BLOCKED", {
      subject: (o) => o.image?.host ?? hostOf(o),
      title: (o) => `Layer downloads from ${o.image?.host ?? hostOf(o)} are blocked`,
      message: (o) => `The registry's login server answered, but downloading layers failed at ${o.classification?.host ?? "the data endpoint"}: ${errorDetail(o, /failed to copy|error pulling image configuration|download failed|httpReadSeeker/i)}. ACR serves layers from <registry>.<region>.data.azurecr.io (dedicated data endpoints) or *.blob.core.windows.net, and the egress path must allow those too.`,
      fix: (o) => [
        `az acr show-endpoints --name ${(o.image?.host ?? "<REGISTRY>").split(".")[0]} --output table   # every host the nodes must reach on 443`,
        `# allow those hosts (or the Storage.<region> / AzureContainerRegistry.<region> service tags) on the firewall/NSG of the node subnet`,
      ],
    }),
});
