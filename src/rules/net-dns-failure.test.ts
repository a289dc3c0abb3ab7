import rule from "./net-dns-failure.js";
import { ruleTester } from "../../test/rule-tester.js";
import { acrPull403, failedEvent, registry, snapshot } from "../../test/factories.js";

const IMG = "fabrikamregistry.azurecr.io/shop/cart:2.4.0";
const pullFailure = (image: string, tail: string) =>
  `Failed to pull image "${image}": rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${tail}`;
const head = (image: string) => {
  const [host, rest] = [image.split("/")[0]!, image.split("/").slice(1).join("/")];
  const [repo, tag] = rest.split(":");
  return `failed to do request: Head "https://${host}/v2/${repo}/manifests/${tag}"`;
};

ruleTester(rule, {
  invalid: [
    {
      name: "NXDOMAIN from a custom DNS server",
      snapshot: snapshot({ events: [failedEvent(pullFailure(IMG, `${head(IMG)}: dial tcp: lookup fabrikamregistry.azurecr.io on 10.50.0.4:53: no such host`), { pod: "cart-5c8d9" })] }),
      findings: [{ code: "NET_DNS_FAILURE", severity: "error", subject: "fabrikamregistry.azurecr.io", message: /resolver \(10\.50\.0\.4, a custom DNS server\) cannot resolve fabrikamregistry\.azurecr\.io: dial tcp: lookup fabrikamregistry\.azurecr\.io on 10\.50\.0\.4:53: no such host/, remediation: /nslookup fabrikamregistry\.azurecr\.io/ }],
    },
    {
      name: "Azure DNS answers SERVFAIL",
      snapshot: snapshot({ events: [failedEvent(pullFailure(IMG, `${head(IMG)}: dial tcp: lookup fabrikamregistry.azurecr.io on 168.63.129.16:53: server misbehaving`))] }),
      findings: [{ code: "NET_DNS_FAILURE", message: /168\.63\.129\.16, Azure DNS.*server misbehaving/, remediation: /dhcpOptions\.dnsServers/ }],
    },
    {
      name: "resolver unreachable (a UDP read timeout to port 53 is DNS, not TCP egress)",
      snapshot: snapshot({ events: [failedEvent(pullFailure(IMG, `${head(IMG)}: dial tcp: lookup fabrikamregistry.azurecr.io on 10.50.0.4:53: read udp 10.2.0.7:41234->10.50.0.4:53: i/o timeout`))] }),
      findings: [{ code: "NET_DNS_FAILURE", subject: "fabrikamregistry.azurecr.io", message: /cannot resolve/, remediation: /forward/ }],
    },
    {
      name: "an external registry's name fails too: the node's DNS is at fault for any host",
      snapshot: snapshot({ events: [failedEvent(pullFailure("ghcr.io/northwind/tools:1.0", `${head("ghcr.io/northwind/tools:1.0")}: dial tcp: lookup ghcr.io on 10.50.0.4:53: no such host`))] }),
      findings: [{ code: "NET_DNS_FAILURE", subject: "ghcr.io", message: /ghcr\.io/, remediation: /nslookup ghcr\.io/ }],
    },
    {
      name: "two pods failing on the same host are one finding naming the count",
      snapshot: snapshot({
        events: [
          failedEvent(pullFailure(IMG, `${head(IMG)}: dial tcp: lookup fabrikamregistry.azurecr.io on 10.50.0.4:53: no such host`), { pod: "cart-5c8d9" }),
          failedEvent(pullFailure(IMG, `${head(IMG)}: dial tcp: lookup fabrikamregistry.azurecr.io on 10.50.0.4:53: no such host`), { pod: "cart-7f1a2" }),
        ],
      }),
      findings: [{ code: "NET_DNS_FAILURE", subject: "fabrikamregistry.azurecr.io", message: /\(2 failures\)/, remediation: /nslookup/ }],
    },
  ],
  valid: [
    { name: "an ACR 403 is a network answer from a registry that resolved", snapshot: snapshot({ registries: [registry({ name: "fabrikamregistry" })], events: [failedEvent(acrPull403(IMG))] }) },
    {
      name: "a TCP dial timeout to a resolved address is egress, not DNS",
      snapshot: snapshot({ events: [failedEvent(pullFailure(IMG, `${head(IMG)}: dial tcp 20.61.4.9:443: i/o timeout`))] }),
    },
    {
      name: "only successful pulls",
      snapshot: snapshot({ events: [failedEvent(`Successfully pulled image "${IMG}" in 1.203s (1.203s including waiting). Image size: 48213120 bytes.`, { type: "Normal", reason: "Pulled" })] }),
    },
    { name: "no events collected: nothing to read, nothing guessed", snapshot: snapshot({ registries: [registry({ name: "fabrikamregistry" })] }) },
  ],
});
