import rule from "./ext-pull-secret-wrong-registry.js";
import { ruleTester } from "../../test/rule-tester.js";
import { failedEvent, pod, pullSecret, snapshot } from "../../test/factories.js";
import type { DockerAuthEntry } from "../snapshot/types.js";

const entry = (key: string, host = key): DockerAuthEntry => ({ key, host, username: "svc-pull", hasPassword: true, hasIdentityToken: false, fingerprint: "00aa11bb22cc" });
const anon401 = (image: string, host: string, repo: string) => `Failed to pull image "${image}": failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://${host}/token?scope=repository%3A${encodeURIComponent(repo)}%3Apull&service=${host}: 401 Unauthorized`;
const denied = (image: string) => `Failed to pull image "${image}": rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`;
const gitlabImage = "registry.gitlab.com/proseware/platform/agent:1.4.0";
const hubImage = "proseware/ledger:2.0.1";
const portImage = "registry.proseware.net:5000/ops/backup:3.1";

ruleTester(rule, {
  invalid: [
    {
      name: "secret holds only a GitHub entry, image is on GitLab",
      snapshot: snapshot({ pods: [pod({ name: "agent-1", image: gitlabImage, imagePullSecrets: ["regcred"] })], pullSecrets: [pullSecret({ name: "regcred", auths: [entry("ghcr.io")] })], events: [failedEvent(anon401(gitlabImage, "gitlab.com/jwt/auth", "proseware/platform/agent"), { pod: "agent-1" })] }),
      findings: [{ code: "EXT_PULL_SECRET_WRONG_REGISTRY", severity: "error", subject: "pod/default/agent-1", message: /regcred \(for ghcr\.io\) hold no entry for registry\.gitlab\.com/, remediation: /create secret docker-registry regcred --docker-server=registry\.gitlab\.com/ }],
    },
    {
      // ports are significant to the kubelet's keyring: no port != :5000
      name: "entry without the registry's port",
      snapshot: snapshot({ pods: [pod({ name: "backup-1", image: portImage, imagePullSecrets: ["proseware"] })], pullSecrets: [pullSecret({ name: "proseware", auths: [entry("registry.proseware.net")] })], events: [failedEvent(anon401(portImage, "registry.proseware.net:5000", "ops/backup"), { pod: "backup-1" })] }),
      findings: [{ code: "EXT_PULL_SECRET_WRONG_REGISTRY", subject: "pod/default/backup-1", message: /no entry for registry\.proseware\.net:5000/, remediation: /--docker-server=registry\.proseware\.net:5000/ }],
    },
    {
      name: "entry is scoped to another path of the same registry (path prefix must match)",
      snapshot: snapshot({ pods: [pod({ name: "ledger-1", image: hubImage, imagePullSecrets: ["hub"] })], pullSecrets: [pullSecret({ name: "hub", auths: [entry("docker.io/contoso", "docker.io")] })], events: [failedEvent(denied(hubImage), { pod: "ledger-1" })] }),
      findings: [{ code: "EXT_PULL_SECRET_WRONG_REGISTRY", subject: "pod/default/ledger-1", message: /hub \(for docker\.io\/contoso\)/, remediation: /--docker-server=docker\.io/ }],
    },
  ],
  valid: [
    { name: "legacy Docker Hub key https://index.docker.io/v1/ serves a short image name", snapshot: snapshot({ pods: [pod({ name: "ledger-1", image: hubImage, imagePullSecrets: ["hub"] })], pullSecrets: [pullSecret({ name: "hub", auths: [entry("https://index.docker.io/v1/", "docker.io")] })], events: [failedEvent(denied(hubImage), { pod: "ledger-1" })] }) },
    { name: "glob key *.proseware.net matches one label", snapshot: snapshot({ pods: [pod({ name: "app-1", image: "cr.proseware.net/app:1", imagePullSecrets: ["wild"] })], pullSecrets: [pullSecret({ name: "wild", auths: [entry("*.proseware.net")] })], events: [failedEvent(anon401("cr.proseware.net/app:1", "cr.proseware.net", "app"), { pod: "app-1" })] }) },
    // scenario dockerhub-rate-limit-and-missing-secret forbids this code when no secret is referenced at all
    { name: "no secret referenced: that is a missing secret, not a wrong one", snapshot: snapshot({ pods: [pod({ name: "agent-1", image: gitlabImage })], pullSecrets: [pullSecret({ name: "regcred", auths: [entry("registry.gitlab.com")] })], events: [failedEvent(anon401(gitlabImage, "gitlab.com/jwt/auth", "proseware/platform/agent"), { pod: "agent-1" })] }) },
    { name: "no pull evidence", snapshot: snapshot({ pullSecrets: [pullSecret()] }), expect: "unknown", reason: /no pull failures can be read/ },
  ],
});
