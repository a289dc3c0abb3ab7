// The sandbox's only writable corner: the probe Jobs of `diagnose --probe`. A POSTed Job is admitted only when
// its pod is hardened (src/probe/job.ts hardeningGaps, answered with a 422 naming what is missing, as an
// admission policy would); its one pod "succeeds" at once on the pinned node, and its log is the scenario's
// probe document for that node, or a healthy one.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { hardeningGaps } from "../probe/job.js";
import type { JsonObject } from "./wire.js";

export interface SandboxJobs {
  /** every Job body admitted, in order */
  created: JsonObject[];
  /** every POST, admitted or not */
  attempted: JsonObject[];
  /** `namespace/name` of every DELETE, with its propagationPolicy */
  deleted: { name: string; propagationPolicy?: string }[];
}

type Answer = { status: number; body: unknown; text?: string };

const obj = (v: unknown): JsonObject => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as JsonObject) : {});

function kubeStatus(code: number, reason: string, message: string): JsonObject {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

/** Probe documents in the scenario folder, by the node name of each result. */
function probeDocumentsByNode(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of readdirSync(dir)) {
    const path = join(dir, f);
    if (!/\.json$/i.test(f) || !statSync(path).isFile()) continue;
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(path, "utf8"));
    } catch {
      continue;
    }
    if (obj(doc)["kind"] !== "PulldoctorProbeResults") continue;
    const results = Array.isArray(obj(doc)["results"]) ? (obj(doc)["results"] as unknown[]) : [];
    for (const r of results) {
      const node = obj(obj(r)["node"])["name"];
      if (typeof node === "string" && !out.has(node)) out.set(node, JSON.stringify({ ...obj(doc), results: results.filter((x) => obj(obj(x)["node"])["name"] === node) }));
    }
  }
  return out;
}

function imagesOf(job: JsonObject): string[] {
  const c = obj((obj(obj(obj(job["spec"])["template"])["spec"])["containers"] as unknown[] | undefined)?.[0]);
  const args = Array.isArray(c["args"]) ? (c["args"] as unknown[]).map(String) : [];
  return args.flatMap((a, i) => (args[i - 1] === "--image" ? [a] : []));
}

function healthyProbeDocument(node: string, images: string[]): string {
  const results = images.map((image) => {
    const registry = image.split("/")[0] ?? image;
    return {
      probeVersion: 1,
      ranAt: "2026-11-28T12:00:00Z",
      registry,
      image,
      node: { name: node, os: "linux", arch: "amd64" },
      steps: ["dns", "tcp", "tls", "ping", "manifest"].map((step) => ({ step, target: registry, status: "ok" })),
    };
  });
  return JSON.stringify({ kind: "PulldoctorProbeResults", probeVersion: 1, results });
}

export function jobsHandler(scenarioDir: string): { jobs: SandboxJobs; handle: (method: string, url: URL, body: string) => Answer | undefined } {
  const jobs: SandboxJobs = { created: [], attempted: [], deleted: [] };
  const live = new Map<string, JsonObject>();
  const documents = probeDocumentsByNode(scenarioDir);
  const podName = (job: string) => `${job}-p0d`;

  const handle = (method: string, url: URL, body: string): Answer | undefined => {
    const p = url.pathname.replace(/\/+$/, "");
    const coll = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/.exec(p);
    if (coll) {
      const ns = decodeURIComponent(coll[1]!);
      const name = coll[2] ? decodeURIComponent(coll[2]) : undefined;
      if (method === "POST" && !name) {
        let job: JsonObject;
        try {
          job = obj(JSON.parse(body));
        } catch {
          return { status: 400, body: kubeStatus(400, "BadRequest", "the Job body is not JSON") };
        }
        jobs.attempted.push(job);
        const jobName = obj(job["metadata"])["name"];
        if (typeof jobName !== "string") return { status: 422, body: kubeStatus(422, "Invalid", "Job.batch is invalid: metadata.name: Required value") };
        const gaps = hardeningGaps(job);
        if (gaps.length > 0) return { status: 422, body: kubeStatus(422, "Invalid", `Job.batch "${jobName}" is invalid: the probe pod is not hardened: missing ${gaps.join(", ")}`) };
        if (live.has(`${ns}/${jobName}`)) return { status: 409, body: kubeStatus(409, "AlreadyExists", `jobs.batch "${jobName}" already exists`) };
        const stored: JsonObject = { ...job, apiVersion: "batch/v1", kind: "Job", metadata: { ...obj(job["metadata"]), namespace: ns, uid: `job-${jobs.created.length}` } };
        live.set(`${ns}/${jobName}`, stored);
        jobs.created.push(stored);
        return { status: 201, body: stored };
      }
      if (name === undefined) return undefined;
      const job = live.get(`${ns}/${name}`);
      if (!job) return { status: 404, body: kubeStatus(404, "NotFound", `jobs.batch "${name}" not found`) };
      if (method === "GET") return { status: 200, body: { ...job, status: { succeeded: 1, active: 0, conditions: [{ type: "Complete", status: "True" }] } } };
      if (method === "DELETE") {
        live.delete(`${ns}/${name}`);
        const policy = url.searchParams.get("propagationPolicy") ?? deleteOptionsPolicy(body);
        jobs.deleted.push({ name: `${ns}/${name}`, ...(policy ? { propagationPolicy: policy } : {}) });
        return { status: 200, body: { ...job, status: {} } };
      }
      return undefined;
    }
    const pods = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(p);
    const selector = url.searchParams.get("labelSelector") ?? "";
    const jobSel = /(?:^|,)job-name=([^,]+)/.exec(selector)?.[1];
    if (pods && method === "GET" && jobSel) {
      const ns = decodeURIComponent(pods[1]!);
      const job = live.get(`${ns}/${jobSel}`);
      const items = job
        ? [{ apiVersion: "v1", kind: "Pod", metadata: { name: podName(jobSel), namespace: ns, labels: { "job-name": jobSel } }, spec: obj(obj(job["spec"])["template"])["spec"], status: { phase: "Succeeded", containerStatuses: [{ name: "probe", state: { terminated: { exitCode: 0, reason: "Completed" } } }] } }]
        : [];
      return { status: 200, body: { kind: "PodList", apiVersion: "v1", metadata: { resourceVersion: "424242" }, items } };
    }
    const log = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/log$/.exec(p);
    if (log && method === "GET") {
      const ns = decodeURIComponent(log[1]!);
      const pod = decodeURIComponent(log[2]!);
      const job = [...live.entries()].find(([k]) => k.startsWith(`${ns}/`) && podName(k.slice(ns.length + 1)) === pod)?.[1];
      if (!job) return { status: 404, body: kubeStatus(404, "NotFound", `pods "${pod}" not found`) };
      const node = String(obj(obj(obj(job["spec"])["template"])["spec"])["nodeName"]);
      return { status: 200, body: undefined, text: documents.get(node) ?? healthyProbeDocument(node, imagesOf(job)) };
    }
    return undefined;
  };
  return { jobs, handle };
}

/** propagationPolicy sent as a DeleteOptions body instead of the query */
function deleteOptionsPolicy(body: string): string | undefined {
  try {
    const v = obj(JSON.parse(body))["propagationPolicy"];
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}
