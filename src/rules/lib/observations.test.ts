import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluate } from "../../engine/evaluate.js";
import type { RuleContext } from "../../engine/types.js";
import type { Snapshot } from "../../snapshot/types.js";
import { failedEvent, pod, snapshot } from "../../../test/factories.js";
import { failures, observationEvidence, pullEvidenceMissing } from "./observations.js";
import tagNotFound from "../img-tag-not-found.js";
import credentialsRejected from "../ext-credentials-rejected.js";
import { pullSecret } from "../../../test/factories.js";

function ctxOf(s: Snapshot): RuleContext {
  const cache = new Map<string, unknown>();
  return { snapshot: s, options: { expiringWithinDays: 30 }, memo: <T>(k: string, f: () => T): T => { if (!cache.has(k)) cache.set(k, f()); return cache.get(k) as T; } };
}

const img = "contosoacr.azurecr.io/shop/cart:4.1.0";
const notFound = `rpc error: code = NotFound desc = failed to pull and unpack image "${img}": failed to resolve reference "${img}": ${img}: not found`;

test("pod status evidence points at the waiting message of the right status list and index", () => {
  const p = pod({
    name: "cart-1", image: img, source: { file: "pods.json", path: "$.items[4]" },
    containers: [{ name: "init-db", image: "busybox:1.36", kind: "init" }, { name: "sidecar", image: "envoyproxy/envoy:v1.31.0", kind: "container" }, { name: "app", image: img, kind: "container" }, { name: "debug", image: img, kind: "ephemeral" }],
    statuses: [
      { name: "sidecar", image: "envoyproxy/envoy:v1.31.0", imageID: `sha256:${"1".repeat(64)}`, kind: "container", running: true },
      { name: "app", image: img, kind: "container", waiting: { reason: "ErrImagePull", message: notFound } },
      { name: "init-db", image: "busybox:1.36", kind: "init", waiting: { reason: "ErrImagePull", message: notFound.replaceAll(img, "busybox:1.36") } },
      { name: "debug", image: img, kind: "ephemeral", waiting: { reason: "ImagePullBackOff" } },
    ],
  });
  const paths = failures(ctxOf(snapshot({ pods: [p] }))).map((o) => `${o.container}=${observationEvidence(o).path}`);
  assert.deepEqual(paths.sort(), [
    "app=$.items[4].status.containerStatuses[1].state.waiting.message",
    "debug=$.items[4].status.ephemeralContainerStatuses[0].state.waiting.reason",
    "init-db=$.items[4].status.initContainerStatuses[0].state.waiting.message",
  ]);
});

test("event evidence points at the event's message; pasted describe text keeps its line", () => {
  const e = failedEvent(`Failed to pull image "${img}": ${notFound}`, { pod: "cart-1", source: { file: "events.json", path: "$.items[7]" } });
  const describe = { namespace: "default", name: "cart-1", images: [img], events: [{ type: "Warning", reason: "Failed", message: `Failed to pull image "${img}": ${notFound}`, count: 3 }], source: { file: "describe.txt", path: "line 12" } };
  const got = failures(ctxOf(snapshot({ events: [e], podDescriptions: [describe] }))).map((o) => `${o.source.file} ${observationEvidence(o).path}`);
  assert.deepEqual(got.sort(), ["describe.txt line 12", "events.json $.items[7].message"]);
});

test("one failing pod with several identical events gives one finding, evidence merged without duplicates", () => {
  const msg = `Failed to pull image "${img}": ${notFound}`;
  const events = [0, 1, 2].map((i) => failedEvent(msg, { pod: "cart-1", count: 4, source: { file: "events.json", path: `$.items[${i}]` } }));
  const status = pod({ name: "cart-1", image: img, statuses: [{ name: "app", image: img, kind: "container", waiting: { reason: "ErrImagePull", message: notFound } }] });
  const report = evaluate(snapshot({ events, pods: [status] }), [tagNotFound]);
  assert.equal(report.findings.length, 1);
  const ev = report.findings[0]!.evidence;
  assert.equal(new Set(ev.map((e) => `${e.source}|${e.path}|${e.observed}`)).size, ev.length, "no duplicate evidence lines");
  const fromEvents = ev.filter((e) => e.source === "events.json");
  assert.equal(fromEvents.length, 1, "identical events of one file collapse into one line");
  assert.match(fromEvents[0]!.observed, /\(x12\)$/, "their counts add up");
  assert.ok(ev.some((e) => e.source === "pods.json" && e.path.endsWith(".state.waiting.message")), "the pod status stays as corroborating evidence");
});

test("rules that report per failure still give one finding per pod", () => {
  const ghcr = "ghcr.io/contoso/cart:4.1.0";
  const oauth401 = `Failed to pull image "${ghcr}": failed to pull and unpack image "${ghcr}": failed to resolve reference "${ghcr}": failed to authorize: failed to fetch oauth token: unexpected status from GET request to https://ghcr.io/token?scope=repository%3Acontoso%2Fcart%3Apull&service=ghcr.io: 401 Unauthorized`;
  const s = snapshot({
    pods: [pod({ name: "cart-1", image: ghcr, imagePullSecrets: ["regcred"], statuses: [{ name: "app", image: ghcr, kind: "container", waiting: { reason: "ErrImagePull", message: oauth401 } }] })],
    pullSecrets: [pullSecret()],
    events: [failedEvent(oauth401, { pod: "cart-1" }), failedEvent(oauth401, { pod: "cart-1" })],
  });
  const report = evaluate(s, [credentialsRejected]);
  assert.deepEqual(report.findings.map((f) => f.subject), ["pod/default/cart-1"]);
});

test("no events, pods or describe output: rules that read pulls say unknown", () => {
  assert.equal(pullEvidenceMissing(ctxOf(snapshot({})), "x").length, 1);
  assert.equal(pullEvidenceMissing(ctxOf(snapshot({ events: [] })), "x").length, 0, "an empty but collected event list is evidence");
  assert.equal(pullEvidenceMissing(ctxOf(snapshot({ podDescriptions: [] })), "x").length, 0);
});
