import { defineRule, type Outcome } from "../engine/types.js";
import { externalAuthFailures } from "./lib/external.js";
import { observationEvidence, pullEvidenceMissing } from "./lib/observations.js";
import { secretRecreateCommand } from "./lib/secrets.js";

const TITLE = "Pull secret has no entry for the image's registry";

export default defineRule({
  id: "ext-pull-secret-wrong-registry",
  codes: ["EXT_PULL_SECRET_WRONG_REGISTRY"],
  stage: "external",
  title: TITLE,
  description: "For authentication failures against non-ACR registries, checks that one of the pod's pull secrets has an auths key matching the image host (docker.io aliases folded, ports significant).",
  requires: [],
  check(ctx) {
    const out: Outcome[] = [...pullEvidenceMissing(ctx, TITLE)];
    for (const x of externalAuthFailures(ctx)) {
      if (x.secrets.kind !== "no-matching-entry" || !x.pod) continue;
      const secrets = x.secrets.secrets;
      out.push({
        kind: "finding",
        code: "EXT_PULL_SECRET_WRONG_REGISTRY",
        confidence: "high",
        title: `Pull secrets of ${x.pod.namespace}/${x.pod.name} have no credentials for ${x.host}`,
        message: `The pod's pull secret(s) ${secrets.map((s) => `${s.name} (for ${s.auths.map((a) => a.key).join(", ") || "no host"})`).join("; ")} hold no entry for ${x.host}, so the kubelet sends no credentials to it.`,
        subject: `pod/${x.pod.namespace}/${x.pod.name}`,
        evidence: [...secrets.map((s) => ({ source: s.source.file, path: `${s.source.path}.data[".dockerconfigjson"].auths`, observed: s.auths.map((a) => a.key).join(", ") || "{}", expected: x.host })), observationEvidence(x.failure)],
        remediation: [secretRecreateCommand(x.pod.namespace, secrets[0]?.name ?? "regcred", x.host)],
      });
    }
    return out;
  },
});
