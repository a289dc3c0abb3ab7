import { defineRule, type Outcome } from "../engine/types.js";
import { externalAuthFailures } from "./lib/external.js";
import { observationEvidence, pullEvidenceMissing } from "./lib/observations.js";
import { secretRecreateCommand } from "./lib/secrets.js";

const TITLE = "Registry rejects the pull secret's credentials";

export default defineRule({
  id: "ext-credentials-rejected",
  codes: ["EXT_CREDENTIALS_REJECTED"],
  stage: "external",
  title: TITLE,
  description: "For 401 failures against non-ACR registries where the pod has a matching pull secret (and its token is not simply expired), reports that the registry rejects those credentials.",
  requires: [],
  check(ctx) {
    const out: Outcome[] = [...pullEvidenceMissing(ctx, TITLE)];
    const now = Date.parse(ctx.snapshot.now);
    for (const x of externalAuthFailures(ctx)) {
      if (x.secrets.kind !== "matching" || !x.pod) continue;
      const c = x.failure.classification;
      if (c?.httpStatus === 403 || c?.causes[0]?.code === "EXT_ACCESS_DENIED") continue;
      const { secret, entry } = x.secrets;
      if (entry.tokenExpiresAt && Date.parse(entry.tokenExpiresAt) < now) continue; // ext-token-expired explains it
      out.push({
        kind: "finding",
        code: "EXT_CREDENTIALS_REJECTED",
        confidence: "high",
        title: `${x.host} rejects the credentials in secret ${secret.name}`,
        message: `Pod ${x.pod.namespace}/${x.pod.name} presents the ${x.host} credentials of secret ${secret.name}${entry.username ? ` (user ${entry.username})` : ""}, and the registry answers 401: the password or token is wrong, revoked or lacks the read scope.`,
        subject: `pod/${x.pod.namespace}/${x.pod.name}`,
        evidence: [{ source: secret.source.file, path: `${secret.source.path}.data[".dockerconfigjson"].auths["${entry.key}"]`, observed: `username ${entry.username ?? "(none)"}, password present: ${entry.hasPassword}, fingerprint ${entry.fingerprint ?? "?"}` }, observationEvidence(x.failure)],
        remediation: [secretRecreateCommand(x.pod.namespace, secret.name, x.host)],
      });
    }
    return out;
  },
});
