// `diagnose --probe`: after the read-only collection, run `pulldoctor probe` once per node pool as a Job pinned to
// one Ready node, read its log as a probe document (`live:probe <node>`) and ALWAYS delete the Job. A pool whose
// probe cannot run (RBAC, the probe image not pullable, the deadline) is an error fact naming the pool and why:
// never an exception, never a finding.

import { randomBytes } from "node:crypto";
import { SnapshotBuilder } from "../evidence/read.js";
import { LiveCallError, type CallOptions, type KubeReader, type KubeWriter } from "../clients/types.js";
import { buildProbeJob } from "../probe/job.js";
import type { EvidenceFileReport, FactErrorKind, ProbeResult, Snapshot } from "../snapshot/types.js";

export interface ProbeJobOptions {
  namespace: string;
  probeImage: string;
  /** the probe phase's own bound, ms */
  timeoutMs: number;
  /** images given with --image (probed too) */
  images: string[];
  abortSignal?: AbortSignal;
  /** between status polls (default 1000) */
  pollMs?: number;
  now?: Date;
  onProgress?: (message: string) => void;
}

const POOL_LABELS = ["kubernetes.azure.com/agentpool", "agentpool"];
const PULL_FAILURE = /^(ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull)$/;
/** a delete must get its chance even when the probe phase ran out of time */
const DELETE_TIMEOUT_MS = 10_000;

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

interface PoolTarget {
  pool: string;
  node: string;
  os: string;
}

type PoolOutcome = { pool: string; node: string; ok: true; log: string } | { pool: string; node?: string; ok: false; kind: FactErrorKind; reason: string };

/** One Ready node per pool (the first by name, so reruns probe the same node). */
export function pickProbeNodes(nodeList: unknown): PoolTarget[] {
  const byPool = new Map<string, PoolTarget>();
  const nodes = arr(obj(nodeList)["items"]).map(obj).sort((a, b) => String(obj(a["metadata"])["name"]).localeCompare(String(obj(b["metadata"])["name"])));
  for (const n of nodes) {
    const meta = obj(n["metadata"]);
    const labels = obj(meta["labels"]);
    const name = str(meta["name"]);
    const pool = POOL_LABELS.map((l) => str(labels[l])).find((v) => v !== undefined);
    if (!name || !pool || byPool.has(pool)) continue;
    const ready = arr(obj(n["status"])["conditions"]).map(obj).some((c) => c["type"] === "Ready" && c["status"] === "True");
    const unschedulable = obj(n["spec"])["unschedulable"] === true;
    if (!ready || unschedulable) continue;
    byPool.set(pool, { pool, node: name, os: str(labels["kubernetes.io/os"]) ?? str(obj(obj(n["status"])["nodeInfo"])["operatingSystem"]) ?? "linux" });
  }
  return [...byPool.values()].sort((a, b) => a.pool.localeCompare(b.pool));
}

/** Every image a pod that cannot pull uses (its waiting statuses' images, else its containers' specs). */
export function failingPodImages(snapshot: Snapshot): string[] {
  const out = new Set<string>();
  if (snapshot.pods.status !== "ok") return [];
  for (const p of snapshot.pods.value) {
    const failing = p.statuses.filter((s) => PULL_FAILURE.test(s.waiting?.reason ?? ""));
    if (failing.length === 0) continue;
    for (const s of failing) {
      const image = s.image ?? p.containers.find((c) => c.name === s.name && c.kind === s.kind)?.image;
      if (image) out.add(image);
    }
  }
  return [...out].sort();
}

function reasonOf(e: unknown): { kind: FactErrorKind; reason: string } {
  if (e instanceof LiveCallError) return { kind: e.kind, reason: e.message };
  return { kind: "other", reason: (e as Error)?.message ?? String(e) };
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

async function probePool(writer: KubeWriter, t: PoolTarget, images: string[], o: ProbeJobOptions, signal: AbortSignal, suffix: string): Promise<PoolOutcome> {
  const job = buildProbeJob({ namespace: o.namespace, nodeName: t.node, nodePool: t.pool, os: t.os, probeImage: o.probeImage, images, deadlineSeconds: Math.max(10, Math.ceil(o.timeoutMs / 1000)), suffix });
  const name = String(obj(job["metadata"])["name"]);
  const call: CallOptions = { abortSignal: signal };
  const failed = (kind: FactErrorKind, reason: string): PoolOutcome => ({ pool: t.pool, node: t.node, ok: false, kind, reason: `node pool ${t.pool} (node ${t.node}): ${reason}` });
  try {
    await writer.createJob(o.namespace, job, call);
  } catch (e) {
    const r = reasonOf(e);
    return failed(r.kind, `the probe Job cannot be created: ${r.reason}`);
  }
  o.onProgress?.(`probe Job ${o.namespace}/${name} created on ${t.node}`);
  try {
    for (;;) {
      if (signal.aborted) return failed("timeout", `the probe did not finish within the timeout (${Math.round(o.timeoutMs / 1000)} s)`);
      const pods = arr(obj((await writer.listJobPods(o.namespace, name, call)).body)["items"]).map(obj);
      const pod = pods[0];
      if (pod) {
        const status = obj(pod["status"]);
        const podName = String(obj(pod["metadata"])["name"]);
        const waiting = arr(status["containerStatuses"]).map((c) => obj(obj(obj(c)["state"])["waiting"]));
        const pullFailure = waiting.find((w) => PULL_FAILURE.test(String(w["reason"] ?? "")));
        if (pullFailure) return failed("other", `the probe image ${o.probeImage} cannot be pulled on the node (${String(pullFailure["reason"])}${str(pullFailure["message"]) ? `: ${String(pullFailure["message"])}` : ""})`);
        if (status["phase"] === "Succeeded" || status["phase"] === "Failed") {
          const log = (await writer.readPodLog(o.namespace, podName, call)).body;
          if (typeof log !== "string" || log.trim() === "") return failed("malformed", `the probe pod ${podName} ended ${String(status["phase"])} without output`);
          return { pool: t.pool, node: t.node, ok: true, log };
        }
      }
      const jobStatus = obj(obj((await writer.readJob(o.namespace, name, call)).body)["status"]);
      if (typeof jobStatus["failed"] === "number" && jobStatus["failed"] > 0 && !pod) {
        const cond = arr(jobStatus["conditions"]).map(obj).find((c) => c["type"] === "Failed");
        return failed("other", `the probe Job failed: ${String(cond?.["reason"] ?? "")} ${String(cond?.["message"] ?? "")}`.trim());
      }
      await sleep(o.pollMs ?? 1000, signal);
    }
  } catch (e) {
    if (signal.aborted) return failed("timeout", `the probe did not finish within the timeout (${Math.round(o.timeoutMs / 1000)} s)`);
    const r = reasonOf(e);
    return failed(r.kind, `the probe's result cannot be read: ${r.reason}`);
  } finally {
    try {
      await writer.deleteJob(o.namespace, name, { abortSignal: AbortSignal.timeout(DELETE_TIMEOUT_MS) });
      o.onProgress?.(`probe Job ${o.namespace}/${name} deleted`);
    } catch (e) {
      // it still goes away by itself after ttlSecondsAfterFinished
      o.onProgress?.(`could not delete probe Job ${o.namespace}/${name}: ${reasonOf(e).reason}`);
    }
  }
}

/** The snapshot with probeResults from one probe per node pool (and each pool's outcome listed as an input). */
export async function runProbeJobs(kube: KubeReader, writer: KubeWriter, snapshot: Snapshot, o: ProbeJobOptions): Promise<Snapshot> {
  const signals = [AbortSignal.timeout(o.timeoutMs)];
  if (o.abortSignal) signals.push(o.abortSignal);
  const signal = AbortSignal.any(signals);
  const withFact = (probeResults: Snapshot["probeResults"], files: EvidenceFileReport[] = []): Snapshot => ({
    ...snapshot,
    probeResults,
    input: { ...snapshot.input, files: [...snapshot.input.files, ...files] },
  });
  let targets: PoolTarget[];
  try {
    targets = pickProbeNodes((await kube.listNodes({ abortSignal: signal })).body);
  } catch (e) {
    const r = reasonOf(e);
    return withFact({ status: "error", kind: r.kind, message: `--probe: no node pool was probed: the nodes cannot be listed: ${r.reason}` });
  }
  if (targets.length === 0) return withFact({ status: "error", kind: "other", message: "--probe: no node pool was probed: no Ready node carries a kubernetes.azure.com/agentpool label" });
  const images = [...new Set([...failingPodImages(snapshot), ...o.images])];
  if (images.length === 0) return withFact({ status: "skipped", reason: "--probe: no pod fails to pull and no --image was given, so there is nothing to probe" });

  const suffix = randomBytes(4).toString("hex");
  const outcomes = await Promise.all(targets.map((t) => probePool(writer, t, images, o, signal, suffix)));

  const builder = new SnapshotBuilder();
  for (const r of outcomes) if (r.ok) builder.addFile(`live:probe ${r.node}`, r.log);
  const built = builder.build({ now: o.now }, undefined);
  const results: ProbeResult[] = built.probeResults.status === "ok" ? built.probeResults.value : [];
  const files: EvidenceFileReport[] = built.input.files.map((f) => (f.status === "used" && !f.kinds.includes("probeResults") ? { ...f, status: "error" as const, reason: "not a probe document" } : f));
  const problems: { pool: string; kind: FactErrorKind; reason: string }[] = [];
  for (const r of outcomes) {
    if (!r.ok) problems.push({ pool: r.pool, kind: r.kind, reason: r.reason });
    else if (!results.some((x) => x.source.file === `live:probe ${r.node}`)) problems.push({ pool: r.pool, kind: "malformed", reason: `node pool ${r.pool} (node ${r.node}): the probe's log is not a probe document` });
  }
  for (const p of problems) files.push({ file: `live:probe node pool ${p.pool}`, status: "error", kinds: ["probeResults"], reason: p.reason });
  // a pool that could not be probed must not read as "probed and healthy": with no result at all the fact is an error
  if (results.length === 0) {
    return withFact({ status: "error", kind: problems[0]?.kind ?? "other", message: `--probe: ${problems.map((p) => p.reason).join("; ")}` }, files);
  }
  return withFact({ status: "ok", value: results }, files);
}
