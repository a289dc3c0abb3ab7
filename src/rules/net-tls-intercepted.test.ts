import rule from "./net-tls-intercepted.js";
import { ruleTester } from "../../test/rule-tester.js";
import { acrPull401, failedEvent, snapshot } from "../../test/factories.js";

const IMG = "fabrikamregistry.azurecr.io/shop/cart:2.4.0";
const pullFailure = (image: string, tail: string) =>
  `Failed to pull image "${image}": rpc error: code = Unknown desc = failed to pull and unpack image "${image}": ${tail}`;

ruleTester(rule, {
  invalid: [
    {
      name: "TLS-inspecting firewall on the login server (Go 1.20+ wording)",
      snapshot: snapshot({ events: [failedEvent(pullFailure(IMG, `failed to resolve reference "${IMG}": failed to do request: Head "https://fabrikamregistry.azurecr.io/v2/shop/cart/manifests/2.4.0": tls: failed to verify certificate: x509: certificate signed by unknown authority`))] }),
      findings: [{ code: "NET_TLS_INTERCEPTED", severity: "error", subject: "fabrikamregistry.azurecr.io", message: /does not trust the certificate presented for fabrikamregistry\.azurecr\.io.*TLS-inspecting/, remediation: /az aks update .*--custom-ca-trust-certificates/ }],
    },
    {
      name: "proxy certificate issued for other names",
      snapshot: snapshot({ events: [failedEvent(pullFailure(IMG, `failed to resolve reference "${IMG}": failed to do request: Head "https://fabrikamregistry.azurecr.io/v2/shop/cart/manifests/2.4.0": tls: failed to verify certificate: x509: certificate is valid for *.proxy.fabrikam.internal, not fabrikamregistry.azurecr.io`))] }),
      findings: [{ code: "NET_TLS_INTERCEPTED", subject: "fabrikamregistry.azurecr.io", message: /x509: certificate is valid for \*\.proxy\.fabrikam\.internal, not fabrikamregistry\.azurecr\.io/, remediation: /exempt fabrikamregistry\.azurecr\.io/ }],
    },
    {
      name: "an external registry behind the same proxy (the host does not matter)",
      snapshot: snapshot({ events: [failedEvent(pullFailure("ghcr.io/northwind/tools:1.0", `failed to resolve reference "ghcr.io/northwind/tools:1.0": failed to do request: Head "https://ghcr.io/v2/northwind/tools/manifests/1.0": tls: failed to verify certificate: x509: certificate signed by unknown authority`))] }),
      findings: [{ code: "NET_TLS_INTERCEPTED", subject: "ghcr.io", message: /ghcr\.io/, remediation: /custom-ca-trust/ }],
    },
    {
      name: "x509 failure followed by the anonymous-retry 401: the first error decides",
      snapshot: snapshot({ events: [failedEvent(`Failed to pull image "${IMG}": [rpc error: code = Unknown desc = failed to pull and unpack image "${IMG}": failed to resolve reference "${IMG}": failed to do request: Head "https://fabrikamregistry.azurecr.io/v2/shop/cart/manifests/2.4.0": tls: failed to verify certificate: x509: certificate signed by unknown authority, ${acrPull401(IMG).replace(`Failed to pull image "${IMG}": `, "rpc error: code = Unknown desc = ")}]`)] }),
      findings: [{ code: "NET_TLS_INTERCEPTED", subject: "fabrikamregistry.azurecr.io", message: /certificate/, remediation: /CA/ }],
    },
  ],
  valid: [
    {
      name: "a TLS handshake timeout is not a verification failure",
      snapshot: snapshot({ events: [failedEvent(pullFailure(IMG, `failed to resolve reference "${IMG}": failed to do request: Head "https://fabrikamregistry.azurecr.io/v2/shop/cart/manifests/2.4.0": net/http: TLS handshake timeout`))] }),
    },
    { name: "an anonymous-token 401", snapshot: snapshot({ events: [failedEvent(acrPull401(IMG))] }) },
    { name: "no events collected", snapshot: snapshot({}) },
  ],
});
