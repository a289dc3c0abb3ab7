import { defineRule, type Outcome } from "../engine/types.js";
import { factValue } from "./lib/principals.js";
import { failures, observationEvidence } from "./lib/observations.js";
import { entryFor, secretRecreateCommand } from "./lib/secrets.js";
import { hostKind, normaliseHost, parseImageRef } from "./lib/images.js";

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
    if (ctx.snapshot.pullSecrets.status !== "ok") {
      const referencing = pods.filter((p) => p.imagePullSecrets.length > 0);
      if (referencing.length > 0) out.push({ kind: "unknown", check: "expiry of tokens in pull secrets", reason: `pods reference pull secrets (${[...new Set(referencing.map((p) => `${p.namespace}/${p.imagePullSecrets.join(",")}`))].slice(0, 3).join("; ")}), but no secrets are in the evidence (kubectl get secrets -n <NS> -o json)` });
      return out;
    }
    for (const s of secrets) {
      for (const e of s.auths) {
        if (!e.tokenExpiresAt || Date.parse(e.tokenExpiresAt) >= now) continue;
        // the image's registry host, parsed like containerd does ("redis:7" is docker.io, not host "redis:7")
        const usesEntry = (image: string) => { const ref = parseImageRef(image); return ref.valid && entryFor(s, ref.host, ref.repository) === e; };
        const users = pods.filter((p) => p.namespace === s.namespace && p.imagePullSecrets.includes(s.name) && p.containers.some((c) => usesEntry(c.image)));
        // only failures of pulls that present this credential make it an error; another container's failure does not
        const failing = fails.filter((f) => f.pod && f.pod.namespace === s.namespace && users.some((u) => u.name === f.pod!.name) && (f.image?.valid ? usesEntry(f.image.raw) : !!f.host && normaliseHost(f.host) === normaliseHost(e.host)));
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
