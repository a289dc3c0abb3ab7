import rule from "./img-invalid-reference.js";
import { ruleTester } from "../../test/rule-tester.js";
import { failedEvent, pod, snapshot } from "../../test/factories.js";

const goodPod = pod({ name: "cart-7d9f", image: "Fabrikamshop.azurecr.io/cart/api:4.2.0" }); // hosts are case-insensitive
const upperRepo = "fabrikamshop.azurecr.io/Cart/API:4.2.0";
const defaultTagFailure = `Failed to apply default image tag "${upperRepo}": couldn't parse image reference "${upperRepo}": invalid reference format: repository name must be lowercase`;

ruleTester(rule, {
  invalid: [
    {
      name: "uppercase repository path in the pod spec",
      snapshot: snapshot({ pods: [pod({ name: "cart-7d9f", image: upperRepo })] }),
      findings: [{ code: "IMG_INVALID_REFERENCE", severity: "error", subject: "pod/default/cart-7d9f", message: /repository name must be lowercase/, remediation: /kubectl -n default set image .* app=<REGISTRY>\/<REPOSITORY>:<TAG>/ }],
    },
    {
      name: "scheme prefix in an init container's image",
      snapshot: snapshot({ pods: [pod({ name: "migrate-1", containers: [{ name: "app", image: "fabrikamshop.azurecr.io/cart/api:4.2.0", kind: "container" }, { name: "schema", image: "https://fabrikamshop.azurecr.io/cart/migrate:4.2.0", kind: "init" }], statuses: [] })] }),
      findings: [{ code: "IMG_INVALID_REFERENCE", subject: "pod/default/migrate-1", message: /Container schema .*invalid registry host "https:"/, remediation: /schema=/ }],
    },
    {
      name: "empty tag after the colon",
      snapshot: snapshot({ pods: [pod({ name: "worker-2", image: "fabrikamshop.azurecr.io/cart/worker:" })] }),
      findings: [{ code: "IMG_INVALID_REFERENCE", subject: "pod/default/worker-2", message: /invalid tag ""/, remediation: /set image/ }],
    },
    {
      name: "only the kubelet's InspectFailed event is in the evidence (no pod spec)",
      snapshot: snapshot({ events: [failedEvent(defaultTagFailure, { pod: "cart-7d9f", ns: "shop", reason: "InspectFailed" })] }),
      findings: [{ code: "IMG_INVALID_REFERENCE", subject: "pod/shop/cart-7d9f", message: /kubelet rejected the image reference: .*invalid reference format/, remediation: /lowercase\/path\[:tag\]/ }],
    },
  ],
  valid: [
    { name: "uppercase registry host, lowercase path: a valid reference", snapshot: snapshot({ pods: [goodPod] }) },
    { name: "digest-pinned Docker Hub short name", snapshot: snapshot({ pods: [pod({ name: "cache-0", image: `redis@sha256:${"3f".repeat(32)}` })] }) },
    { name: "a 401 on a valid reference is another rule's business", snapshot: snapshot({ pods: [goodPod], events: [failedEvent(`Failed to pull image "fabrikamshop.azurecr.io/cart/api:4.2.0": failed to pull and unpack image "fabrikamshop.azurecr.io/cart/api:4.2.0": failed to resolve reference "fabrikamshop.azurecr.io/cart/api:4.2.0": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://fabrikamshop.azurecr.io/oauth2/token?scope=repository%3Acart%2Fapi%3Apull&service=fabrikamshop.azurecr.io: 401 Unauthorized`, { pod: "cart-7d9f" })] }) },
    { name: "no pods, events or describe output: unknown, not clean", snapshot: snapshot({}), expect: "unknown", reason: /neither events, pods nor kubectl describe/ },
  ],
});
