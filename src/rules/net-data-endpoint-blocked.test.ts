import rule from "./net-data-endpoint-blocked.js";
import { ruleTester } from "../../test/rule-tester.js";
import { acrPull401, failedEvent, snapshot } from "../../test/factories.js";

const IMG = "fabrikamregistry.azurecr.io/shop/cart:2.4.0";
const pullFailure = (image: string, tail: string) =>
  `Failed to pull image "${image}": rpc error: code = Unknown desc = failed to pull and unpack image "${image}": ${tail}`;
const anonymousRetry = acrPull401(IMG).replace(`Failed to pull image "${IMG}": `, "rpc error: code = Unknown desc = ");

ruleTester(rule, {
  invalid: [
    {
      name: "dedicated data endpoint times out while the login server answered",
      snapshot: snapshot({ events: [failedEvent(pullFailure(IMG, `failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://fabrikamregistry.westeurope.data.azurecr.io/docker/registry/v2/blobs/sha256/3f/3fa1/data?se=2026-11-28T12%3A20%3A00Z": dial tcp 20.61.4.20:443: i/o timeout`))] }),
      findings: [{ code: "NET_DATA_ENDPOINT_BLOCKED", severity: "error", subject: "fabrikamregistry.azurecr.io", message: /login server answered.*fabrikamregistry\.westeurope\.data\.azurecr\.io: failed to copy: httpReadSeeker.*….*dial tcp 20\.61\.4\.20:443: i\/o timeout/, remediation: /az acr show-endpoints --name fabrikamregistry/ }],
    },
    {
      name: "image configuration download from blob storage fails after retries",
      snapshot: snapshot({ events: [failedEvent(pullFailure(IMG, `error pulling image configuration: download failed after attempts=6: dial tcp 20.150.64.33:443: i/o timeout`))] }),
      findings: [{ code: "NET_DATA_ENDPOINT_BLOCKED", subject: "fabrikamregistry.azurecr.io", message: /downloading layers failed/, remediation: /Storage\.<region>/ }],
    },
    {
      name: "storage firewall refuses the blob (AuthorizationFailure 403)",
      snapshot: snapshot({ events: [failedEvent(pullFailure(IMG, `failed to copy: httpReadSeeker: failed open: unexpected status code https://fabrikamregistry.azurecr.io/v2/shop/cart/blobs/sha256:3fa1: 403 Forbidden, error parsing HTTP 403 response body: invalid character '<' looking for beginning of value: "\\ufeff<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?><Error><Code>AuthorizationFailure</Code><Message>This request is not authorized to perform this operation.</Message></Error>" during image configuration`))] }),
      findings: [{ code: "NET_DATA_ENDPOINT_BLOCKED", subject: "fabrikamregistry.azurecr.io", message: /data endpoint|layers/, remediation: /show-endpoints/ }],
    },
    {
      name: "blob-stage timeout followed by the anonymous-retry 401 stays a data-path finding",
      snapshot: snapshot({ events: [failedEvent(`Failed to pull image "${IMG}": [rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://fabrikamregistry.westeurope.data.azurecr.io/docker/registry/v2/blobs/sha256/3f/3fa1/data": dial tcp 20.61.4.20:443: i/o timeout, ${anonymousRetry}]`)] }),
      findings: [{ code: "NET_DATA_ENDPOINT_BLOCKED", subject: "fabrikamregistry.azurecr.io", message: /blocked|failed/, remediation: /443/ }],
    },
  ],
  valid: [
    { name: "an anonymous-token 401 on the login server", snapshot: snapshot({ events: [failedEvent(acrPull401(IMG))] }) },
    {
      name: "a timeout on the manifest HEAD is the login server (egress), not the data path",
      snapshot: snapshot({ events: [failedEvent(pullFailure(IMG, `failed to resolve reference "${IMG}": failed to do request: Head "https://fabrikamregistry.azurecr.io/v2/shop/cart/manifests/2.4.0": dial tcp 20.61.4.9:443: i/o timeout`))] }),
    },
    {
      name: "the blob stage answered 429: rate limiting, not a blocked path",
      snapshot: snapshot({ events: [failedEvent(pullFailure("docker.io/library/redis:7.4.1", `failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/redis/blobs/sha256:9b1f: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit`))] }),
    },
    {
      name: "the blob stage answered 503: a service fault",
      snapshot: snapshot({ events: [failedEvent(pullFailure(IMG, `failed to copy: httpReadSeeker: failed open: unexpected status code https://fabrikamregistry.azurecr.io/v2/shop/cart/blobs/sha256:3fa1: 503 Service Unavailable`))] }),
    },
  ],
});
