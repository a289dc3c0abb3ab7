import { defineRule } from "../engine/types.js";
import { observedCause } from "./lib/observed.js";
import { observations, pullEvidenceMissing } from "./lib/observations.js";
import { hostKind } from "./lib/images.js";

const TITLE = "Tag or digest does not exist";

export default defineRule({
  id: "img-tag-not-found",
  codes: ["IMG_TAG_NOT_FOUND"],
  stage: "image",
  title: TITLE,
  description: "Reads MANIFEST_UNKNOWN and containerd's '<ref>: not found' failures, and uses other pulls of the same repository to show the repository itself exists.",
  requires: [],
  check: (ctx) => [
    ...pullEvidenceMissing(ctx, TITLE),
    ...observedCause(ctx, "IMG_TAG_NOT_FOUND", {
      title: (o) => `Tag ${o.image?.tag ?? o.image?.digest ?? "?"} of ${o.image?.repository ?? "the image"} does not exist`,
      message: (o) => {
        const others = observations(ctx).filter((x) => x.outcome === "success" && x.image?.valid && o.image?.valid && x.image.host === o.image.host && x.image.repository === o.image.repository && x.image.raw !== o.image.raw);
        const tags = [...new Set(others.map((x) => x.image!.tag ?? x.image!.digest))];
        return `${o.image?.host ?? "The registry"} has no manifest for ${o.image?.raw ?? "the image"}${tags.length ? `, while ${tags.join(", ")} of the same repository pull and run, so the repository exists and only the tag is wrong` : ""}. The tag was never pushed, was deleted, or is misspelled.`;
      },
      fix: (o) => o.image && hostKind(o.image.host) === "acr" ? [`az acr repository show-tags --name ${o.image.host.split(".")[0]} --repository ${o.image.repository} --orderby time_desc --top 10 --output table`] : [`# list the repository's tags in the registry and fix the tag in the workload`],
    }),
  ],
});
