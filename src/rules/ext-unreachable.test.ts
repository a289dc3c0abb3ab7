import rule from "./ext-unreachable.js";
import { ruleTester } from "../../test/rule-tester.js";
import { failedEvent, snapshot } from "../../test/factories.js";

const image = "quay.io/alpineski/exporter:0.9.0";
const dial = (tail: string, img = image, host = "quay.io", path = "alpineski/exporter/manifests/0.9.0") => `Failed to pull image "${img}": rpc error: code = Unknown desc = failed to pull and unpack image "${img}": failed to resolve reference "${img}": failed to do request: Head "https://${host}/v2/${path}": ${tail}`;

ruleTester(rule, {
  invalid: [
    {
      name: "TCP 443 timeout to quay.io",
      snapshot: snapshot({ events: [failedEvent(dial("dial tcp 34.225.41.113:443: i/o timeout"), { pod: "exporter-1" })] }),
      findings: [{ code: "EXT_UNREACHABLE", severity: "error", subject: "quay.io", message: /Connections from the nodes to quay\.io fail .*i\/o timeout/, remediation: /^az acr import --name <ACR_NAME> --source quay\.io\/alpineski\/exporter:0\.9\.0$/ }],
    },
    {
      name: "connection refused, grouped per host across pods",
      snapshot: snapshot({ events: [failedEvent(dial("dial tcp 34.225.41.113:443: connect: connection refused"), { pod: "exporter-1" }), failedEvent(dial("dial tcp 34.225.41.113:443: connect: connection refused"), { pod: "exporter-2", ns: "mon" })] }),
      findings: [{ code: "EXT_UNREACHABLE", subject: "quay.io", message: /connection refused/, remediation: /allow TCP 443 to quay\.io/ }],
    },
    {
      name: "TLS handshake timeout to registry.k8s.io",
      snapshot: snapshot({ events: [failedEvent(dial("net/http: TLS handshake timeout", "registry.k8s.io/ingress-nginx/controller:v1.11.3", "registry.k8s.io", "ingress-nginx/controller/manifests/v1.11.3"), { pod: "ingress-1" })] }),
      findings: [{ code: "EXT_UNREACHABLE", subject: "registry.k8s.io", message: /TLS handshake timeout/, remediation: /egress path/ }],
    },
  ],
  valid: [
    // egress-blocked-nsg: the same text against ACR is NET_EGRESS_BLOCKED, not an external-registry finding
    { name: "timeout to an ACR login server", snapshot: snapshot({ events: [failedEvent(dial("dial tcp 20.61.99.12:443: i/o timeout", "alpineacr.azurecr.io/app:1", "alpineacr.azurecr.io", "app/manifests/1"), { pod: "app-1" })] }) },
    { name: "NXDOMAIN from the node's resolver is a DNS failure first", snapshot: snapshot({ events: [failedEvent(dial("dial tcp: lookup quay.io on 168.63.129.16:53: no such host"), { pod: "exporter-1" })] }) },
    { name: "a 502 from the registry is an answer, not unreachability", snapshot: snapshot({ events: [failedEvent(`Failed to pull image "${image}": rpc error: code = Unknown desc = Error response from daemon: Get https://quay.io/v2/alpineski/exporter/manifests/0.9.0: received unexpected HTTP status: 502 Bad Gateway`, { pod: "exporter-1" })] }) },
    { name: "no pull evidence", snapshot: snapshot({}), expect: "unknown", reason: /no pull failures can be read/ },
  ],
});
