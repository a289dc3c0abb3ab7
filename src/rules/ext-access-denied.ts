import { defineRule, type Outcome } from "../engine/types.js";
import { externalAuthFailures } from "./lib/external.js";
import { observationEvidence, pullEvidenceMissing } from "./lib/observations.js";

const TITLE = "Registry denies the repository to the presented credentials";

export default defineRule({
  id: "ext-access-denied",
  codes: ["EXT_ACCESS_DENIED"],
  stage: "external",
  title: TITLE,
  description: "For non-ACR registries: the registry authenticated the pull secret's credentials but denies this repository (403, DENIED, insufficient_scope).",
  requires: [],
  check(ctx) {
    const out: Outcome[] = [...pullEvidenceMissing(ctx, TITLE)];
    for (const x of externalAuthFailures(ctx)) {
      const c = x.failure.classification;
      const denied = c?.causes[0]?.code === "EXT_ACCESS_DENIED" || c?.httpStatus === 403;
      if (!denied) continue;
      if (x.secrets.kind === "none" || x.secrets.kind === "missing" || x.secrets.kind === "no-matching-entry") continue; // no credentials were sent: other rules
      const subject = x.pod ? `pod/${x.pod.namespace}/${x.pod.name}` : x.host;
      out.push({
        kind: "finding",
        code: "EXT_ACCESS_DENIED",
        confidence: x.secrets.kind === "matching" ? "high" : "medium",
        title: `${x.host} denies ${x.failure.image?.repository ?? "the repository"}`,
        message: `${x.host} refuses ${x.failure.image?.repository ?? "the repository"}${x.secrets.kind === "matching" ? ` to ${x.secrets.entry.username ?? "the account"} of secret ${x.secrets.secret.name}` : ""}: the account exists but lacks read access to this repository (or the repository is private to another owner).`,
        subject,
        evidence: [observationEvidence(x.failure)],
        remediation: [`# grant the pull account read access to ${x.failure.image?.repository ?? "the repository"} in ${x.host} (e.g. a package/repository permission), or use an account that has it`],
      });
    }
    return out;
  },
});
