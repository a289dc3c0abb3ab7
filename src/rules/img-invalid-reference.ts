import { defineRule, type Outcome } from "../engine/types.js";
import { factValue } from "./lib/principals.js";
import { parseImageRef } from "./lib/images.js";
import { observedCause } from "./lib/observed.js";
import { pullEvidenceMissing } from "./lib/observations.js";

const TITLE = "Malformed image reference";

export default defineRule({
  id: "img-invalid-reference",
  codes: ["IMG_INVALID_REFERENCE"],
  stage: "image",
  title: TITLE,
  description: "Parses every container image reference like containerd does (host, lowercase repository path, tag, digest) and reads InvalidImageName / invalid reference format failures.",
  requires: [],
  check(ctx) {
    const out: Outcome[] = [...pullEvidenceMissing(ctx, TITLE)];
    const seen = new Set<string>();
    for (const p of factValue(ctx.snapshot.pods) ?? []) {
      p.containers.forEach((c, i) => {
        const ref = parseImageRef(c.image);
        if (ref.valid) return;
        seen.add(`pod/${p.namespace}/${p.name}`);
        out.push({
          kind: "finding",
          code: "IMG_INVALID_REFERENCE",
          confidence: "high",
          title: `Image reference "${c.image}" is malformed`,
          message: `Container ${c.name} of pod ${p.namespace}/${p.name} names image "${c.image}", which is not a valid reference (${ref.problem}); the kubelet rejects it before contacting any registry.`,
          subject: `pod/${p.namespace}/${p.name}`,
          evidence: [{ source: p.source.file, path: `${p.source.path}.spec.${c.kind === "init" ? "initContainers" : c.kind === "ephemeral" ? "ephemeralContainers" : "containers"}[${i}].image`, observed: c.image, expected: "[host[:port]/]lowercase/path[:tag][@sha256:digest]" }],
          remediation: [`kubectl -n ${p.namespace} set image <deployment|statefulset|daemonset>/<NAME> ${c.name}=<REGISTRY>/<REPOSITORY>:<TAG>`],
        });
      });
    }
    out.push(...observedCause(ctx, "IMG_INVALID_REFERENCE", {
      filter: (o) => !o.pod || !seen.has(`pod/${o.pod.namespace}/${o.pod.name}`),
      title: (o) => `Image reference ${o.image?.raw ? `"${o.image.raw}" ` : ""}is malformed`,
      message: (o) => `The kubelet rejected the image reference: ${o.classification?.firstError.slice(0, 200) ?? o.message.slice(0, 200)}.`,
      fix: () => ["# fix the image field of the workload: [host[:port]/]lowercase/path[:tag][@sha256:digest]"],
    }));
    return out;
  },
});
