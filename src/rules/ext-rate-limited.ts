import { defineRule } from "../engine/types.js";
import { observedCause, hostOf } from "./lib/observed.js";
import { hostKind } from "./lib/images.js";
import { pullEvidenceMissing } from "./lib/observations.js";

const TITLE = "Registry throttles pulls";

export default defineRule({
  id: "ext-rate-limited",
  codes: ["EXT_RATE_LIMITED"],
  stage: "external",
  title: TITLE,
  description: "Reads toomanyrequests / 429 failures (Docker Hub pull rate limit, ACR SKU throttling) and kubelet pull QPS limits.",
  requires: [],
  check: (ctx) => [
    ...pullEvidenceMissing(ctx, TITLE),
    ...observedCause(ctx, "EXT_RATE_LIMITED", {
      subject: hostOf,
      title: (o) => `${hostOf(o)} throttles pulls`,
      message: (o, all) => `${hostOf(o)} answers 429 Too Many Requests${/unauthenticated/i.test(o.message) ? " for unauthenticated pulls" : ""} (${all.length} failing pull(s), e.g. ${o.image?.raw ?? ""}). ${hostOf(o) === "docker.io" ? "Docker Hub limits anonymous pulls per source IP, and all nodes share the cluster's egress IP." : hostKind(hostOf(o)) === "acr" ? "The registry's SKU limits read operations per minute." : ""}`,
      fix: (o) => hostKind(hostOf(o)) === "acr"
        ? [`az acr update --name ${hostOf(o).split(".")[0]} --sku Premium   # higher read throughput`]
        : [
            `# mirror the image into your ACR and pull it from there:`,
            `az acr import --name <ACR_NAME> --source ${o.image?.raw ?? "docker.io/<REPOSITORY>:<TAG>"} --image ${o.image?.repository?.replace(/^library\//, "") ?? "<REPOSITORY>"}:${o.image?.tag ?? "<TAG>"}`,
            `# or authenticate the pulls (higher limits): kubectl create secret docker-registry dockerhub --docker-server=docker.io --docker-username=<USER> --docker-password="$DOCKERHUB_TOKEN"`,
          ],
    }),
  ],
});
