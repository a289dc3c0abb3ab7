import { defineRule, type Outcome } from "../engine/types.js";
import { factValue } from "./lib/principals.js";
import { failures, observationEvidence } from "./lib/observations.js";
import { entryFor, secretRecreateCommand } from "./lib/secrets.js";
import { hostKind } from "./lib/images.js";

export default defineRule({
  id: "ext-token-expired",
  codes: ["EXT_TOKEN_EXPIRED"],
  stage: "external",
  title: "Pull secret holds an expired token",
  description: "Decodes the expiry (JWT exp) of tokens stored in pull secrets that pods use, e.g. an ACR refresh token from `az acr login --expose-token` (user 00000000-0000-0000-0000-000000000000).",
  requires: [],
  check(ctx) {
    const out: Outcome[] = [];
    const now = Date.parse(ctx.snapshot.now);
    const pods = factValue(ctx.snapshot.pods) ?? [];
    const secrets = factValue(ctx.snapshot.pullSecrets) ?? [];
    const fails = failures(ctx);
    for (const s of secrets) {
      for (const e of s.auths) {
        if (!e.tokenExpiresAt || Date.parse(e.tokenExpiresAt) >= now) continue;
        const users = pods.filter((p) => p.namespace === s.namespace && p.imagePullSecrets.includes(s.name) && p.containers.some((c) => entryFor(s, c.image.split("/")[0] ?? "") === e));
        const failing = fails.filter((f) => f.pod && f.pod.namespace === s.namespace && users.some((u) => u.name === f.pod!.name));
        if (users.length === 0) continue;
        out.push({
          kind: "finding",
          code: "EXT_TOKEN_EXPIRED",
          severity: failing.length > 0 ? "error" : "warning",
          confidence: "high",
          title: `Token in pull secret ${s.namespace}/${s.name} expired ${e.tokenExpiresAt.slice(0, 10)}`,
          message: `The ${e.host} credential in secret ${s.name}${e.username ? ` (user ${e.username})` : ""} is a token that expired at ${e.tokenExpiresAt}; ${users.length} pod(s) use it${failing.length ? " and their pulls fail" : ", and their next pull will fail"}. ${hostKind(e.host) === "acr" ? "ACR tokens from az acr login last hours: use the kubelet identity (az aks update --attach-acr) or a repository-scoped ACR token instead." : "Issue a long-lived, read-only token and recreate the secret."}`,
          subject: `secret/${s.namespace}/${s.name}`,
          evidence: [{ source: s.source.file, path: `${s.source.path}.data[".dockerconfigjson"].auths["${e.key}"]`, observed: `token exp ${e.tokenExpiresAt}`, expected: `after ${ctx.snapshot.now}` }, ...failing.slice(0, 2).map(observationEvidence)],
          remediation: [secretRecreateCommand(s.namespace, s.name, e.host)],
        });
      }
    }
    return out;
  },
});
