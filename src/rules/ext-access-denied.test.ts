import rule from "./ext-access-denied.js";
import { ruleTester } from "../../test/rule-tester.js";
import { failedEvent, pod, pullSecret, snapshot } from "../../test/factories.js";

const image = "registry.gitlab.com/lamna/platform/gateway:2.2.0";
const insufficientScope = `Failed to pull image "${image}": rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`;
const oauth403 = `Failed to pull image "${image}": failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://gitlab.com/jwt/auth?scope=repository%3Alamna%2Fplatform%2Fgateway%3Apull&service=container_registry: 403 Forbidden`;
const glSecret = pullSecret({ name: "gitlab-deploy", namespace: "edge", auths: [{ key: "registry.gitlab.com", host: "registry.gitlab.com", username: "gitlab+deploy-token-4411", hasPassword: true, hasIdentityToken: false, fingerprint: "77aa88bb99cc" }] });
const gw = (name: string) => pod({ name, namespace: "edge", image, imagePullSecrets: ["gitlab-deploy"] });

ruleTester(rule, {
  invalid: [
    {
      name: "insufficient_scope with a matching deploy token",
      snapshot: snapshot({ pods: [gw("gateway-1")], pullSecrets: [glSecret], events: [failedEvent(insufficientScope, { pod: "gateway-1", ns: "edge" })] }),
      findings: [{ code: "EXT_ACCESS_DENIED", severity: "error", subject: "pod/edge/gateway-1", message: /refuses lamna\/platform\/gateway to gitlab\+deploy-token-4411 of secret gitlab-deploy/, remediation: /grant the pull account read access to lamna\/platform\/gateway in registry\.gitlab\.com/ }],
    },
    {
      name: "403 on the token endpoint with credentials presented",
      snapshot: snapshot({ pods: [gw("gateway-2")], pullSecrets: [glSecret], events: [failedEvent(oauth403, { pod: "gateway-2", ns: "edge" })] }),
      findings: [{ code: "EXT_ACCESS_DENIED", subject: "pod/edge/gateway-2", message: /lacks read access/, remediation: /read access/ }],
    },
    {
      name: "pod not in the evidence: reported against the host with medium confidence",
      snapshot: snapshot({ events: [failedEvent(oauth403, { pod: "gateway-3", ns: "edge" })] }),
      findings: [{ code: "EXT_ACCESS_DENIED", subject: "registry.gitlab.com", message: /registry\.gitlab\.com refuses/, remediation: /grant the pull account/ }],
    },
  ],
  valid: [
    { name: "no secret referenced: nothing was presented, ext-pull-secret-missing explains it", snapshot: snapshot({ pods: [pod({ name: "gateway-1", namespace: "edge", image })], pullSecrets: [glSecret], events: [failedEvent(insufficientScope, { pod: "gateway-1", ns: "edge" })] }) },
    // acr-firewall-denies-cluster forbids this code: on ACR a 403 is a network answer
    { name: "ACR anonymous 403 is the registry firewall", snapshot: snapshot({ events: [failedEvent(`Failed to pull image "lamnaacr.azurecr.io/gw:1": rpc error: code = Unknown desc = failed to pull and unpack image "lamnaacr.azurecr.io/gw:1": failed to resolve reference "lamnaacr.azurecr.io/gw:1": failed to authorize: failed to fetch anonymous token: unexpected status: 403 Forbidden`, { pod: "gw-1" })] }) },
    { name: "a plain 401 with credentials is rejection, not denial", snapshot: snapshot({ pods: [gw("gateway-1")], pullSecrets: [glSecret], events: [failedEvent(oauth403.replace("403 Forbidden", "401 Unauthorized"), { pod: "gateway-1", ns: "edge" })] }) },
    { name: "no pull evidence", snapshot: snapshot({}), expect: "unknown", reason: /neither events, pods nor kubectl describe/ },
  ],
});
