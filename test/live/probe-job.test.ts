// `diagnose --probe` against the sandbox: one hardened Job per node pool, its log read as `live:probe <node>`,
// every Job deleted; RBAC refusal is an error fact naming the pool, never a finding; no write without --probe.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withSandbox, SCENARIO_NOW } from "./harness.js";
import { liveSnapshot } from "../../src/cli/live.js";
import { evaluate } from "../../src/engine/evaluate.js";
import { RULES } from "../../src/rules/index.js";
import { hardeningGaps } from "../../src/probe/job.js";
import type { Sandbox } from "../../src/sandbox/server.js";
import { requireShared } from "../paths.js";

const SCENARIO = "windows-node-linux-image";
const REGISTRY = "cpharmalims.azurecr.io";
const FAILING_NODE = "aks-system-15923748-vmss000000";

function scenarioWithProbe(shared: string): string {
  const dir = mkdtempSync(join(tmpdir(), "pulldoctor-probe-job-"));
  cpSync(join(shared, "scenarios", SCENARIO), dir, { recursive: true });
  rmSync(join(dir, "expected.json"), { force: true });
  writeFileSync(
    join(dir, "probe-system.json"),
    JSON.stringify({
      kind: "PulldoctorProbeResults",
      probeVersion: 1,
      results: [
        {
          probeVersion: 1,
          ranAt: "2026-11-28T11:00:00Z",
          registry: REGISTRY,
          image: `${REGISTRY}/lims/sample-tracker:7.3.2`,
          node: { name: FAILING_NODE, os: "linux", arch: "amd64", nodePool: "system" },
          identity: { kind: "managedIdentity" },
          steps: [{ step: "dns", target: REGISTRY, status: "fail", error: { kind: "nxdomain", code: "ENOTFOUND", message: `queryA ENOTFOUND ${REGISTRY}` } }],
        },
      ],
    }),
  );
  return dir;
}

async function diagnose(sb: Sandbox, extra: { probe?: boolean; timeout?: string } = {}) {
  const snapshot = await liveSnapshot(
    { resourceGroup: sb.resourceGroup, name: sb.clusterName, subscription: sb.subscriptionId, kubeconfig: sb.kubeconfigPath, now: SCENARIO_NOW, probeImage: "example.azurecr.io/pulldoctor:test", ...extra },
    { stderr: () => undefined, stderrIsTTY: false, env: { ...sb.env } },
  );
  return { snapshot, report: evaluate(snapshot, RULES) };
}

const writes = (sb: Sandbox) => sb.requests.filter((r) => r.method !== "GET");

test("--probe: one hardened Job per node pool, the planted DNS failure becomes a finding citing live:probe <node>, every Job deleted", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const dir = scenarioWithProbe(shared);
  try {
    await withSandbox(dir, async (sb) => {
      const { snapshot, report } = await diagnose(sb, { probe: true });
      assert.equal(sb.jobs.attempted.length, 2, "one Job per node pool (system, win22)");
      assert.equal(sb.jobs.created.length, 2, "both admitted as hardened");
      const pools = sb.jobs.created.map((j) => ((j["metadata"] as { labels: Record<string, string> }).labels["pulldoctor.io/node-pool"])).sort();
      assert.deepEqual(pools, ["system", "win22"]);
      for (const job of sb.jobs.created) {
        assert.deepEqual(hardeningGaps(job), []);
        const pod = ((job["spec"] as Record<string, unknown>)["template"] as { spec: Record<string, unknown> }).spec;
        assert.match(String(pod["nodeName"]), /^(aks-system-15923748-vmss000000|akswin22000000)$/);
        const args = (pod["containers"] as { args: string[] }[])[0]!.args;
        assert.ok(args.includes(`${REGISTRY}/lims/sample-tracker:7.3.2`), `probes the failing pod's image: ${args.join(" ")}`);
        assert.ok(args.includes("--exit-zero") && args.includes("json"));
      }
      const win = sb.jobs.created.find((j) => JSON.stringify(j).includes("akswin22000000"))!;
      assert.equal(((win["spec"] as { template: { spec: { nodeSelector: Record<string, string> } } }).template.spec.nodeSelector)["kubernetes.io/os"], "windows");
      // every created Job deleted, in the background so its pod goes too
      assert.deepEqual(sb.jobs.deleted.map((d) => d.name).sort(), sb.jobs.created.map((j) => `pulldoctor/${(j["metadata"] as { name: string }).name}`).sort());
      assert.ok(sb.jobs.deleted.every((d) => d.propagationPolicy === "Background"));

      assert.equal(snapshot.probeResults.status, "ok");
      const dns = report.findings.find((f) => f.code === "NET_DNS_FAILURE");
      assert.ok(dns, `NET_DNS_FAILURE expected, got ${report.findings.map((f) => f.code).join(", ")}`);
      assert.ok(JSON.stringify(dns).includes(`live:probe ${FAILING_NODE}`), "the finding cites the probe's log");
      // the other pool's (healthy) probe adds no finding citing it
      assert.ok(!report.findings.some((f) => JSON.stringify(f).includes("live:probe akswin22000000")));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--probe with a 403 on Job creation: an error fact naming each node pool and batch/jobs create, no probe finding, bounded by --timeout", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const dir = scenarioWithProbe(shared);
  try {
    await withSandbox(dir, async (sb) => {
      const { snapshot, report } = await diagnose(sb, { probe: true, timeout: "5" });
      assert.equal(sb.jobs.created.length, 0);
      assert.equal(snapshot.probeResults.status, "error");
      if (snapshot.probeResults.status !== "error") return;
      assert.equal(snapshot.probeResults.kind, "forbidden");
      assert.match(snapshot.probeResults.message, /node pool system\b.*batch\/jobs create/);
      assert.match(snapshot.probeResults.message, /node pool win22\b.*batch\/jobs create/);
      assert.ok(snapshot.input.files.some((f) => f.status === "error" && /node pool system/.test(f.reason ?? "")), "listed as an input problem");
      assert.ok(!report.findings.some((f) => f.code === "NET_DNS_FAILURE"), "no finding from a probe that never ran");
      assert.ok(!report.findings.some((f) => JSON.stringify(f).includes("live:probe")));
      assert.ok(writes(sb).filter((r) => r.api === "kube").every((r) => r.method === "POST" && r.status === 403), "nothing created, so nothing else written");
    }, { faults: [{ match: /^POST \/apis\/batch\/v1\/namespaces\/pulldoctor\/jobs/, kind: "status", status: 403 }] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a stalled probe Job ends as a timeout error naming the pool, and is still deleted", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const dir = scenarioWithProbe(shared);
  try {
    await withSandbox(dir, async (sb) => {
      const { snapshot } = await diagnose(sb, { probe: true, timeout: "2" });
      assert.equal(snapshot.probeResults.status, "error");
      if (snapshot.probeResults.status !== "error") return;
      assert.match(snapshot.probeResults.message, /node pool system\b.*timeout/);
      assert.equal(sb.jobs.created.length, 2);
      assert.equal(sb.jobs.deleted.length, 2, "deleted even after the deadline");
    }, { faults: [{ match: /labelSelector=job-name=/, kind: "stall" }] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without --probe no write request reaches the sandbox and probeResults stay skipped", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const dir = scenarioWithProbe(shared);
  try {
    await withSandbox(dir, async (sb) => {
      const { snapshot } = await diagnose(sb);
      assert.deepEqual(writes(sb).filter((r) => r.api === "kube" || r.api === "arm"), []);
      assert.equal(sb.jobs.attempted.length, 0);
      assert.equal(snapshot.probeResults.status, "skipped");
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the probe's own image failing to pull is an error naming the pool and the image, and the Job is deleted", async () => {
  const { runProbeJobs } = await import("../../src/collectors/probe-job.js");
  const { snapshot: emptySnapshot } = await import("../factories.js");
  const deleted: string[] = [];
  const node = (name: string, pool: string) => ({ metadata: { name, labels: { "kubernetes.azure.com/agentpool": pool, "kubernetes.io/os": "linux" } }, status: { conditions: [{ type: "Ready", status: "True" }] } });
  const kube = {
    listNodes: async () => ({ call: "GET /api/v1/nodes", body: { items: [node("n-1", "user"), { ...node("n-0", "user"), status: { conditions: [{ type: "Ready", status: "False" }] } }] } }),
  } as unknown as import("../../src/clients/types.js").KubeReader;
  const writer: import("../../src/clients/types.js").KubeWriter = {
    createJob: async (_ns, job) => ({ call: "POST", body: job }),
    readJob: async () => ({ call: "GET", body: { status: { active: 1 } } }),
    listJobPods: async () => ({ call: "GET", body: { items: [{ metadata: { name: "p" }, status: { phase: "Pending", containerStatuses: [{ state: { waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } } }] } }] } }),
    readPodLog: async () => assert.fail("no log for a pod that never ran"),
    deleteJob: async (ns, name) => {
      deleted.push(`${ns}/${name}`);
      return { call: "DELETE", body: {} };
    },
  };
  const out = await runProbeJobs(kube, writer, emptySnapshot({}), { namespace: "pulldoctor", probeImage: "example.azurecr.io/pulldoctor:x", timeoutMs: 5000, images: ["contoso.azurecr.io/a:1"], pollMs: 10 });
  assert.equal(out.probeResults.status, "error");
  if (out.probeResults.status !== "error") return;
  assert.match(out.probeResults.message, /node pool user \(node n-1\).*example\.azurecr\.io\/pulldoctor:x cannot be pulled.*ImagePullBackOff/);
  assert.equal(deleted.length, 1);
});
