import rule from "./ext-credentials-rejected.js";
import { ruleTester } from "../../test/rule-tester.js";
import { failedEvent, pod, pullSecret, snapshot } from "../../test/factories.js";
import type { DockerAuthEntry } from "../snapshot/types.js";

const image = "ghcr.io/relecloud/payments-api:3.4.1";
const oauth401 = `Failed to pull image "${image}": failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Arelecloud%2Fpayments-api%3Apull&service=ghcr.io: 401 Unauthorized`;
const entry = (o: Partial<DockerAuthEntry> = {}): DockerAuthEntry => ({ key: "https://ghcr.io", host: "ghcr.io", username: "relecloud-ci", hasPassword: true, hasIdentityToken: false, fingerprint: "5e4d3c2b1a09", ...o });
const secret = (o: Partial<DockerAuthEntry> = {}) => pullSecret({ name: "ghcr-pull", namespace: "payments", auths: [entry(o)] });
const payPod = (name: string) => pod({ name, namespace: "payments", image, imagePullSecrets: ["ghcr-pull"] });

ruleTester(rule, {
  invalid: [
    {
      name: "oauth-token 401 with a matching secret (key written with a scheme)",
      snapshot: snapshot({ pods: [payPod("payments-1")], pullSecrets: [secret()], events: [failedEvent(oauth401, { pod: "payments-1", ns: "payments" })] }),
      findings: [{ code: "EXT_CREDENTIALS_REJECTED", severity: "error", subject: "pod/payments/payments-1", message: /credentials of secret ghcr-pull \(user relecloud-ci\), and the registry answers 401/, remediation: /kubectl -n payments create secret docker-registry ghcr-pull --docker-server=ghcr\.io .*kubectl apply -f -/ }],
    },
    {
      name: "docker dialect 'unauthorized: authentication required' from a pod status",
      snapshot: snapshot({ pods: [pod({ name: "payments-2", namespace: "payments", image, imagePullSecrets: ["ghcr-pull"], statuses: [{ name: "app", image, kind: "container", waiting: { reason: "ErrImagePull", message: `rpc error: code = Unknown desc = Error response from daemon: Get https://ghcr.io/v2/relecloud/payments-api/manifests/3.4.1: unauthorized: authentication required` } }] })], pullSecrets: [secret()] }),
      findings: [{ code: "EXT_CREDENTIALS_REJECTED", subject: "pod/payments/payments-2", message: /answers 401/, remediation: /--docker-password="\$REGISTRY_TOKEN"/ }],
    },
    {
      name: "token not yet expired: the credentials themselves are wrong",
      snapshot: snapshot({ pods: [payPod("payments-3")], pullSecrets: [secret({ tokenExpiresAt: "2027-01-01T00:00:00Z" })], events: [failedEvent(oauth401, { pod: "payments-3", ns: "payments" })] }),
      findings: [{ code: "EXT_CREDENTIALS_REJECTED", subject: "pod/payments/payments-3", message: /wrong, revoked or lacks the read scope/, remediation: /create secret docker-registry/ }],
    },
  ],
  valid: [
    { name: "expired token: ext-token-expired explains the 401", snapshot: snapshot({ pods: [payPod("payments-1")], pullSecrets: [secret({ tokenExpiresAt: "2026-11-27T08:00:00Z" })], events: [failedEvent(oauth401, { pod: "payments-1", ns: "payments" })] }) },
    { name: "403: authenticated but denied is ext-access-denied", snapshot: snapshot({ pods: [payPod("payments-1")], pullSecrets: [secret()], events: [failedEvent(oauth401.replace("401 Unauthorized", "403 Forbidden"), { pod: "payments-1", ns: "payments" })] }) },
    // dockerhub-rate-limit-and-missing-secret forbids this code: nothing was presented, so nothing was rejected
    { name: "no pull secret at all", snapshot: snapshot({ pods: [pod({ name: "payments-1", namespace: "payments", image })], pullSecrets: [secret()], events: [failedEvent(oauth401.replace("oauth token", "anonymous token"), { pod: "payments-1", ns: "payments" })] }) },
    { name: "ACR oauth 401 is the identity rules' business", snapshot: snapshot({ pods: [pod({ name: "api", image: "relecloudacr.azurecr.io/api:1", imagePullSecrets: ["ghcr-pull"] })], pullSecrets: [secret()], events: [failedEvent(oauth401.replaceAll("ghcr.io/relecloud/payments-api:3.4.1", "relecloudacr.azurecr.io/api:1").replaceAll("ghcr.io", "relecloudacr.azurecr.io"), { pod: "api" })] }) },
    { name: "no pull evidence", snapshot: snapshot({ pullSecrets: [secret()] }), expect: "unknown", reason: /no pull failures can be read/ },
  ],
});
