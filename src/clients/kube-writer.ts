// KubeWriter over @kubernetes/client-node 1.x, on the same HTTP layer as the reader (truncation-aware, abortable).
// Writes are never retried: a retried create could leave a second Job behind.

import { BatchV1Api, CoreV1Api, type ConfigurationOptions, type V1Job } from "@kubernetes/client-node";
import { loadKubeConfig, requestOptions, type KubeClientOptions } from "./kube.js";
import { toLiveCallError } from "./errors.js";
import type { CallOptions, KubeWriter, LiveResult } from "./types.js";

function plain(v: unknown): unknown {
  return typeof v === "string" ? v : (JSON.parse(JSON.stringify(v ?? null)) as unknown);
}

export class ClientNodeKubeWriter implements KubeWriter {
  private readonly batch: BatchV1Api;
  private readonly core: CoreV1Api;

  constructor(options: KubeClientOptions = {}) {
    const kc = loadKubeConfig(options);
    this.batch = kc.makeApiClient(BatchV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  private async run(call: string, permission: string, o: CallOptions, f: (opts: ConfigurationOptions) => Promise<unknown>): Promise<LiveResult> {
    try {
      return { call, body: plain(await f(requestOptions(o.abortSignal))) };
    } catch (e) {
      throw toLiveCallError(e, call, permission, o.abortSignal);
    }
  }

  createJob(ns: string, job: Record<string, unknown>, o: CallOptions = {}): Promise<LiveResult> {
    return this.run(`POST /apis/batch/v1/namespaces/${ns}/jobs`, `create jobs in namespace ${ns} (RBAC batch/jobs create)`, o, (opts) =>
      this.batch.createNamespacedJob({ namespace: ns, body: job as V1Job }, opts),
    );
  }

  readJob(ns: string, name: string, o: CallOptions = {}): Promise<LiveResult> {
    return this.run(`GET /apis/batch/v1/namespaces/${ns}/jobs/${name}`, `get jobs in namespace ${ns} (RBAC batch/jobs get)`, o, (opts) =>
      this.batch.readNamespacedJob({ namespace: ns, name }, opts),
    );
  }

  listJobPods(ns: string, jobName: string, o: CallOptions = {}): Promise<LiveResult> {
    return this.run(`GET /api/v1/namespaces/${ns}/pods?labelSelector=job-name=${jobName}`, `list pods in namespace ${ns} (RBAC verb list on pods)`, o, (opts) =>
      this.core.listNamespacedPod({ namespace: ns, labelSelector: `job-name=${jobName}` }, opts),
    );
  }

  readPodLog(ns: string, pod: string, o: CallOptions = {}): Promise<LiveResult> {
    return this.run(`GET /api/v1/namespaces/${ns}/pods/${pod}/log`, `get pods/log in namespace ${ns} (RBAC verb get on pods/log)`, o, (opts) =>
      this.core.readNamespacedPodLog({ namespace: ns, name: pod }, opts),
    );
  }

  deleteJob(ns: string, name: string, o: CallOptions = {}): Promise<LiveResult> {
    return this.run(`DELETE /apis/batch/v1/namespaces/${ns}/jobs/${name}`, `delete jobs in namespace ${ns} (RBAC batch/jobs delete)`, o, (opts) =>
      this.batch.deleteNamespacedJob({ namespace: ns, name, propagationPolicy: "Background" }, opts),
    );
  }
}
