import rule from "./pull-failure-unclassified.js";
import { ruleTester } from "../../test/rule-tester.js";
import { ACR_PULL, KUBELET_OBJ, acrPull401, assignment, failedEvent, miCluster, registry, snapshot } from "../../test/factories.js";

const image = "quay.io/coho/streamer:4.0.1";
const gw504 = `Failed to pull image "${image}": rpc error: code = Unknown desc = received unexpected HTTP status: 504 Gateway Timeout`;
const acr = registry({ name: "cohoacr" });

ruleTester(rule, {
  invalid: [
    {
      name: "registry 504: no known cause, raw message kept",
      snapshot: snapshot({ events: [failedEvent(gw504, { pod: "streamer-1", ns: "media" })] }),
      findings: [{ code: "PULL_FAILURE_UNCLASSIFIED", severity: "warning", subject: "pod/media/streamer-1", message: /matches no known cause/, remediation: /^pulldoctor probe --image quay\.io\/coho\/streamer:4\.0\.1 / }],
    },
    {
      name: "500 from the ACR manifest endpoint in docker dialect",
      snapshot: snapshot({ events: [failedEvent(`Failed to pull image "cohoacr.azurecr.io/media/transcoder:2.1": rpc error: code = Unknown desc = Error response from daemon: Get https://cohoacr.azurecr.io/v2/media/transcoder/manifests/2.1: received unexpected HTTP status: 500 Internal Server Error`, { pod: "transcoder-1" })] }),
      findings: [{ code: "PULL_FAILURE_UNCLASSIFIED", subject: "pod/default/transcoder-1", message: /no known cause/, remediation: /pulldoctor probe --image cohoacr\.azurecr\.io\/media\/transcoder:2\.1/ }],
    },
    {
      name: "kubelet signature validation failure (no cause code for it)",
      snapshot: snapshot({ events: [failedEvent(`Failed to pull image "${image}": SignatureValidationFailed: image signature verification failed`, { pod: "streamer-2", reason: "Failed" })] }),
      findings: [{ code: "PULL_FAILURE_UNCLASSIFIED", subject: "pod/default/streamer-2", message: /no known cause/, remediation: /pulldoctor probe/ }],
    },
  ],
  valid: [
    {
      name: "a requested node-side probe that could not run is an unknown with its reason",
      snapshot: snapshot({ probeResults: { status: "error", kind: "forbidden", message: "node pool system: RBAC batch/jobs create is missing (403)" } }),
      expect: "unknown",
      reason: /batch\/jobs create/,
    },
    { name: "a classified failure (tag not found) is not unclassified", snapshot: snapshot({ events: [failedEvent(`Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`, { pod: "streamer-1" })] }) },
    { name: "only back-off lines: the cause aged out, say so", snapshot: snapshot({ events: [failedEvent(`Back-off pulling image "${image}"`, { pod: "streamer-1", reason: "BackOff", type: "Normal" }), failedEvent("Error: ImagePullBackOff", { pod: "streamer-1" })] }), expect: "unknown", reason: /'Failed to pull image' event has aged out/ },
    {
      name: "ACR 401 that identity, RBAC and network all allow: unknown, not a guess",
      snapshot: snapshot({ clusters: [miCluster()], registries: [acr], roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, acr.id)], events: [failedEvent(acrPull401("cohoacr.azurecr.io/app:1.0"), { pod: "app-1" })] }),
      expect: "unknown", reason: /identity, roles, registry mode and token policy all allow the pull/,
    },
    { name: "no pull evidence", snapshot: snapshot({}), expect: "unknown", reason: /no pull failures can be read/ },
  ],
});
