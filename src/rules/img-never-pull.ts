import { defineRule } from "../engine/types.js";
import { observedCause } from "./lib/observed.js";

export default defineRule({
  id: "img-never-pull",
  codes: ["IMG_NEVER_PULL"],
  stage: "image",
  title: "imagePullPolicy Never and the image is not on the node",
  description: "Reads ErrImageNeverPull failures: with imagePullPolicy Never the kubelet only uses images already present on the node.",
  requires: [],
  check: (ctx) =>
    observedCause(ctx, "IMG_NEVER_PULL", {
      title: (o) => `Image ${o.image?.raw ?? ""} is not on node ${o.node ?? ""} and may not be pulled`.replace(/\s+/g, " "),
      message: (o) => `The container has imagePullPolicy: Never, and the image ${o.image?.raw ?? ""} is not present on ${o.node ? `node ${o.node}` : "the node"}, so the kubelet will not start it.`,
      fix: (o) => [`kubectl -n ${o.pod?.namespace ?? "<NS>"} patch <deployment>/<NAME> --type=json -p '[{"op":"replace","path":"/spec/template/spec/containers/0/imagePullPolicy","value":"IfNotPresent"}]'`],
    }),
});
