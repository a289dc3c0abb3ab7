import { defineRule } from "../engine/types.js";
import { observedCause } from "./lib/observed.js";
import { hostKind } from "./lib/images.js";
import { findPod, secretStatus } from "./lib/secrets.js";

export default defineRule({
  id: "img-repository-not-found",
  codes: ["IMG_REPOSITORY_NOT_FOUND"],
  stage: "image",
  title: "Repository does not exist",
  description: "Reads NAME_UNKNOWN and 'repository does not exist' failures; for external registries a missing pull secret is reported instead, since a private repository looks the same to an anonymous client.",
  requires: [],
  check: (ctx) =>
    observedCause(ctx, "IMG_REPOSITORY_NOT_FOUND", {
      filter: (o) => {
        if (!o.image?.valid || hostKind(o.image.host) !== "external" || !o.pod) return true;
        return secretStatus(ctx, findPod(ctx, o.pod.namespace, o.pod.name), o.image.host).kind === "matching";
      },
      title: (o) => `Repository ${o.image?.repository ?? ""} does not exist in ${o.image?.host ?? "the registry"}`,
      message: (o) => `The registry reports that repository ${o.image?.repository ?? "?"} does not exist (${o.classification?.firstError.slice(0, 160) ?? ""}). Check the image name for typos and that it was pushed to ${o.image?.host ?? "this registry"}.`,
      fix: (o) => o.image && hostKind(o.image.host) === "acr" ? [`az acr repository list --name ${o.image.host.split(".")[0]} --output table`] : [`# verify the repository name; list what exists with the registry's UI or API`],
    }),
});
