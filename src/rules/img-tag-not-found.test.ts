import rule from "./img-tag-not-found.js";
import { ruleTester } from "../../test/rule-tester.js";
import { failedEvent, pod, snapshot } from "../../test/factories.js";

const wanted = "tailspinacr.azurecr.io/billing/invoicer:5.1.0";
const running = "tailspinacr.azurecr.io/billing/invoicer:5.0.3";
const notFound = (image: string) => `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`;
const runningPod = pod({ name: "invoicer-old", image: running, phase: "Running", statuses: [{ name: "app", image: running, imageID: `tailspinacr.azurecr.io/billing/invoicer@sha256:${"ab".repeat(32)}`, kind: "container", running: true }] });

ruleTester(rule, {
  invalid: [
    {
      name: "containerd NotFound while another tag of the repository runs",
      snapshot: snapshot({ pods: [runningPod, pod({ name: "invoicer-new", image: wanted })], events: [failedEvent(notFound(wanted), { pod: "invoicer-new" })] }),
      findings: [{ code: "IMG_TAG_NOT_FOUND", severity: "error", subject: "pod/default/invoicer-new", message: /no manifest for .*invoicer:5\.1\.0, while 5\.0\.3 of the same repository pull and run/, remediation: /^az acr repository show-tags --name tailspinacr --repository billing\/invoicer / }],
    },
    {
      name: "docker-style manifest unknown from Docker Hub (short name, implicit latest)",
      snapshot: snapshot({ events: [failedEvent(`Failed to pull image "tailspin/invoicer": rpc error: code = Unknown desc = Error response from daemon: manifest for tailspin/invoicer:latest not found: manifest unknown: manifest unknown`, { pod: "invoicer-hub", ns: "billing" })] }),
      findings: [{ code: "IMG_TAG_NOT_FOUND", subject: "pod/billing/invoicer-hub", message: /docker\.io has no manifest/, remediation: /list the repository's tags/ }],
    },
    {
      name: "several identical Failed events of one pod: one finding, evidence merged",
      snapshot: snapshot({ events: [failedEvent(notFound(wanted), { pod: "invoicer-new" }), failedEvent(notFound(wanted), { pod: "invoicer-new" }), failedEvent(notFound(wanted), { pod: "invoicer-new" })] }),
      findings: [{ code: "IMG_TAG_NOT_FOUND", subject: "pod/default/invoicer-new", message: /has no manifest/, remediation: /show-tags/ }],
    },
  ],
  valid: [
    { name: "the same tag pulls and runs", snapshot: snapshot({ pods: [runningPod] }) },
    {
      // the 401 after a platform error is the anonymous retry (pull-errors.md rule 1), not a missing tag
      name: "platform mismatch followed by the anonymous-retry 401",
      snapshot: snapshot({ events: [failedEvent(`Failed to pull image "${wanted}": [rpc error: code = NotFound desc = failed to pull and unpack image "${wanted}": no match for platform in manifest: not found, failed to pull and unpack image "${wanted}": failed to resolve reference "${wanted}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://tailspinacr.azurecr.io/oauth2/token?scope=repository%3Abilling%2Finvoicer%3Apull&service=tailspinacr.azurecr.io: 401 Unauthorized]`, { pod: "invoicer-new" })] }),
    },
    { name: "only back-off lines (the cause-carrying event aged out)", snapshot: snapshot({ events: [failedEvent(`Back-off pulling image "${wanted}"`, { pod: "invoicer-new", reason: "BackOff", type: "Normal" }), failedEvent("Error: ImagePullBackOff", { pod: "invoicer-new" })] }) },
    { name: "no pull evidence", snapshot: snapshot({}), expect: "unknown", reason: /no pull failures can be read/ },
  ],
});
