import rule from "./ext-token-expired.js";
import { ruleTester } from "../../test/rule-tester.js";
import { failedEvent, pod, pullSecret, snapshot } from "../../test/factories.js";
import type { DockerAuthEntry } from "../snapshot/types.js";

// `az acr login --expose-token` credentials: the null-GUID user and a refresh token that lasts hours
const acrTokenEntry = (o: Partial<DockerAuthEntry> = {}): DockerAuthEntry => ({ key: "woodgroveacr.azurecr.io", host: "woodgroveacr.azurecr.io", username: "00000000-0000-0000-0000-000000000000", hasPassword: true, hasIdentityToken: false, tokenExpiresAt: "2026-11-28T03:10:00Z", fingerprint: "c0ffee123456", ...o });
const acrImage = "woodgroveacr.azurecr.io/risk/scorer:8.0.2";
const oauth401 = `Failed to pull image "${acrImage}": failed to pull and unpack image "${acrImage}": failed to resolve reference "${acrImage}": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://woodgroveacr.azurecr.io/oauth2/token?scope=repository%3Arisk%2Fscorer%3Apull&service=woodgroveacr.azurecr.io: 401 Unauthorized`;
const scorer = (name: string, o: Parameters<typeof pod>[0] = {}) => pod({ name, namespace: "risk", image: acrImage, imagePullSecrets: ["acr-token"], ...o });

ruleTester(rule, {
  invalid: [
    {
      name: "expired ACR refresh token and the pulls fail",
      snapshot: snapshot({ pods: [scorer("scorer-1")], pullSecrets: [pullSecret({ name: "acr-token", namespace: "risk", auths: [acrTokenEntry()] })], events: [failedEvent(oauth401, { pod: "scorer-1", ns: "risk" })] }),
      findings: [{ code: "EXT_TOKEN_EXPIRED", severity: "error", subject: "secret/risk/acr-token", message: /expired at 2026-11-28T03:10:00Z; 1 pod\(s\) use it and their pulls fail\. ACR tokens from az acr login last hours/, remediation: /kubectl -n risk create secret docker-registry acr-token --docker-server=woodgroveacr\.azurecr\.io/ }],
    },
    {
      name: "expired, pods still running: a warning before the next pull fails",
      snapshot: snapshot({ pods: [scorer("scorer-2", { phase: "Running", statuses: [{ name: "app", image: acrImage, imageID: `woodgroveacr.azurecr.io/risk/scorer@sha256:${"ef".repeat(32)}`, kind: "container", running: true }] })], pullSecrets: [pullSecret({ name: "acr-token", namespace: "risk", auths: [acrTokenEntry()] })] }),
      findings: [{ code: "EXT_TOKEN_EXPIRED", severity: "warning", subject: "secret/risk/acr-token", message: /their next pull will fail/, remediation: /create secret docker-registry/ }],
    },
    {
      // "fabrikam/ledger" has no host part: it is docker.io, not a registry called "fabrikam"
      name: "Docker Hub short image name matched to the docker.io entry",
      snapshot: snapshot({ pods: [pod({ name: "ledger-1", namespace: "risk", image: "fabrikam/ledger:1.0", imagePullSecrets: ["hub"] })], pullSecrets: [pullSecret({ name: "hub", namespace: "risk", auths: [acrTokenEntry({ key: "https://index.docker.io/v1/", host: "docker.io", username: "fabrikambot", tokenExpiresAt: "2026-10-01T00:00:00Z" })] })] }),
      findings: [{ code: "EXT_TOKEN_EXPIRED", subject: "secret/risk/hub", message: /docker\.io credential .*expired at 2026-10-01/, remediation: /--docker-server=docker\.io/ }],
    },
  ],
  valid: [
    { name: "token still valid", snapshot: snapshot({ pods: [scorer("scorer-1")], pullSecrets: [pullSecret({ name: "acr-token", namespace: "risk", auths: [acrTokenEntry({ tokenExpiresAt: "2026-11-28T18:00:00Z" })] })] }) },
    { name: "expired secret that no pod references", snapshot: snapshot({ pods: [pod({ name: "scorer-1", namespace: "risk", image: acrImage })], pullSecrets: [pullSecret({ name: "acr-token", namespace: "risk", auths: [acrTokenEntry()] })] }) },
    { name: "same secret name in another namespace", snapshot: snapshot({ pods: [pod({ name: "scorer-1", namespace: "risk-staging", image: acrImage, imagePullSecrets: ["acr-token"] })], pullSecrets: [pullSecret({ name: "acr-token", namespace: "risk", auths: [acrTokenEntry()] })] }) },
    { name: "pods reference secrets that were not collected", snapshot: snapshot({ pods: [scorer("scorer-1")] }), expect: "unknown", reason: /no secrets are in the evidence/ },
  ],
});
