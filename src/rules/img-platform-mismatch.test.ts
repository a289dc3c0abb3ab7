import rule from "./img-platform-mismatch.js";
import { ruleTester } from "../../test/rule-tester.js";
import { failedEvent, node, pod, snapshot } from "../../test/factories.js";

const image = "wingtipacr.azurecr.io/lab/sampler:3.2.0";
const noPlatform = `Failed to pull image "${image}": [rpc error: code = NotFound desc = failed to pull and unpack image "${image}": no match for platform in manifest: not found, failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://wingtipacr.azurecr.io/oauth2/token?scope=repository%3Alab%2Fsampler%3Apull&service=wingtipacr.azurecr.io: 401 Unauthorized]`;
const linuxNode = node({ name: "aks-system-000000", os: "linux", arch: "amd64" });
const winNode = node({ name: "akswin000000", os: "windows", arch: "amd64", osImage: "Windows Server 2022 Datacenter" });
const armNode = node({ name: "aks-arm64-000000", os: "linux", arch: "arm64" });
const runningOnLinux = pod({ name: "sampler-a", nodeName: linuxNode.name, image, phase: "Running", statuses: [{ name: "app", image, imageID: `wingtipacr.azurecr.io/lab/sampler@sha256:${"cd".repeat(32)}`, kind: "container", running: true }] });

ruleTester(rule, {
  invalid: [
    {
      name: "Linux-only image on a Windows node, followed by the anonymous-retry 401",
      snapshot: snapshot({ nodes: [linuxNode, winNode], pods: [runningOnLinux, pod({ name: "sampler-b", nodeName: winNode.name, image })], events: [failedEvent(noPlatform, { pod: "sampler-b" })] }),
      findings: [{ code: "IMG_PLATFORM_MISMATCH", severity: "error", subject: "pod/default/sampler-b", message: /node akswin000000 \(windows\/amd64 \(Windows Server 2022 Datacenter\)\); it runs on linux\/amd64 nodes/, remediation: /"kubernetes\.io\/os":"linux","kubernetes\.io\/arch":"amd64"/ }],
    },
    {
      name: "amd64-only image on an arm64 node, nowhere running: arch left as a placeholder, never a guess",
      snapshot: snapshot({ nodes: [armNode], pods: [pod({ name: "sampler-c", nodeName: armNode.name, image })], events: [failedEvent(noPlatform, { pod: "sampler-c" })] }),
      findings: [{ code: "IMG_PLATFORM_MISMATCH", subject: "pod/default/sampler-c", message: /linux\/arm64/, remediation: /<ARCH_THE_IMAGE_SUPPORTS>/ }],
    },
    {
      name: "docker dialect 'no matching manifest', no node facts",
      snapshot: snapshot({ events: [failedEvent(`Failed to pull image "contoso/metrics:1.0": rpc error: code = Unknown desc = Error response from daemon: no matching manifest for windows/amd64 10.0.20348 in the manifest list entries`, { pod: "metrics-0", ns: "mon" })] }),
      findings: [{ code: "IMG_PLATFORM_MISMATCH", subject: "pod/mon/metrics-0", message: /the node's OS\/architecture/, remediation: /docker buildx build --platform/ }],
    },
  ],
  valid: [
    { name: "the image runs on its Linux node", snapshot: snapshot({ nodes: [linuxNode], pods: [runningOnLinux] }) },
    { name: "an anonymous 401 alone is not a platform problem", snapshot: snapshot({ events: [failedEvent(noPlatform.replace(/\[rpc error: code = NotFound desc = failed to pull and unpack image "[^"]+": no match for platform in manifest: not found, /, "").replace(/\]$/, ""), { pod: "sampler-b" })] }) },
    { name: "tag not found is not a platform problem", snapshot: snapshot({ events: [failedEvent(`Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": ${image}: not found`, { pod: "sampler-b" })] }) },
    { name: "no pull evidence", snapshot: snapshot({ nodes: [winNode] }), expect: "unknown", reason: /neither events, pods nor kubectl describe/ },
  ],
});
