import { defineRule } from "../engine/types.js";
import type { Node } from "../snapshot/types.js";
import { observedCause } from "./lib/observed.js";
import { factValue } from "./lib/principals.js";
import { pullEvidenceMissing } from "./lib/observations.js";

const TITLE = "Image has no build for the node's OS/architecture";

export default defineRule({
  id: "img-platform-mismatch",
  codes: ["IMG_PLATFORM_MISMATCH"],
  stage: "image",
  title: TITLE,
  description: "Reads 'no match for platform in manifest' / 'no matching manifest for' failures and names the node's kubernetes.io/os and kubernetes.io/arch, and where the same image runs.",
  requires: [],
  check: (ctx) => {
    const nodes = factValue(ctx.snapshot.nodes) ?? [];
    const pods = factValue(ctx.snapshot.pods) ?? [];
    const runningOn = (image: string | undefined): Node[] => {
      const names = new Set(pods.filter((p) => p.containers.some((c) => c.image === image) && p.statuses.some((s) => s.running)).map((p) => p.nodeName));
      return nodes.filter((n) => names.has(n.name));
    };
    return [
      ...pullEvidenceMissing(ctx, TITLE),
      ...observedCause(ctx, "IMG_PLATFORM_MISMATCH", {
        title: (o) => `${o.image?.raw ?? "Image"} has no manifest for ${platformOf(nodes, o.node) ?? "the node's platform"}`,
        message: (o) => {
          const plat = platformOf(nodes, o.node);
          const elsewhere = [...new Set(runningOn(o.image?.raw).map((n) => platformOf(nodes, n.name)).filter((x): x is string => !!x))];
          return `The image index of ${o.image?.raw ?? "the image"} has no entry for ${plat ? `node ${o.node} (${plat})` : "the node's OS/architecture"}${elsewhere.length ? `; it runs on ${elsewhere.join(", ")} nodes` : ""}. The pod was scheduled onto a node whose platform the image was not built for.`;
        },
        fix: (o) => {
          const failingNode = nodes.find((n) => n.name === o.node);
          const good = runningOn(o.image?.raw)[0];
          // pin to a platform the image is known to run on; otherwise only what is known not to work can be excluded
          const selector = good?.os && good.arch
            ? { "kubernetes.io/os": good.os, "kubernetes.io/arch": good.arch }
            : failingNode?.os === "windows" ? { "kubernetes.io/os": "linux" } : { "kubernetes.io/arch": "<ARCH_THE_IMAGE_SUPPORTS>" };
          return [
            `# pin the workload to nodes the image supports, e.g.:`,
            `kubectl -n ${o.pod?.namespace ?? "<NS>"} patch deployment <NAME> -p '${JSON.stringify({ spec: { template: { spec: { nodeSelector: selector } } } })}'`,
            `# or build and push a multi-platform image: docker buildx build --platform linux/amd64,linux/arm64 -t ${o.image?.raw ?? "<IMAGE>"} --push .`,
          ];
        },
      }),
    ];
  },
});

function platformOf(nodes: { name: string; os?: string; arch?: string; osImage?: string }[], nodeName: string | undefined): string | undefined {
  const n = nodes.find((x) => x.name === nodeName);
  if (!n) return undefined;
  return `${n.os ?? "?"}/${n.arch ?? "?"}${n.os === "windows" && n.osImage ? ` (${n.osImage})` : ""}`;
}
