import { defineRule, type Outcome } from "../engine/types.js";
import { observedCause } from "./lib/observed.js";
import { hostKind } from "./lib/images.js";
import { findPod, secretStatus } from "./lib/secrets.js";
import { pullEvidenceMissing } from "./lib/observations.js";

const TITLE = "Repository does not exist";

export default defineRule({
  id: "img-repository-not-found",
  codes: ["IMG_REPOSITORY_NOT_FOUND"],
  stage: "image",
  title: TITLE,
  description: "Reads NAME_UNKNOWN and 'repository does not exist' failures; for external registries a missing pull secret is reported instead, since a private repository looks the same to an anonymous client.",
  requires: [],
  check: (ctx) => {
    const undecided = new Map<string, Outcome>();
    const findings = observedCause(ctx, "IMG_REPOSITORY_NOT_FOUND", {
      filter: (o) => {
        if (!o.image?.valid || hostKind(o.image.host) !== "external" || !o.pod) return true;
        const secrets = secretStatus(ctx, findPod(ctx, o.pod.namespace, o.pod.name), o.image.host, o.image.repository);
        // without the pod's credentials a private repository and a missing one look the same
        if (secrets.kind === "unknown") undecided.set(`${o.pod.namespace}/${o.pod.name}`, { kind: "unknown", check: `repository ${o.image.repository} exists in ${o.image.host}`, subject: `pod/${o.pod.namespace}/${o.pod.name}`, reason: secrets.reason });
        return secrets.kind === "matching";
      },
      title: (o) => `Repository ${o.image?.repository ?? ""} does not exist in ${o.image?.host ?? "the registry"}`,
      message: (o) => `The registry reports that repository ${o.image?.repository ?? "?"} does not exist (${o.classification?.firstError.slice(0, 160) ?? ""}). Check the image name for typos and that it was pushed to ${o.image?.host ?? "this registry"}.`,
      fix: (o) => o.image && hostKind(o.image.host) === "acr" ? [`az acr repository list --name ${o.image.host.split(".")[0]} --output table`] : [`# verify the repository name; list what exists with the registry's UI or API`],
    });
    return [...pullEvidenceMissing(ctx, TITLE), ...findings, ...undecided.values()];
  },
});
