import { defineRule } from "../engine/types.js";
import { observedCause } from "./lib/observed.js";
import { factValue } from "./lib/principals.js";

export default defineRule({
  id: "img-platform-mismatch",
  codes: ["IMG_PLATFORM_MISMATCH"],
  stage: "image",
  title: "Image has no build for the node's OS/architecture",
  description: "Reads 'no match for platform in manifest' / 'no matching manifest for' failures and names the node's kubernetes.io/os and kubernetes.io/arch, and where the same image runs.",
  requires: [],
  check: (ctx) => {
    const nodes = factValue(ctx.snapshot.nodes) ?? [];
    const pods = factValue(ctx.snapshot.pods) ?? [];
    return observedCause(ctx, "IMG_PLATFORM_MISMATCH", {
      title: (o) => `${o.image?.raw ?? "Image"} has no manifest for ${platformOf(nodes, o.node) ?? "the node's platform"}`,
      message: (o) => {
        const plat = platformOf(nodes, o.node);
        const runningOn = [...new Set(pods.filter((p) => p.containers.some((c) => c.image === o.image?.raw) && p.statuses.some((s) => s.running)).map((p) => platformOf(nodes, p.nodeName)).filter((x): x is string => !!x))];
        return `The image index of ${o.image?.raw ?? "the image"} has no entry for ${plat ? `node ${o.node} (${plat})` : "the node's OS/architecture"}${runningOn.length ? `; it runs on ${runningOn.join(", ")} nodes` : ""}. The pod was scheduled onto a node whose platform the image was not built for.`;
      },
      fix: (o) => {
        const plat = platformOf(nodes, o.node);
        const os = plat?.startsWith("windows") ? "linux" : plat?.split("/")[0] ?? "linux";
        return [
          `# pin the workload to nodes the image supports, e.g.:`,
          `kubectl -n ${o.pod?.namespace ?? "<NS>"} patch deployment <NAME> -p '{"spec":{"template":{"spec":{"nodeSelector":{"kubernetes.io/os":"${os}"}}}}}'`,
          `# or build and push a multi-platform image: docker buildx build --platform linux/amd64,linux/arm64 -t ${o.image?.raw ?? "<IMAGE>"} --push .`,
        ];
      },
    });
  },
});

function platformOf(nodes: { name: string; os?: string; arch?: string; osImage?: string }[], nodeName: string | undefined): string | undefined {
  const n = nodes.find((x) => x.name === nodeName);
  if (!n) return undefined;
  return `${n.os ?? "?"}/${n.arch ?? "?"}${n.os === "windows" && n.osImage ? ` (${n.osImage})` : ""}`;
}
