import rule from "./ext-rate-limited.js";
import { ruleTester } from "../../test/rule-tester.js";
import { failedEvent, pod, snapshot } from "../../test/factories.js";

const hub429 = (img: string, repo: string) => `Failed to pull image "${img}": rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/${repo}": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/${repo.split(":")[0]}/manifests/sha256:${"7c".repeat(32)}: 429 Too Many Requests - Server message: toomanyrequests: You have reached your unauthenticated pull rate limit. https://www.docker.com/increase-rate-limit`;
const acr429 = `Failed to pull image "margiesacr.azurecr.io/travel/booking:6.0.0": rpc error: code = Unknown desc = failed to pull and unpack image "margiesacr.azurecr.io/travel/booking:6.0.0": failed to resolve reference "margiesacr.azurecr.io/travel/booking:6.0.0": unexpected status from HEAD request to https://margiesacr.azurecr.io/v2/travel/booking/manifests/6.0.0: 429 Too Many Requests`;

ruleTester(rule, {
  invalid: [
    {
      name: "Docker Hub unauthenticated pull rate limit for a library image",
      snapshot: snapshot({ events: [failedEvent(hub429("redis:7.4.1", "library/redis:7.4.1"), { pod: "cache-0" })] }),
      findings: [{ code: "EXT_RATE_LIMITED", severity: "error", subject: "docker.io", message: /docker\.io answers 429 Too Many Requests for unauthenticated pulls .*share the cluster's egress IP/, remediation: /^az acr import --name <ACR_NAME> --source redis:7\.4\.1 --image redis:7\.4\.1$/ }],
    },
    {
      name: "two throttled pods are one finding per registry, counting both",
      snapshot: snapshot({ events: [failedEvent(hub429("redis:7.4.1", "library/redis:7.4.1"), { pod: "cache-0" }), failedEvent(hub429("nginx:1.27", "library/nginx:1.27"), { pod: "web-0", ns: "front" })] }),
      findings: [{ code: "EXT_RATE_LIMITED", subject: "docker.io", message: /\(2 failing pull\(s\)/, remediation: /docker-registry dockerhub --docker-server=docker\.io/ }],
    },
    {
      name: "ACR throttling on the login server",
      snapshot: snapshot({ events: [failedEvent(acr429, { pod: "booking-1" })] }),
      findings: [{ code: "EXT_RATE_LIMITED", subject: "margiesacr.azurecr.io", message: /SKU limits read operations/, remediation: /^az acr update --name margiesacr --sku Premium/ }],
    },
  ],
  valid: [
    { name: "the same image pulled successfully", snapshot: snapshot({ events: [failedEvent(`Successfully pulled image "redis:7.4.1" in 2.1s (2.1s including waiting). Image size: 40123456 bytes.`, { pod: "cache-0", type: "Normal", reason: "Pulled" })] }) },
    // dockerhub-rate-limit-and-missing-secret: the ghcr.io 401 next to the 429 is not throttling
    { name: "an anonymous 401 from ghcr.io", snapshot: snapshot({ pods: [pod({ name: "idx", image: "ghcr.io/margies/indexer:1" })], events: [failedEvent(`Failed to pull image "ghcr.io/margies/indexer:1": failed to pull and unpack image "ghcr.io/margies/indexer:1": failed to resolve reference "ghcr.io/margies/indexer:1": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Amargies%2Findexer%3Apull&service=ghcr.io: 401 Unauthorized`, { pod: "idx" })] }) },
    { name: "a registry 5xx is not throttling", snapshot: snapshot({ events: [failedEvent(`Failed to pull image "quay.io/margies/x:1": rpc error: code = Unknown desc = received unexpected HTTP status: 503 Service Unavailable`, { pod: "x" })] }) },
    { name: "no pull evidence", snapshot: snapshot({}), expect: "unknown", reason: /kubectl get events -A -o json/ },
  ],
});
