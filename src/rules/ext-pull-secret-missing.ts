import { defineRule, type Outcome } from "../engine/types.js";
import { externalAuthFailures } from "./lib/external.js";
import { observedCause } from "./lib/observed.js";
import { observationEvidence, pullEvidenceMissing, type Observation } from "./lib/observations.js";
import { secretRecreateCommand } from "./lib/secrets.js";

const TITLE = "Private registry pulled without credentials";

export default defineRule({
  id: "ext-pull-secret-missing",
  codes: ["EXT_PULL_SECRET_MISSING"],
  stage: "external",
  title: TITLE,
  description: "For authentication failures against non-ACR registries, checks the pod's imagePullSecrets (after the ServiceAccount merge): none listed, or listed but absent from the namespace; also reads FailedToRetrieveImagePullSecret events.",
  requires: [],
  check(ctx) {
    const out: Outcome[] = [...pullEvidenceMissing(ctx, TITLE)];
    const done = new Set<string>();
    for (const x of externalAuthFailures(ctx)) {
      const s = x.secrets;
      if (s.kind === "unknown") { out.push({ kind: "unknown", check: `credentials for ${x.host}`, subject: x.pod ? `pod/${x.pod.namespace}/${x.pod.name}` : x.host, reason: s.reason }); continue; }
      if (s.kind !== "none" && s.kind !== "missing") continue;
      const subject = x.pod ? `pod/${x.pod.namespace}/${x.pod.name}` : x.host;
      if (done.has(subject)) continue;
      done.add(subject);
      const ns = x.pod?.namespace ?? "<NS>";
      const candidates = s.kind === "none" ? s.unreferencedCandidates : [];
      out.push({
        kind: "finding",
        code: "EXT_PULL_SECRET_MISSING",
        confidence: "high",
        title: `${x.failure.image?.raw ?? x.host} is pulled without credentials`,
        message: s.kind === "none"
          ? `Pod ${ns}/${x.pod?.name} pulls from ${x.host}, which requires authentication (${x.failure.classification?.tokenFetch === "anonymous" ? "the token request was anonymous and got 401" : "the registry refused the anonymous pull"}), but neither the pod nor its service account ${x.pod?.serviceAccountName ?? "default"} lists any imagePullSecrets.${candidates.length ? ` Secret ${candidates.map((c) => c.name).join(", ")} in the namespace has credentials for ${x.host} but is not referenced.` : ""}`
          : `Pod ${ns}/${x.pod?.name} references pull secret(s) ${s.missing.join(", ")}, which do not exist in namespace ${ns}, so the pull from ${x.host} is anonymous.`,
        subject,
        evidence: [
          ...(x.pod ? [{ source: x.pod.source.file, path: `${x.pod.source.path}.spec.imagePullSecrets`, observed: x.pod.imagePullSecrets.length ? x.pod.imagePullSecrets.join(", ") : "(none)", expected: candidates[0]?.name ?? `a kubernetes.io/dockerconfigjson secret for ${x.host}` }] : []),
          ...candidates.map((c) => ({ source: c.source.file, path: `${c.source.path}.data[".dockerconfigjson"]`, observed: `${c.name}: auths for ${c.auths.map((a) => a.host).join(", ")}${c.auths[0]?.username ? ` (user ${c.auths[0].username})` : ""}` })),
          observationEvidence(x.failure),
        ],
        remediation: candidates.length
          ? [`kubectl -n ${ns} patch serviceaccount ${x.pod?.serviceAccountName ?? "default"} -p '{"imagePullSecrets":[{"name":"${candidates[0]!.name}"}]}'`, `kubectl -n ${ns} rollout restart deployment <NAME>   # pods pick up the service account's pull secrets when created`]
          : [secretRecreateCommand(ns, s.kind === "missing" ? s.missing[0]! : `${x.host.split(".")[0]}-pull`, x.host), `kubectl -n ${ns} patch serviceaccount ${x.pod?.serviceAccountName ?? "default"} -p '{"imagePullSecrets":[{"name":"${s.kind === "missing" ? s.missing[0] : `${x.host.split(".")[0]}-pull`}"}]}'`],
      });
    }
    // The kubelet's own word that a referenced secret is missing.
    out.push(...observedCause(ctx, "EXT_PULL_SECRET_MISSING", {
      // only the kubelet's secret-retrieval message: an anonymous 401 the classifier also ranks here was judged above
      filter: (o) => isSecretRetrievalFailure(o) && !(o.pod && done.has(`pod/${o.pod.namespace}/${o.pod.name}`)),
      title: () => "Referenced image pull secret cannot be retrieved",
      message: (o) => `The kubelet could not retrieve the pod's image pull secret(s): ${o.classification?.firstError.slice(0, 200) ?? o.message.slice(0, 200)}. The pull goes ahead without those credentials.`,
      fix: (o) => [`kubectl -n ${o.pod?.namespace ?? "<NS>"} get secrets   # create the missing docker-registry secret with kubectl create secret docker-registry`],
    }));
    return out;
  },
});

/** kubelet: reason FailedToRetrieveImagePullSecret, "Unable to retrieve some image pull secrets (...)" (pkg/kubelet/kubelet_pods.go). */
function isSecretRetrievalFailure(o: Observation): boolean {
  return o.reason === "FailedToRetrieveImagePullSecret" || /Unable to retrieve some image pull secrets|does not have the proper auth \(image secret\)/i.test(o.message);
}
