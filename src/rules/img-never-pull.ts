import { defineRule } from "../engine/types.js";
import { observedCause } from "./lib/observed.js";
import { pullEvidenceMissing } from "./lib/observations.js";
import { findPod } from "./lib/secrets.js";

const TITLE = "imagePullPolicy Never and the image is not on the node";

export default defineRule({
  id: "img-never-pull",
  codes: ["IMG_NEVER_PULL"],
  stage: "image",
  title: TITLE,
  description: "Reads ErrImageNeverPull failures: with imagePullPolicy Never the kubelet only uses images already present on the node.",
  requires: [],
  check: (ctx) => [
    ...pullEvidenceMissing(ctx, TITLE),
    ...observedCause(ctx, "IMG_NEVER_PULL", {
      title: (o) => `Image ${o.image?.raw ?? ""} is not on node ${o.node ?? ""} and may not be pulled`.replace(/\s+/g, " "),
      message: (o) => `The container has imagePullPolicy: Never, and the image ${o.image?.raw ?? ""} is not present on ${o.node ? `node ${o.node}` : "the node"}, so the kubelet will not start it.`,
      fix: (o) => {
        // the JSON patch needs the container's list and index in the pod template, which the pod spec gives
        const pod = o.pod ? findPod(ctx, o.pod.namespace, o.pod.name) : undefined;
        const spec = pod?.containers.find((c) => c.name === o.container || (!o.container && c.image === o.image?.raw));
        const list = spec?.kind === "init" ? "initContainers" : "containers";
        const index = spec && pod ? pod.containers.filter((c) => c.kind === spec.kind).indexOf(spec) : -1;
        const path = index >= 0 ? `/spec/template/spec/${list}/${index}/imagePullPolicy` : "/spec/template/spec/containers/<INDEX>/imagePullPolicy";
        return [
          `kubectl -n ${o.pod?.namespace ?? "<NS>"} patch deployment <NAME> --type=json -p '[{"op":"replace","path":"${path}","value":"IfNotPresent"}]'`,
          `# or keep Never and pre-load ${o.image?.raw ?? "the image"} on every node that may run the pod`,
        ];
      },
    }),
  ],
});
