import rule from "./img-repository-not-found.js";
import { ruleTester } from "../../test/rule-tester.js";
import { failedEvent, pod, pullSecret, snapshot } from "../../test/factories.js";

const quayImage = "quay.io/northwind/telemetry-agent:0.9.1";
const nameUnknown = (image: string, host: string) => `Failed to pull image "${image}": rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": pull access denied, repository does not exist or may require authorization: server message: NAME_UNKNOWN: repository name not known to registry`.replace("HOST", host);
const quaySecret = pullSecret({ name: "quay-pull", auths: [{ key: "quay.io", host: "quay.io", username: "northwind+puller", hasPassword: true, hasIdentityToken: false, fingerprint: "a1b2c3d4e5f6" }] });
const acrImage = "northwindacr.azurecr.io/ops/telemetry-agnet:0.9.1";

ruleTester(rule, {
  invalid: [
    {
      name: "NAME_UNKNOWN from quay.io while the pod presents a matching pull secret",
      snapshot: snapshot({ pods: [pod({ name: "agent-1", image: quayImage, imagePullSecrets: ["quay-pull"] })], pullSecrets: [quaySecret], events: [failedEvent(nameUnknown(quayImage, "quay.io"), { pod: "agent-1" })] }),
      findings: [{ code: "IMG_REPOSITORY_NOT_FOUND", severity: "error", subject: "pod/default/agent-1", message: /repository northwind\/telemetry-agent does not exist/, remediation: /verify the repository name/ }],
    },
    {
      name: "NAME_UNKNOWN from ACR: the fix lists the registry's repositories",
      snapshot: snapshot({ pods: [pod({ name: "agent-2", image: acrImage })], events: [failedEvent(nameUnknown(acrImage, "northwindacr.azurecr.io"), { pod: "agent-2" })] }),
      findings: [{ code: "IMG_REPOSITORY_NOT_FOUND", subject: "pod/default/agent-2", message: /ops\/telemetry-agnet .*northwindacr\.azurecr\.io/, remediation: /^az acr repository list --name northwindacr / }],
    },
    {
      name: "pod status message only, no Failed event (real JSON path of the status)",
      snapshot: snapshot({ pods: [pod({ name: "agent-4", image: acrImage, statuses: [{ name: "app", image: acrImage, kind: "container", waiting: { reason: "ErrImagePull", message: nameUnknown(acrImage, "").replace(/^Failed to pull image "[^"]+": /, "") } }] })] }),
      findings: [{ code: "IMG_REPOSITORY_NOT_FOUND", subject: "pod/default/agent-4", message: /does not exist/, remediation: /az acr repository list/ }],
    },
  ],
  valid: [
    {
      // a private repository looks missing to an anonymous client: ext-pull-secret-missing owns this one
      name: "external repository pulled without any pull secret",
      snapshot: snapshot({ pods: [pod({ name: "agent-1", image: quayImage })], pullSecrets: [], events: [failedEvent(nameUnknown(quayImage, "quay.io"), { pod: "agent-1" })] }),
    },
    {
      name: "the secret is scoped to another path of quay.io (the kubelet does not send it)",
      snapshot: snapshot({ pods: [pod({ name: "agent-1", image: quayImage, imagePullSecrets: ["quay-pull"] })], pullSecrets: [pullSecret({ name: "quay-pull", auths: [{ key: "quay.io/contoso", host: "quay.io", username: "contoso+bot", hasPassword: true, hasIdentityToken: false }] })], events: [failedEvent(nameUnknown(quayImage, "quay.io"), { pod: "agent-1" })] }),
    },
    {
      // containerd's bare `not found` is the tag rule's (image-tag-not-found scenario forbids this code)
      name: "containerd NotFound for a tag",
      snapshot: snapshot({ events: [failedEvent(`Failed to pull image "${acrImage}": rpc error: code = NotFound desc = failed to pull and unpack image "${acrImage}": failed to resolve reference "${acrImage}": ${acrImage}: not found`, { pod: "agent-2" })] }),
    },
    {
      name: "external registry, event only: the pod's credentials are unknown, so is the verdict",
      snapshot: snapshot({ events: [failedEvent(nameUnknown(quayImage, "quay.io"), { pod: "agent-3", ns: "observability" })] }),
      expect: "unknown", reason: /pod's spec is not in the evidence/,
    },
    { name: "no pull evidence at all", snapshot: snapshot({ registries: [] }), expect: "unknown", reason: /kubectl get events -A -o json/ },
  ],
});
