import rule from "./img-never-pull.js";
import { ruleTester } from "../../test/rule-tester.js";
import { failedEvent, pod, snapshot } from "../../test/factories.js";

const image = "adventureacr.azurecr.io/tools/seeder:0.3.1";
const neverMsg = `Container image "${image}" is not present with pull policy of Never`;
const seederPod = pod({ name: "seed-job-x1", nodeName: "aks-user-000003", containers: [{ name: "wait", image: "busybox:1.36", kind: "init", imagePullPolicy: "IfNotPresent" }, { name: "sidecar", image: "adventureacr.azurecr.io/tools/proxy:2.0", kind: "container" }, { name: "seeder", image, kind: "container", imagePullPolicy: "Never" }], statuses: [{ name: "seeder", image, kind: "container", waiting: { reason: "ErrImageNeverPull", message: neverMsg } }] });

ruleTester(rule, {
  invalid: [
    {
      name: "ErrImageNeverPull in the container status: the patch targets the right container index",
      snapshot: snapshot({ pods: [seederPod] }),
      findings: [{ code: "IMG_NEVER_PULL", severity: "error", subject: "pod/default/seed-job-x1", message: /imagePullPolicy: Never.*seeder:0\.3\.1 is not present on node aks-user-000003/, remediation: /patch deployment <NAME> --type=json .*"\/spec\/template\/spec\/containers\/1\/imagePullPolicy","value":"IfNotPresent"/ }],
    },
    {
      name: "kubelet event with reason ErrImageNeverPull, pod spec absent",
      snapshot: snapshot({ events: [failedEvent(neverMsg, { pod: "seed-job-x2", ns: "ops", reason: "ErrImageNeverPull" })] }),
      findings: [{ code: "IMG_NEVER_PULL", subject: "pod/ops/seed-job-x2", message: /not present/, remediation: /containers\/<INDEX>\/imagePullPolicy/ }],
    },
    {
      name: "only the waiting reason, no message",
      snapshot: snapshot({ pods: [pod({ name: "seed-job-x3", image, statuses: [{ name: "app", image, kind: "container", waiting: { reason: "ErrImageNeverPull" } }] })] }),
      findings: [{ code: "IMG_NEVER_PULL", subject: "pod/default/seed-job-x3", message: /imagePullPolicy: Never/, remediation: /IfNotPresent/ }],
    },
  ],
  valid: [
    { name: "Never with the image present: the container runs", snapshot: snapshot({ pods: [pod({ name: "seed-ok", image, containers: [{ name: "app", image, kind: "container", imagePullPolicy: "Never" }], statuses: [{ name: "app", image, imageID: `sha256:${"12".repeat(32)}`, kind: "container", running: true }], phase: "Running" })] }) },
    { name: "the 'already present on machine' event is a success", snapshot: snapshot({ events: [failedEvent(`Container image "${image}" already present on machine`, { pod: "seed-ok", type: "Normal", reason: "Pulled" })] }) },
    { name: "no pull evidence", snapshot: snapshot({}), expect: "unknown", reason: /kubectl get pods -A -o json/ },
  ],
});
