import rule from "./ext-pull-secret-missing.js";
import { ruleTester } from "../../test/rule-tester.js";
import { failedEvent, pod, pullSecret, snapshot } from "../../test/factories.js";
import type { ServiceAccount } from "../snapshot/types.js";

const image = "ghcr.io/litware-labs/indexer:0.18.2";
const anon401 = `Failed to pull image "${image}": failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Alitware-labs%2Findexer%3Apull&service=ghcr.io: 401 Unauthorized`;
const ghcrSecret = pullSecret({ name: "ghcr-litware", auths: [{ key: "ghcr.io", host: "ghcr.io", username: "litware-bot", hasPassword: true, hasIdentityToken: false, fingerprint: "9f8e7d6c5b4a" }] });
const sa = (names: string[]): ServiceAccount => ({ namespace: "default", name: "default", imagePullSecrets: names, source: { file: "sa.json", path: "$.items[0]" } });

ruleTester(rule, {
  invalid: [
    {
      name: "no imagePullSecrets on pod or service account; an unreferenced ghcr.io secret exists",
      snapshot: snapshot({ pods: [pod({ name: "indexer-1", image })], serviceAccounts: [sa([])], pullSecrets: [ghcrSecret], events: [failedEvent(anon401, { pod: "indexer-1" })] }),
      findings: [{ code: "EXT_PULL_SECRET_MISSING", severity: "error", subject: "pod/default/indexer-1", message: /neither the pod nor its service account default lists any imagePullSecrets\. Secret ghcr-litware .* not referenced/, remediation: /patch serviceaccount default -p '\{"imagePullSecrets":\[\{"name":"ghcr-litware"\}\]\}'/ }],
    },
    {
      name: "the pod references a secret that does not exist in its namespace",
      snapshot: snapshot({ pods: [pod({ name: "indexer-2", image, imagePullSecrets: ["ghcr-creds"] })], pullSecrets: [pullSecret({ name: "other", namespace: "default" })], events: [failedEvent(anon401, { pod: "indexer-2" })] }),
      findings: [{ code: "EXT_PULL_SECRET_MISSING", subject: "pod/default/indexer-2", message: /references pull secret\(s\) ghcr-creds, which do not exist in namespace default/, remediation: /create secret docker-registry ghcr-creds --docker-server=ghcr\.io .*--docker-password="\$REGISTRY_TOKEN"/ }],
    },
    {
      name: "the kubelet's own FailedToRetrieveImagePullSecret event",
      snapshot: snapshot({ events: [failedEvent("Unable to retrieve some image pull secrets (ghcr-creds); attempting to pull the image may not succeed.", { pod: "indexer-3", ns: "search", reason: "FailedToRetrieveImagePullSecret", type: "Warning" })] }),
      findings: [{ code: "EXT_PULL_SECRET_MISSING", subject: "pod/search/indexer-3", message: /could not retrieve the pod's image pull secret/, remediation: /kubectl -n search get secrets/ }],
    },
  ],
  valid: [
    // the scenario dockerhub-rate-limit-and-missing-secret: a throttled Docker Hub pull is not a missing secret
    { name: "Docker Hub rate limit", snapshot: snapshot({ pods: [pod({ name: "cache-0", image: "redis:7.4.1" })], pullSecrets: [], events: [failedEvent(`Failed to pull image "redis:7.4.1": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/redis:7.4.1": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/redis/manifests/sha256:${"0a".repeat(32)}: 429 Too Many Requests - Server message: toomanyrequests: You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit`, { pod: "cache-0" })] }) },
    { name: "the secret comes from the service account (merged into the pod) and matches", snapshot: snapshot({ pods: [pod({ name: "indexer-1", image })], serviceAccounts: [sa(["ghcr-litware"])], pullSecrets: [ghcrSecret], events: [failedEvent(anon401, { pod: "indexer-1" })] }) },
    { name: "an ACR anonymous 401 belongs to the identity rules", snapshot: snapshot({ pods: [pod({ name: "api-1", image: "litwareacr.azurecr.io/api:1.0" })], events: [failedEvent(anon401.replaceAll("ghcr.io/litware-labs/indexer:0.18.2", "litwareacr.azurecr.io/api:1.0").replaceAll("ghcr.io", "litwareacr.azurecr.io"), { pod: "api-1" })] }) },
    { name: "the pod's spec is not in the evidence", snapshot: snapshot({ events: [failedEvent(anon401, { pod: "indexer-9" })] }), expect: "unknown", reason: /pod's spec is not in the evidence/ },
    { name: "referenced secrets, but the namespace's secrets were not collected", snapshot: snapshot({ pods: [pod({ name: "indexer-2", image, imagePullSecrets: ["ghcr-creds"] })], events: [failedEvent(anon401, { pod: "indexer-2" })] }), expect: "unknown", reason: /no secrets are in the evidence/ },
  ],
});
