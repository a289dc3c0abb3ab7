import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { CAUSES, isCauseCode, type CauseCode } from "../codes/causes.js";
import { classify, type Classification } from "./classify.js";
import { explain, renderExplainText } from "./explain.js";

// ---------------------------------------------------------------------------------------------------------
// Own messages: one or more per cue-table row and per wrapper of pull-errors.md, with invented registry names.
// ---------------------------------------------------------------------------------------------------------

interface Case {
  name: string;
  message: string;
  code: CauseCode;
  alternatives?: CauseCode[];
  notAmong?: CauseCode[];
  host?: string;
  hostKind?: Classification["hostKind"];
  tokenFetch?: Classification["tokenFetch"];
  ip?: string;
  privateIp?: boolean;
  resolver?: string;
  httpStatus?: number;
  stage?: Classification["stage"];
  causeless?: boolean;
  image?: string;
  explanationIncludes?: string;
}

const ANON_401 = (acr: string, repo: string): string =>
  `failed to pull and unpack image "${acr}/${repo}": failed to resolve reference "${acr}/${repo}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://${acr}/oauth2/token?scope=repository%3A${repo.split(":")[0] ?? ""}%3Apull&service=${acr}: 401 Unauthorized`;

const CASES: Case[] = [
  // Row 1: invalid reference
  {
    name: "row 1: uppercase reference",
    message: `Failed to apply default image tag "Northwind.azurecr.io/Shop/Cart:2.1": couldn't parse image reference "Northwind.azurecr.io/Shop/Cart:2.1": invalid reference format: repository name must be lowercase`,
    code: "IMG_INVALID_REFERENCE", stage: "reference",
  },
  { name: "row 1: Error: InvalidImageName alone", message: "Error: InvalidImageName", code: "IMG_INVALID_REFERENCE", causeless: false },
  {
    name: "row 1: newer kubelet wording",
    message: `Failed to apply default image tag "https://wingtipacr.azurecr.io/api:1": couldn't parse image name "https://wingtipacr.azurecr.io/api:1": invalid reference format`,
    code: "IMG_INVALID_REFERENCE",
  },
  {
    name: "row 1: container state reason in describe pod",
    message: "    State:          Waiting\n      Reason:       InvalidImageName\n    Ready:          False",
    code: "IMG_INVALID_REFERENCE",
  },
  // Row 2: never pull
  {
    name: "row 2: not present with pull policy of Never (get events)",
    message: `3m12s   Warning   ErrImageNeverPull   pod/ledger-7c9f   Container image "tailspin.azurecr.io/ledger/api:3.0.0" is not present with pull policy of Never`,
    code: "IMG_NEVER_PULL", host: "tailspin.azurecr.io", hostKind: "acr", image: "tailspin.azurecr.io/ledger/api:3.0.0",
  },
  { name: "row 2: Error: ErrImageNeverPull alone", message: "Error: ErrImageNeverPull", code: "IMG_NEVER_PULL" },
  // Row 3: platform
  {
    name: "row 3: docker no matching manifest",
    message: `Failed to pull image "fabrikam/winsvc:ltsc2022": rpc error: code = Unknown desc = Error response from daemon: no matching manifest for windows/amd64 10.0.17763 in the manifest list entries`,
    code: "IMG_PLATFORM_MISMATCH",
  },
  {
    name: "row 3: exec format error is medium",
    message: "exec /usr/local/bin/canipull: exec format error",
    code: "IMG_PLATFORM_MISMATCH",
  },
  {
    name: "row 3 + rule 1: platform mismatch followed by the anonymous 401",
    message: `Failed to pull image "contosoimages.azurecr.io/batch/worker:9": [rpc error: code = NotFound desc = failed to pull and unpack image "contosoimages.azurecr.io/batch/worker:9": no match for platform in manifest: not found, rpc error: code = Unknown desc = ${ANON_401("contosoimages.azurecr.io", "batch/worker:9")}]`,
    code: "IMG_PLATFORM_MISMATCH", notAmong: ["RBAC_PULL_ROLE_MISSING"],
  },
  // Row 4: pull secret
  {
    name: "row 4: FailedToRetrieveImagePullSecret in get events",
    message: `5m   Warning   FailedToRetrieveImagePullSecret   pod/billing-5d8   Unable to retrieve some image pull secrets (northwind-regcred); attempting to pull the image may not succeed.`,
    code: "EXT_PULL_SECRET_MISSING", stage: "secret",
  },
  {
    name: "row 4: ensure-secret-pulled-images refusal",
    message: `Failed to pull image "ghcr.io/litware/agent:5": image "ghcr.io/litware/agent:5" does not have the proper auth (image secret) that was used to pull the image`,
    code: "EXT_PULL_SECRET_MISSING",
  },
  {
    name: "row 4 wins over the anonymous 401 that follows it",
    message: [
      "  Warning  FailedToRetrieveImagePullSecret  2m (x4 over 3m)  kubelet  Unable to retrieve some image pull secrets (adventure-pull); attempting to pull the image may not succeed.",
      `  Warning  Failed  2m (x4 over 3m)  kubelet  Failed to pull image "adventureworks.azurecr.io/shop/web:1.2": ${ANON_401("adventureworks.azurecr.io", "shop/web:1.2")}`,
      "  Warning  Failed  2m (x4 over 3m)  kubelet  Error: ErrImagePull",
    ].join("\n"),
    code: "EXT_PULL_SECRET_MISSING", alternatives: ["RBAC_PULL_ROLE_MISSING"],
  },
  // Rows 5-8: service principal
  {
    name: "row 5: check-acr sign-in with expired secret",
    message: "[2026-11-24T10:01:02Z] Validating service principal credential: FAILED\n[2026-11-24T10:01:02Z] Sign in to AAD failed with: AADSTS7000222: The provided client secret keys for app '0a1b2c3d-aaaa-bbbb-cccc-111122223333' are expired.",
    code: "SP_SECRET_EXPIRED", stage: "identity",
  },
  {
    name: "row 6: invalid client secret",
    message: `adal: Refresh request failed. Status Code = '401'. Response body: {"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID"}`,
    code: "SP_SECRET_INVALID", notAmong: ["RBAC_PULL_ROLE_MISSING"],
  },
  {
    name: "row 7: application not found in tenant",
    message: `{"error":"unauthorized_client","error_description":"AADSTS700016: Application with identifier '7e1c0d2a-0000-4000-8000-abcdefabcdef' was not found in the directory 'Fabrikam'."}`,
    code: "SP_NOT_FOUND",
  },
  {
    name: "row 7: older ARM wording",
    message: "Service principal clientID: 3f2e1d0c-1111-2222-3333-444455556666 not found in Active Directory tenant 72f988bf-0000-0000-0000-000000000000",
    code: "SP_NOT_FOUND",
  },
  {
    name: "row 8: application disabled",
    message: `AADSTS7000112: Application '5a5a5a5a-1234-4321-9999-000011112222'(northwind-aks-sp) is disabled.`,
    code: "SP_DISABLED",
  },
  {
    name: "row 8 exclusion: ACR admin user disabled is not SP_DISABLED",
    message: "WARNING: Unable to get admin user credentials with message: Admin user is disabled.",
    code: "PULL_FAILURE_UNCLASSIFIED", notAmong: ["SP_DISABLED"],
  },
  // Row 9: managed identity
  {
    name: "row 9: no default identity",
    message: "ManagedIdentityCredential: no default identity is assigned to this resource",
    code: "MI_NOT_FOUND", alternatives: ["MI_CLIENT_ID_MISMATCH"],
  },
  {
    name: "row 9: IMDS timeout is an identity finding, not egress",
    message: `failed to get token: Get "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/": dial tcp 169.254.169.254:80: i/o timeout`,
    code: "MI_NOT_FOUND", alternatives: ["NET_EGRESS_BLOCKED"],
  },
  { name: "row 9: MSI not available", message: "nmi: MSI not available for pod default/worker-1", code: "MI_NOT_FOUND" },
  {
    name: "row 30: other AADSTS codes stay unclassified",
    message: "AADSTS700082: The refresh token has expired due to inactivity.",
    code: "PULL_FAILURE_UNCLASSIFIED", notAmong: ["SP_SECRET_EXPIRED"],
  },
  // Rows 10-11: rate limiting
  {
    name: "row 10: ACR SKU throttling",
    message: `Failed to pull image "wingtipacr.azurecr.io/ml/trainer:2024.1": failed to pull and unpack image "wingtipacr.azurecr.io/ml/trainer:2024.1": failed to copy: httpReadSeeker: failed open: unexpected status code https://wingtipacr.azurecr.io/v2/ml/trainer/blobs/sha256:0f0f: 429 Too Many Requests - Server message: toomanyrequests: Too many requests. Please visit https://aka.ms/acr/skus#sku-feature-matrix for more information.`,
    code: "EXT_RATE_LIMITED", httpStatus: 429, host: "wingtipacr.azurecr.io",
  },
  {
    name: "row 10: CRI-O Docker Hub wording",
    message: `Error reading manifest 1.27 in docker.io/library/nginx: toomanyrequests: You have reached your pull rate limit.`,
    code: "EXT_RATE_LIMITED",
  },
  {
    name: "row 11: kubelet pull QPS",
    message: `Failed to pull image "tailspin.azurecr.io/app:7": pull QPS exceeded`,
    code: "EXT_RATE_LIMITED", alternatives: ["PULL_FAILURE_UNCLASSIFIED"], stage: "node",
  },
  // Row 12: TLS verification
  {
    name: "row 12: x509 expired certificate on ACR",
    message: `Failed to pull image "litware.azurecr.io/core/api:1": failed to pull and unpack image "litware.azurecr.io/core/api:1": failed to resolve reference "litware.azurecr.io/core/api:1": failed to do request: Head "https://litware.azurecr.io/v2/core/api/manifests/1": x509: certificate has expired or is not yet valid`,
    code: "NET_TLS_INTERCEPTED", stage: "tls", hostKind: "acr",
  },
  { name: "row 12: check-health SSL code", message: "An error occurred: CONNECTIVITY_SSL_ERROR", code: "NET_TLS_INTERCEPTED" },
  // Rows 13-14: DNS
  {
    name: "row 13: NXDOMAIN via custom DNS",
    message: `Failed to pull image "nortwind.azurecr.io/web:5": failed to pull and unpack image "nortwind.azurecr.io/web:5": failed to resolve reference "nortwind.azurecr.io/web:5": failed to do request: Head "https://nortwind.azurecr.io/v2/web/manifests/5": dial tcp: lookup nortwind.azurecr.io on 10.50.0.4:53: no such host`,
    code: "NET_DNS_FAILURE", alternatives: ["CFG_REGISTRY_NOT_FOUND", "NET_PRIVATE_DNS_MISCONFIGURED"],
    host: "nortwind.azurecr.io", resolver: "10.50.0.4", stage: "dns", explanationIncludes: "custom DNS",
  },
  {
    name: "row 13: check-acr host name resolution",
    message: "[2026-11-24T08:00:00Z] Checking host name resolution (contosoimages.azurecr.io): FAILED",
    code: "NET_DNS_FAILURE", host: "contosoimages.azurecr.io",
  },
  {
    name: "row 13: external host offers EXT_UNREACHABLE",
    message: `Failed to pull image "quay.io/fabrikam/tool:1": rpc error: code = Unknown desc = failed to pull and unpack image "quay.io/fabrikam/tool:1": failed to resolve reference "quay.io/fabrikam/tool:1": failed to do request: Head "https://quay.io/v2/fabrikam/tool/manifests/1": dial tcp: lookup quay.io: no such host`,
    code: "NET_DNS_FAILURE", alternatives: ["EXT_UNREACHABLE"], hostKind: "external",
  },
  {
    name: "row 14: resolver read timeout is DNS, not a TCP timeout",
    message: `Failed to pull image "contoso.azurecr.io/cart:4": failed to pull and unpack image "contoso.azurecr.io/cart:4": failed to resolve reference "contoso.azurecr.io/cart:4": failed to do request: Head "https://contoso.azurecr.io/v2/cart/manifests/4": dial tcp: lookup contoso.azurecr.io on 10.0.0.10:53: read udp 10.224.0.33:51234->10.0.0.10:53: i/o timeout`,
    code: "NET_DNS_FAILURE", notAmong: ["NET_EGRESS_BLOCKED"], resolver: "10.0.0.10",
  },
  {
    name: "row 14: local resolver refused",
    message: `dial tcp: lookup fabrikamreg.azurecr.io on [::1]:53: read udp [::1]:40000->[::1]:53: read: connection refused`,
    code: "NET_DNS_FAILURE", resolver: "[::1]",
  },
  // Row 15: nslookup evidence
  {
    name: "row 15: privatelink CNAME followed by a public address",
    message: [
      "Server:\t\t10.1.0.4",
      "Address:\t10.1.0.4#53",
      "",
      "Non-authoritative answer:",
      "wingtipprod.azurecr.io\tcanonical name = wingtipprod.privatelink.azurecr.io.",
      "wingtipprod.privatelink.azurecr.io\tcanonical name = weu.fe.azcr.io.",
      "Name:\tweu-acr-reg.cloudapp.net",
      "Address: 51.124.10.20",
    ].join("\n"),
    code: "NET_PRIVATE_DNS_MISCONFIGURED", host: "wingtipprod.azurecr.io", ip: "51.124.10.20", privateIp: false, resolver: "10.1.0.4",
  },
  {
    name: "row 15: privatelink CNAME resolving privately is not a failure",
    message: "Non-authoritative answer:\nwingtipprod.azurecr.io\tcanonical name = wingtipprod.privatelink.azurecr.io.\nName:\twingtipprod.privatelink.azurecr.io\nAddress: 10.8.0.5",
    code: "PULL_FAILURE_UNCLASSIFIED", notAmong: ["NET_PRIVATE_DNS_MISCONFIGURED"],
  },
  // Rows 16-17: data endpoint
  {
    name: "row 16: storage AuthorizationFailure on image configuration",
    message: `Failed to pull image "tailspin.azurecr.io/orders:8": rpc error: code = Unknown desc = error pulling image configuration: error parsing HTTP 403 response body: invalid character '<' looking for beginning of value: "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?><Error><Code>AuthorizationFailure</Code><Message>This request is not authorized to perform this operation.</Message></Error>"`,
    code: "NET_DATA_ENDPOINT_BLOCKED", stage: "blob",
  },
  {
    name: "row 17: dedicated data endpoint timeout",
    message: `Failed to pull image "fabrikamreg.azurecr.io/etl/job:3": failed to pull and unpack image "fabrikamreg.azurecr.io/etl/job:3": failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://fabrikamreg.westeurope.data.azurecr.io/docker/registry/v2/blobs/sha256/aa/aabb/data?se=2026-11-24": dial tcp 20.61.1.9:443: i/o timeout`,
    code: "NET_DATA_ENDPOINT_BLOCKED", host: "fabrikamreg.westeurope.data.azurecr.io", hostKind: "acr-data", ip: "20.61.1.9", privateIp: false, stage: "blob",
  },
  {
    name: "row 17: blob storage EOF",
    message: `failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://contosoeus2blob.blob.core.windows.net/contoso-regblob/docker/registry/v2/blobs/sha256/11/1122/data": EOF`,
    code: "NET_DATA_ENDPOINT_BLOCKED", hostKind: "acr-data",
  },
  {
    name: "row 17 exclusion: blob stage ending in a 5xx stays unclassified",
    message: `failed to copy: httpReadSeeker: failed open: unexpected status code https://litware.azurecr.io/v2/core/api/blobs/sha256:ab12: 503 Service Unavailable`,
    code: "PULL_FAILURE_UNCLASSIFIED", httpStatus: 503,
  },
  // Rows 18-20: ACR network 403
  {
    name: "row 18: JSON DENIED body with client IP",
    message: `Failed to pull image "northwind.azurecr.io/hr/portal:2": rpc error: code = Unknown desc = failed to pull and unpack image "northwind.azurecr.io/hr/portal:2": failed to resolve reference "northwind.azurecr.io/hr/portal:2": unexpected status from HEAD request to https://northwind.azurecr.io/v2/hr/portal/manifests/2: 403 Forbidden {"errors":[{"code":"DENIED","message":"client with IP '52.170.3.4' is not allowed access. Refer https://aka.ms/acr/firewall to grant access."}]}`,
    code: "NET_FIREWALL_DENIES_CLUSTER", alternatives: ["NET_PUBLIC_ACCESS_DISABLED"], ip: "52.170.3.4", privateIp: false, host: "northwind.azurecr.io",
  },
  {
    name: "row 19 + rule 1: anonymous 403 then anonymous 401",
    message: `Failed to pull image "wingtipacr.azurecr.io/pos/terminal:11": [failed to pull and unpack image "wingtipacr.azurecr.io/pos/terminal:11": failed to resolve reference "wingtipacr.azurecr.io/pos/terminal:11": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://wingtipacr.azurecr.io/oauth2/token?scope=repository%3Apos%2Fterminal%3Apull&service=wingtipacr.azurecr.io: 403 Forbidden, ${ANON_401("wingtipacr.azurecr.io", "pos/terminal:11")}]`,
    code: "NET_FIREWALL_DENIES_CLUSTER", tokenFetch: "anonymous", httpStatus: 403, notAmong: ["RBAC_PULL_ROLE_MISSING"],
  },
  {
    name: "row 20: docker login 403",
    message: "Error response from daemon: login attempt to https://tailspin.azurecr.io/v2/ failed with status: 403 Forbidden",
    code: "NET_PUBLIC_ACCESS_DISABLED", alternatives: ["NET_FIREWALL_DENIES_CLUSTER"],
  },
  {
    name: "row 20: check-health refresh token error",
    message: "Fetch refresh token for registry 'wingtipacr.azurecr.io' : FAILED\nAn error occurred: CONNECTIVITY_REFRESH_TOKEN_ERROR\nAccess to registry 'wingtipacr.azurecr.io' was denied. Response code: 403.",
    code: "NET_PUBLIC_ACCESS_DISABLED", host: "wingtipacr.azurecr.io",
  },
  // Rows 21-22: transport
  {
    name: "row 21: TLS handshake timeout to an external registry",
    message: `Failed to pull image "ghcr.io/litware/sidecar:0.3": failed to pull and unpack image "ghcr.io/litware/sidecar:0.3": failed to resolve reference "ghcr.io/litware/sidecar:0.3": failed to do request: Head "https://ghcr.io/v2/litware/sidecar/manifests/0.3": net/http: TLS handshake timeout`,
    code: "EXT_UNREACHABLE", alternatives: ["NET_EGRESS_BLOCKED", "NET_TLS_INTERCEPTED"], hostKind: "external",
  },
  {
    name: "row 22: private endpoint IP timeout",
    message: `Failed to pull image "contosoimages.azurecr.io/pay/api:6": failed to pull and unpack image "contosoimages.azurecr.io/pay/api:6": failed to resolve reference "contosoimages.azurecr.io/pay/api:6": failed to do request: Head "https://contosoimages.azurecr.io/v2/pay/api/manifests/6": dial tcp 10.20.1.5:443: i/o timeout`,
    code: "NET_EGRESS_BLOCKED", alternatives: ["NET_PRIVATE_ENDPOINT_NOT_APPROVED"], ip: "10.20.1.5", privateIp: true, stage: "connect",
  },
  {
    name: "row 22: 172.16/12 is private too",
    message: `Head "https://fabrikamreg.azurecr.io/v2/x/manifests/1": dial tcp 172.20.4.4:443: connect: connection timed out`,
    code: "NET_EGRESS_BLOCKED", ip: "172.20.4.4", privateIp: true,
  },
  {
    name: "row 22: proxy refused",
    message: `Failed to pull image "litware.azurecr.io/a:1": failed to pull and unpack image "litware.azurecr.io/a:1": failed to resolve reference "litware.azurecr.io/a:1": failed to do request: Head "https://litware.azurecr.io/v2/a/manifests/1": proxyconnect tcp: dial tcp 10.9.9.9:3128: connect: connection refused`,
    code: "NET_EGRESS_BLOCKED", alternatives: ["NET_TLS_INTERCEPTED"], notAmong: ["NET_PRIVATE_ENDPOINT_NOT_APPROVED"],
  },
  {
    name: "row 22: external registry refused",
    message: `Failed to pull image "registry.gitlab.com/tailspin/bot:2": rpc error: code = Unknown desc = failed to pull and unpack image "registry.gitlab.com/tailspin/bot:2": failed to resolve reference "registry.gitlab.com/tailspin/bot:2": failed to do request: Head "https://registry.gitlab.com/v2/tailspin/bot/manifests/2": dial tcp 172.65.251.78:443: connect: connection refused`,
    code: "EXT_UNREACHABLE", alternatives: ["NET_EGRESS_BLOCKED"], hostKind: "external",
  },
  {
    name: "row 22 / rule 7: check-acr token exchange transport error is not RBAC",
    message: [
      "[2026-11-24T09:12:40Z] Validating managed identity existance: SUCCEEDED",
      "[2026-11-24T09:12:40Z] Validating image pull permission: FAILED",
      `[2026-11-24T09:12:41Z] ACR northwind.azurecr.io failed to send token exchange request: Post "https://northwind.azurecr.io/oauth2/exchange": dial tcp 20.38.1.1:443: i/o timeout`,
    ].join("\n"),
    code: "NET_EGRESS_BLOCKED", notAmong: ["MI_NOT_FOUND"],
  },
  {
    name: "row 22: hidden host defaults to egress",
    message: "dial tcp 20.1.2.3:443: connect: connection refused",
    code: "NET_EGRESS_BLOCKED",
  },
  // Rows 23-24: image not found, pull access denied
  {
    name: "row 23: NAME_UNKNOWN means the repository",
    message: `Error response from daemon: manifest for contoso.azurecr.io/does/not/exist:1 not found: NAME_UNKNOWN: repository name not known to registry`,
    code: "IMG_REPOSITORY_NOT_FOUND",
  },
  {
    name: "row 23: old kubelet tag wording",
    message: `Failed to pull image "fabrikam/reports:9.9": rpc error: code = Unknown desc = Tag 9.9 not found in repository docker.io/fabrikam/reports`,
    code: "IMG_TAG_NOT_FOUND", alternatives: ["IMG_REPOSITORY_NOT_FOUND"],
  },
  {
    name: "row 23: newer containerd without the rpc prefix",
    message: `Failed to pull image "litware.azurecr.io/api:nope": failed to pull and unpack image "litware.azurecr.io/api:nope": failed to resolve reference "litware.azurecr.io/api:nope": litware.azurecr.io/api:nope: not found`,
    code: "IMG_TAG_NOT_FOUND", stage: "manifest",
  },
  {
    name: "row 24: containerd pull access denied",
    message: `Failed to pull image "tailspin/private-ui:4": failed to pull and unpack image "docker.io/tailspin/private-ui:4": failed to resolve reference "docker.io/tailspin/private-ui:4": pull access denied, repository does not exist or may require authorization: authorization failed`,
    code: "IMG_REPOSITORY_NOT_FOUND", alternatives: ["EXT_PULL_SECRET_MISSING", "EXT_ACCESS_DENIED"], host: "docker.io",
  },
  // Row 25: check-acr token exchange
  {
    name: "row 25: check-acr token exchange 401",
    message: "Validating image pull permission: FAILED\nACR wingtipacr.azurecr.io rejected token exchange: ACR token exchange endpoint returned error status: 401. body: {\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}",
    code: "RBAC_PULL_ROLE_MISSING", alternatives: ["RBAC_SCOPE_MISMATCH"], host: "wingtipacr.azurecr.io",
  },
  // Row 26: 401s
  {
    name: "row 26a: oauth 401 with the anonymous retry",
    message: `Failed to pull image "litwareanalytics.azurecr.io/bi/engine:1.0": [failed to pull and unpack image "litwareanalytics.azurecr.io/bi/engine:1.0": failed to resolve reference "litwareanalytics.azurecr.io/bi/engine:1.0": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://litwareanalytics.azurecr.io/oauth2/token?scope=repository%3Abi%2Fengine%3Apull&service=litwareanalytics.azurecr.io: 401 Unauthorized, ${ANON_401("litwareanalytics.azurecr.io", "bi/engine:1.0")}]`,
    code: "RBAC_PULL_ROLE_MISSING", tokenFetch: "oauth", httpStatus: 401, alternatives: ["SP_SECRET_EXPIRED", "MI_NOT_FOUND", "EXT_CREDENTIALS_REJECTED"],
  },
  {
    name: "row 26a: oauth 401 on an external registry rejects the pull secret",
    message: `Failed to pull image "ghcr.io/fabrikam/private:2": failed to pull and unpack image "ghcr.io/fabrikam/private:2": failed to resolve reference "ghcr.io/fabrikam/private:2": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Afabrikam%2Fprivate%3Apull&service=ghcr.io: 401 Unauthorized`,
    code: "EXT_CREDENTIALS_REJECTED", tokenFetch: "oauth",
  },
  {
    name: "row 26b: anonymous 401 alone (old containerd wording) is low confidence",
    message: `Failed to pull image "contoso.azurecr.io/missing/app:1": rpc error: code = Unknown desc = failed to pull and unpack image "contoso.azurecr.io/missing/app:1": failed to resolve reference "contoso.azurecr.io/missing/app:1": failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized`,
    code: "RBAC_PULL_ROLE_MISSING", tokenFetch: "anonymous", alternatives: ["IMG_REPOSITORY_NOT_FOUND", "IMG_TAG_NOT_FOUND"],
  },
  {
    name: "row 26c: docker-shim authentication required on an external registry",
    message: `Failed to pull image "registry.gitlab.com/northwind/secret-app:3": rpc error: code = Unknown desc = Error response from daemon: Get https://registry.gitlab.com/v2/northwind/secret-app/manifests/3: unauthorized: HTTP Basic: Access denied`,
    code: "EXT_PULL_SECRET_MISSING", alternatives: ["EXT_CREDENTIALS_REJECTED"], hostKind: "external",
  },
  {
    name: "row 26c: ACR JSON UNAUTHORIZED body through the docker shim (older describe columns)",
    message: `  Warning  Failed     8s (x3 over 50s)  kubelet, aks-agentpool-41526-0  Failed to pull image "fabrikamreg.azurecr.io/crm/web:12": rpc error: code = Unknown desc = Error response from daemon: Get https://fabrikamreg.azurecr.io/v2/crm/web/manifests/12: unauthorized: {"errors":[{"code":"UNAUTHORIZED","message":"authentication required, visit https://aka.ms/acr/authorization for more information."}]}`,
    code: "RBAC_PULL_ROLE_MISSING", host: "fabrikamreg.azurecr.io", hostKind: "acr", image: "fabrikamreg.azurecr.io/crm/web:12",
  },
  // Row 27: registry faults
  {
    name: "row 27: 503 on a manifest",
    message: `Failed to pull image "fabrikamreg.azurecr.io/x:1": failed to pull and unpack image "fabrikamreg.azurecr.io/x:1": failed to resolve reference "fabrikamreg.azurecr.io/x:1": unexpected status from HEAD request to https://fabrikamreg.azurecr.io/v2/x/manifests/1: 503 Service Unavailable`,
    code: "PULL_FAILURE_UNCLASSIFIED", httpStatus: 503, causeless: false,
  },
  {
    name: "row 27: Status 405 trying to pull",
    message: `Failed to pull image "northwind.example/app": rpc error: code = Unknown desc = Error response from daemon: Status 405 trying to pull repository app: "405 method not allowed"`,
    code: "PULL_FAILURE_UNCLASSIFIED",
  },
  {
    name: "rule 1 exception: a first error with a 5xx hands over to the next",
    message: `Failed to pull image "tailspin.azurecr.io/tv/guide:5": [rpc error: code = Unknown desc = failed to pull and unpack image "tailspin.azurecr.io/tv/guide:5": failed to resolve reference "tailspin.azurecr.io/tv/guide:5": unexpected status from GET request to https://tailspin.azurecr.io/oauth2/token?scope=repository%3Atv%2Fguide%3Apull&service=tailspin.azurecr.io: 500 Internal Server Error, rpc error: code = Unknown desc = ${ANON_401("tailspin.azurecr.io", "tv/guide:5")}]`,
    code: "RBAC_PULL_ROLE_MISSING", alternatives: ["PULL_FAILURE_UNCLASSIFIED"],
  },
  // Rows 28-30
  {
    name: "row 28: artifact streaming plugin",
    message: `Failed to pull image "wingtipacr.azurecr.io/big/model:7": failed to pull and unpack image "wingtipacr.azurecr.io/big/model:7": failed to resolve reference "wingtipacr.azurecr.io/big/model:7": failed to do request: Head "http://localhost:8578/v2/big/model/manifests/7?ns=wingtipacr.azurecr.io": dial tcp 127.0.0.1:8578: connect: connection refused`,
    code: "PULL_FAILURE_UNCLASSIFIED",
  },
  {
    name: "row 30: signature validation",
    message: `Warning  SignatureValidationFailed  2s  kubelet  Image signature validation failed for contoso.azurecr.io/app:1`,
    code: "PULL_FAILURE_UNCLASSIFIED", causeless: false,
  },
  {
    name: "row 30: check-acr success is not a failure",
    message: "[2026-11-24T09:12:41Z] Validating image pull permission: SUCCEEDED\n[2026-11-24T09:12:41Z] \nYour cluster can pull images from fabrikamreg.azurecr.io!",
    code: "PULL_FAILURE_UNCLASSIFIED", causeless: false,
  },
  // Rule 8 and 9: lines without a cause
  {
    name: "rule 8: only back-off events",
    message: `12m   Normal   BackOff   pod/api-1   Back-off pulling image "northwind.azurecr.io/api:1"\n12m   Warning   Failed   pod/api-1   Error: ImagePullBackOff`,
    code: "PULL_FAILURE_UNCLASSIFIED", causeless: true, image: "northwind.azurecr.io/api:1", host: "northwind.azurecr.io",
  },
  {
    name: "rule 8: trying and failing to pull image",
    message: "trying and failing to pull image",
    code: "PULL_FAILURE_UNCLASSIFIED", causeless: true,
  },
  {
    name: "rule 8: the Failed to pull line wins over no-cause lines",
    message: [
      `  Normal   Pulling    30s (x3 over 2m)  kubelet  Pulling image "fabrikamreg.azurecr.io/ops/agent:4"`,
      `  Warning  Failed     29s (x3 over 2m)  kubelet  Error: ErrImagePull`,
      `  Warning  Failed     29s (x3 over 2m)  kubelet  Failed to pull image "fabrikamreg.azurecr.io/ops/agent:4": rpc error: code = NotFound desc = failed to pull and unpack image "fabrikamreg.azurecr.io/ops/agent:4": failed to resolve reference "fabrikamreg.azurecr.io/ops/agent:4": fabrikamreg.azurecr.io/ops/agent:4: not found`,
      `  Normal   BackOff    5s (x5 over 2m)   kubelet  Back-off pulling image "fabrikamreg.azurecr.io/ops/agent:4"`,
    ].join("\n"),
    code: "IMG_TAG_NOT_FOUND", causeless: false,
  },
  {
    name: "rule 9: cut before the cause",
    message: `Failed to pull image "contoso.azurecr.io/web:2": rpc error: code = Unknown desc = failed to pull and unpack image "contoso.azurecr.io/web:2": failed to resolve reference "contoso.azurecr.io/web:2…`,
    code: "PULL_FAILURE_UNCLASSIFIED", causeless: true,
  },
  {
    name: "rule 9: cut right after the prefix",
    message: `Failed to pull image "contoso.azurecr.io/web:2": failed to pull and unpack …`,
    code: "PULL_FAILURE_UNCLASSIFIED", causeless: true,
  },
  {
    name: "rule 10: repetition count tells persistence",
    message: `  Warning  Failed  3m (x212 over 17h)  kubelet  Failed to pull image "adventureworks.azurecr.io/erp:2": ${ANON_401("adventureworks.azurecr.io", "erp:2")}`,
    code: "RBAC_PULL_ROLE_MISSING", explanationIncludes: "persistent",
  },
  // Wrappers of section 1
  {
    name: "wrapper: kubectl get events -A columns",
    message: `payments    7m10s   Warning   Failed   pod/payments-api-6f7d8   Failed to pull image "tailspin.azurecr.io/pay/api:1": ${ANON_401("tailspin.azurecr.io", "pay/api:1")}`,
    code: "RBAC_PULL_ROLE_MISSING", image: "tailspin.azurecr.io/pay/api:1", tokenFetch: "anonymous",
  },
  {
    name: "wrapper: e2e event dump",
    message: `event for web-0: {kubelet aks-pool1-123-vmss000002} Failed: Failed to pull image "litware.azurecr.io/web:9": rpc error: code = Unknown desc = failed to pull and unpack image "litware.azurecr.io/web:9": failed to resolve reference "litware.azurecr.io/web:9": failed to do request: Head "https://litware.azurecr.io/v2/web/manifests/9": dial tcp 20.50.2.2:443: connect: connection refused`,
    code: "NET_EGRESS_BLOCKED", ip: "20.50.2.2",
  },
  {
    name: "wrapper: journald + klog + structured kubelet log with escaping",
    message: `Nov 24 09:12:40 aks-nodepool1-31337-vmss000001 kubelet[2345]: E1124 09:12:40.123456    2345 remote_image.go:180] "PullImage from image service failed" err="rpc error: code = Unknown desc = failed to pull and unpack image \\"northwind.azurecr.io/hr/api:3\\": failed to resolve reference \\"northwind.azurecr.io/hr/api:3\\": failed to do request: Head \\"https://northwind.azurecr.io/v2/hr/api/manifests/3\\": tls: failed to verify certificate: x509: certificate signed by unknown authority" image="northwind.azurecr.io/hr/api:3"`,
    code: "NET_TLS_INTERCEPTED", image: "northwind.azurecr.io/hr/api:3", host: "northwind.azurecr.io",
  },
  {
    name: "wrapper: field path of newer get events",
    message: `spec.containers{api}: Failed to pull image "fabrikamreg.azurecr.io/api:1": ${ANON_401("fabrikamreg.azurecr.io", "api:1")}`,
    code: "RBAC_PULL_ROLE_MISSING",
  },
  {
    name: "wrapper: crictl FATA + pulling image",
    message: `FATA[0003] pulling image: rpc error: code = Unknown desc = failed to pull and unpack image "docker.io/library/redis:7": failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/redis/manifests/sha256:abcd: 429 Too Many Requests - Server message: toomanyrequests: You have reached your unauthenticated pull rate limit.`,
    code: "EXT_RATE_LIMITED",
  },
  {
    name: "wrapper: kubectl debug warning",
    message: `Warning: container debugger: failed to pull and unpack image "mcr.microsoft.com/cbl-mariner/busybox:2.0": failed to resolve reference "mcr.microsoft.com/cbl-mariner/busybox:2.0": failed to do request: Head "https://mcr.microsoft.com/v2/cbl-mariner/busybox/manifests/2.0": dial tcp 204.79.197.219:443: i/o timeout`,
    code: "EXT_UNREACHABLE", host: "mcr.microsoft.com", hostKind: "external",
  },
  {
    name: "wrapper: kubectl get events -o json",
    message: [
      "{",
      '  "apiVersion": "v1",',
      '  "items": [',
      "    {",
      '      "message": "Back-off pulling image \\"wingtipacr.azurecr.io/pos/till:3\\"",',
      '      "reason": "BackOff"',
      "    },",
      "    {",
      `      "message": "Failed to pull image \\"wingtipacr.azurecr.io/pos/till:3\\": failed to pull and unpack image \\"wingtipacr.azurecr.io/pos/till:3\\": failed to resolve reference \\"wingtipacr.azurecr.io/pos/till:3\\": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://wingtipacr.azurecr.io/oauth2/token?scope=repository%3Apos%2Ftill%3Apull\\u0026service=wingtipacr.azurecr.io: 403 Forbidden",`,
      '      "reason": "Failed"',
      "    }",
      "  ]",
      "}",
    ].join("\n"),
    code: "NET_FIREWALL_DENIES_CLUSTER", image: "wingtipacr.azurecr.io/pos/till:3", tokenFetch: "anonymous",
  },
  {
    name: "wrapper: single-line JSON with several events",
    message: `{"items":[{"message":"Failed to pull image \\"contoso.azurecr.io/a:1\\": failed to pull and unpack image \\"contoso.azurecr.io/a:1\\": failed to resolve reference \\"contoso.azurecr.io/a:1\\": contoso.azurecr.io/a:1: not found","reason":"Failed"},{"message":"Error: ErrImagePull","reason":"Failed"},{"message":"Back-off pulling image \\"contoso.azurecr.io/a:1\\"","reason":"BackOff"}]}`,
    code: "IMG_TAG_NOT_FOUND",
  },
  {
    name: "wrapper: kubectl -o yaml folded single-quoted message",
    message: [
      "- apiVersion: v1",
      "  kind: Event",
      "  message: 'Failed to pull image \"northwind.azurecr.io/web:2\": failed to pull and unpack",
      "    image \"northwind.azurecr.io/web:2\": failed to resolve reference \"northwind.azurecr.io/web:2\":",
      "    failed to do request: Head \"https://northwind.azurecr.io/v2/web/manifests/2\": dial",
      "    tcp 10.4.0.7:443: i/o timeout'",
      "  reason: Failed",
    ].join("\n"),
    code: "NET_EGRESS_BLOCKED", ip: "10.4.0.7", privateIp: true, image: "northwind.azurecr.io/web:2",
  },
  {
    name: "wrapper: pod status YAML with doubled quotes",
    message: "    state:\n      waiting:\n        message: 'rpc error: code = Unknown desc = Error response from daemon: pull access denied for fabrikam/ledger, repository does not exist or may require ''docker login'''\n        reason: ErrImagePull",
    code: "IMG_REPOSITORY_NOT_FOUND",
  },
  {
    name: "wrapper: containerd logfmt",
    message: `time="2026-11-24T09:00:00.000000000Z" level=error msg="PullImage \\"ghcr.io/tailspin/bot:1\\" failed" error="failed to pull and unpack image \\"ghcr.io/tailspin/bot:1\\": failed to resolve reference \\"ghcr.io/tailspin/bot:1\\": failed to do request: Head \\"https://ghcr.io/v2/tailspin/bot/manifests/1\\": dial tcp 140.82.121.34:443: connect: connection timed out"`,
    code: "EXT_UNREACHABLE", ip: "140.82.121.34",
  },
  {
    name: "wrapper: docker shim daemon prefix with a firewall denial",
    message: `Failed to pull image "contoso.azurecr.io/legacy:1": rpc error: code = Unknown desc = Error response from daemon: Get https://contoso.azurecr.io/v2/legacy/manifests/1: denied: client with IP '40.113.5.6' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.`,
    code: "NET_FIREWALL_DENIES_CLUSTER", ip: "40.113.5.6", host: "contoso.azurecr.io",
  },
  {
    name: "wrapper: az acr check-health",
    message: "Docker daemon status: available\nDocker version: 'Docker version 24.0.7'\nChecking fabrikamreg.azurecr.io ...\nAn error occurred: CONNECTIVITY_DNS_ERROR\nPlease check if the registry 'fabrikamreg' exists and try again.",
    code: "NET_DNS_FAILURE",
  },
];

function causeCodes(c: Classification): CauseCode[] {
  return c.causes.map((x) => x.code);
}

test("classify: own message table", async (t) => {
  assert.ok(CASES.length >= 60, `at least 60 cases, have ${CASES.length}`);
  for (const c of CASES) {
    await t.test(c.name, () => {
      const got = classify(c.message);
      const codes = causeCodes(got);
      assert.equal(codes[0], c.code, `first cause for: ${c.message.slice(0, 160)}`);
      assert.equal(new Set(codes).size, codes.length, "no duplicate codes");
      for (const alt of c.alternatives ?? []) assert.ok(codes.slice(1).includes(alt), `alternative ${alt} in ${codes.join(",")}`);
      for (const banned of c.notAmong ?? []) assert.notEqual(codes[0], banned);
      if (c.host !== undefined) assert.equal(got.host, c.host);
      if (c.hostKind !== undefined) assert.equal(got.hostKind, c.hostKind);
      if (c.tokenFetch !== undefined) assert.equal(got.tokenFetch, c.tokenFetch);
      if (c.ip !== undefined) assert.equal(got.ip, c.ip);
      if (c.privateIp !== undefined) assert.equal(got.privateIp, c.privateIp);
      if (c.resolver !== undefined) assert.equal(got.resolver, c.resolver);
      if (c.httpStatus !== undefined) assert.equal(got.httpStatus, c.httpStatus);
      if (c.stage !== undefined) assert.equal(got.stage, c.stage);
      if (c.causeless !== undefined) assert.equal(got.causeless, c.causeless);
      if (c.image !== undefined) assert.equal(got.image, c.image);
      if (c.explanationIncludes !== undefined) assert.ok(got.explanation.includes(c.explanationIncludes), got.explanation);
      assert.ok(got.explanation.length > 0);
    });
  }
});

test("classify: confidences follow the cue table", () => {
  const anonymous = classify(`Failed to pull image "contoso.azurecr.io/x:1": ${ANON_401("contoso.azurecr.io", "x:1")}`);
  assert.equal(anonymous.causes[0]?.confidence, "low");
  const invalid = classify("Error: InvalidImageName");
  assert.equal(invalid.causes[0]?.confidence, "high");
  const execFormat = classify("exec /bin/app: exec format error");
  assert.equal(execFormat.causes[0]?.confidence, "medium");
  for (const c of CASES) {
    for (const cause of classify(c.message).causes) {
      assert.ok(isCauseCode(cause.code), cause.code);
      assert.ok(["high", "medium", "low"].includes(cause.confidence));
    }
  }
});

test("classify: secrets never reach firstError or explanation", () => {
  const jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjb250b3NvIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2ln";
  const message = `Failed to pull image "contoso.azurecr.io/x:1": failed to pull and unpack image "contoso.azurecr.io/x:1": failed to resolve reference "contoso.azurecr.io/x:1": failed to authorize: failed to fetch oauth token: unexpected status from POST request to https://contoso.azurecr.io/oauth2/token?access_token=${jwt}&password=Sup3rS3cret&refresh_token=AbCdEf0123456789AbCdEf0123456789AbCdEf01 Authorization: Bearer ${jwt}: 401 Unauthorized`;
  const got = classify(message);
  assert.equal(got.causes[0]?.code, "RBAC_PULL_ROLE_MISSING");
  for (const field of [got.firstError, got.explanation]) {
    assert.ok(!field.includes("eyJhbGci"), field);
    assert.ok(!field.includes("Sup3rS3cret"), field);
    assert.ok(!field.includes("AbCdEf0123456789"), field);
  }
  assert.ok(got.firstError.includes("[REDACTED]"));
});

test("classify: a JWT glued to preceding text is still redacted", () => {
  const signature = "c2lnbmF0dXJlc2lnbmF0dXJl";
  const got = classify(`Failed to pull image "contoso.azurecr.io/x:1": unexpected status: 401 UnauthorizedeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.${signature}`);
  assert.ok(!got.firstError.includes(signature) && !got.explanation.includes(signature), got.firstError);
});

test("classify: digests survive redaction", () => {
  const digest = "sha256:50aa4698fa6262977cff89181b2664b99d8a56dbca847bf62f2ef04854597cf8";
  const got = classify(`Failed to pull image "tailspin.azurecr.io/x@${digest}": rpc error: code = NotFound desc = failed to pull and unpack image "tailspin.azurecr.io/x@${digest}": failed to resolve reference "tailspin.azurecr.io/x@${digest}": tailspin.azurecr.io/x@${digest}: not found`);
  assert.equal(got.causes[0]?.code, "IMG_TAG_NOT_FOUND");
  assert.ok(got.firstError.includes(digest));
});

// ---------------------------------------------------------------------------------------------------------
// The labelled reference sample
// ---------------------------------------------------------------------------------------------------------

interface LabelledExample { message: string; codes: string[]; source: string }

function findRepoRoot(start: string): string | undefined {
  let fallback: string | undefined;
  let dir = start;
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      fallback ??= dir;
      try {
        const parsed = JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown };
        if (parsed.name === "pulldoctor") return dir;
      } catch {
        // An unreadable package.json is not the repo root; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return fallback;
    dir = parent;
  }
}

function locateReferenceJsonl(): string | undefined {
  const candidates: string[] = [];
  const sharedDir = process.env.PULLDOCTOR_SHARED_DIR;
  if (sharedDir) candidates.push(join(sharedDir, "reference", "pull-errors.jsonl"));
  const root = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
  if (root) candidates.push(resolve(root, "..", "shared", "reference", "pull-errors.jsonl"));
  return candidates.find((p) => existsSync(p));
}

test("classify: pull-errors.jsonl acceptance >= 95%", (t) => {
  const path = locateReferenceJsonl();
  if (!path) {
    const message = "pull-errors.jsonl not found (looked in $PULLDOCTOR_SHARED_DIR/reference and <repo>/../shared/reference)";
    if (process.env.CI === "true") assert.fail(message);
    console.warn(`\n!!!!!!!! SKIPPING: ${message} !!!!!!!!\n`);
    t.skip(message);
    return;
  }
  const examples = readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as LabelledExample);
  const misses: string[] = [];
  for (const example of examples) {
    const first = classify(example.message).causes[0]?.code ?? "(none)";
    if (!example.codes.includes(first)) {
      misses.push(`  got ${first}, want one of ${example.codes.join("|")} (${example.source}): ${example.message.slice(0, 140)}`);
    }
  }
  const accepted = examples.length - misses.length;
  const share = examples.length === 0 ? 0 : accepted / examples.length;
  console.log(`pull-errors.jsonl: ${accepted}/${examples.length} acceptable (${(share * 100).toFixed(1)}%)`);
  for (const miss of misses) console.log(`MISS${miss}`);
  assert.ok(examples.length > 0, "the reference file holds examples");
  assert.ok(share >= 0.95, `acceptance ${(share * 100).toFixed(1)}% < 95%`);
});

// ---------------------------------------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------------------------------------

function pseudoRandomText(length: number, seed: number): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 :/\"'[]{}(),.=\\-_@#\n\t…é漢";
  let state = seed;
  const out: string[] = [];
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out.push(alphabet[state % alphabet.length] ?? "a");
  }
  return out.join("");
}

test("classify: robustness", async (t) => {
  const inputs: [string, string][] = [
    ["empty string", ""],
    ["whitespace", " \n\t\r\n "],
    ["1 MB of random text", pseudoRandomText(1024 * 1024, 42)],
    ["200 KB line of 'a:'", "a:".repeat(100 * 1024)],
    ["200 KB of unclosed quotes and escapes", `"message": "${'\\"a'.repeat(60 * 1024)}`],
    ["long lookup chain", `dial tcp: lookup ${"a.".repeat(50 * 1024)}`],
    ["many Failed lines", `Failed to pull image "x": [${"rpc error: code = Unknown desc = , ".repeat(20000)}]`],
    ["unicode", "Failed to pull image \"例え.azurecr.io/画像:1\": 🚫 ошибка: x509: сертификат\u200b"],
    ["lone surrogates", "\ud800\udfff\ud800 Failed to pull image"],
  ];
  for (const [name, input] of inputs) {
    await t.test(name, () => {
      const got = classify(input);
      assert.ok(got.causes.length > 0);
      assert.equal(typeof got.explanation, "string");
      assert.ok(got.firstError.length <= 2001 + 16);
    });
  }
  await t.test("non-string input does not throw", () => {
    const got = classify(undefined as unknown as string);
    assert.equal(got.causes[0]?.code, "PULL_FAILURE_UNCLASSIFIED");
  });
  await t.test("empty input", () => {
    const got = classify("");
    assert.deepEqual(got.causes, [{ code: "PULL_FAILURE_UNCLASSIFIED", confidence: "low" }]);
    assert.equal(got.firstError, "");
  });
});

// ---------------------------------------------------------------------------------------------------------
// explain
// ---------------------------------------------------------------------------------------------------------

test("explain: JSON contract and text rendering", () => {
  const message = `Failed to pull image "contoso.azurecr.io/x:1": ${ANON_401("contoso.azurecr.io", "x:1")}`;
  const result = explain(message);
  assert.deepEqual(result.causes, result.classification.causes);
  const json = JSON.parse(JSON.stringify({ causes: result.causes })) as { causes: { code: string; confidence: string }[] };
  assert.equal(json.causes[0]?.code, "RBAC_PULL_ROLE_MISSING");

  const plain = renderExplainText(result, { color: false });
  assert.ok(plain.includes("RBAC_PULL_ROLE_MISSING"));
  assert.ok(plain.includes(CAUSES.RBAC_PULL_ROLE_MISSING.meaning));
  assert.ok(plain.includes("IMG_REPOSITORY_NOT_FOUND"));
  assert.ok(!plain.includes("\u001b["), "no colour when color is false");
  assert.ok(renderExplainText(result, { color: true }).includes("\u001b["), "colour when asked");

  const causeless = renderExplainText(explain(`Back-off pulling image "contoso.azurecr.io/x:1"`), { color: false });
  assert.ok(causeless.includes("kubectl get events"), causeless);
  assert.ok(causeless.includes("involvedObject.name"), causeless);
});

test("classify: an unrelated transport line does not outrank the Failed to pull line (rule 8)", () => {
  const got = classify([
    `E1124 10:00:00.000000    2345 kubelet.go:2100] "Failed to get node lease" err="Put \\"https://10.0.0.1:443/apis\\": context deadline exceeded"`,
    `E1124 10:00:01.000000    2345 kuberuntime_image.go:55] "Failed to pull image" err="failed to pull and unpack image \\"tailspin.azurecr.io/x:1\\": failed to extract layer sha256:abcd: write /var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/1/fs/x: no space left on device" image="tailspin.azurecr.io/x:1"`,
  ].join("\n"));
  assert.equal(got.causes[0]?.code, "PULL_FAILURE_UNCLASSIFIED");
  assert.equal(got.causeless, false);
  assert.ok(got.firstError.includes("no space left on device"), got.firstError);
});

test("classify: a root cause outranks the pull line it explains", () => {
  const got = classify([
    `E1124 10:00:00.000000    2345 azure_credentials.go:200] failed to get token: adal: Refresh request failed. Status Code = '400'. Response body: {"error":"invalid_request","error_description":"Identity not found"}`,
    `Warning  Failed  1m (x3 over 2m)  kubelet  Failed to pull image "northwind.azurecr.io/x:1": failed to pull and unpack image "northwind.azurecr.io/x:1": failed to resolve reference "northwind.azurecr.io/x:1": failed to authorize: failed to fetch anonymous token: unexpected status: 401 Unauthorized`,
  ].join("\n"));
  assert.equal(got.causes[0]?.code, "MI_NOT_FOUND");
  assert.ok(got.causes.some((c) => c.code === "RBAC_PULL_ROLE_MISSING"));
  assert.equal(got.image, "northwind.azurecr.io/x:1");
});
