// The probe Job `diagnose --probe` creates per node pool: the same hardened pod as deploy/probe-job.yaml, built
// in code so the CLI and the sandbox's admission check agree on one definition.

export const PROBE_JOB_LABEL = "pulldoctor-probe";
/** `--probe-image` default, documented in deploy/README.md */
export const DEFAULT_PROBE_IMAGE = "ghcr.io/pulldoctor/pulldoctor:0.1.0";
export const DEFAULT_PROBE_NAMESPACE = "pulldoctor";
export const AZURE_JSON_PATH = "/etc/kubernetes/azure.json";

export interface ProbeJobInput {
  namespace: string;
  nodeName: string;
  nodePool: string;
  /** kubernetes.io/os of the node (linux | windows) */
  os: string;
  probeImage: string;
  images: string[];
  /** seconds the probe pod may run */
  deadlineSeconds: number;
  /** makes the name unique per run */
  suffix: string;
}

/** A DNS-1123 label of at most 63 characters. */
export function probeJobName(nodePool: string, suffix: string): string {
  const pool = nodePool.toLowerCase().replace(/[^a-z0-9-]/g, "-").replace(/^-+|-+$/g, "").slice(0, 30) || "pool";
  return `pulldoctor-probe-${pool}-${suffix.toLowerCase().replace(/[^a-z0-9]/g, "").slice(0, 12)}`.replace(/-+$/, "");
}

export function buildProbeJob(p: ProbeJobInput): Record<string, unknown> {
  const labels = { "app.kubernetes.io/name": PROBE_JOB_LABEL, "pulldoctor.io/node-pool": p.nodePool.slice(0, 63) };
  const args = ["probe", ...p.images.flatMap((i) => ["--image", i]), "--azure-json", AZURE_JSON_PATH, "--format", "json", "--exit-zero", "--timeout", String(Math.max(5, p.deadlineSeconds - 5))];
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: probeJobName(p.nodePool, p.suffix), namespace: p.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: Math.ceil(p.deadlineSeconds),
      // a Job left behind by a killed pulldoctor still goes away on its own
      ttlSecondsAfterFinished: 300,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // the kubelet pulls from the node's network namespace with the node's resolver: probe from there too
          hostNetwork: true,
          dnsPolicy: "Default",
          nodeName: p.nodeName,
          nodeSelector: { "kubernetes.io/os": p.os },
          // system, GPU and spot pools are tainted and must be probed too
          tolerations: [{ operator: "Exists" }],
          // azure.json is root-owned 0600 on AKS nodes: uid 0 without any capability can read it and nothing more
          securityContext: { runAsUser: 0, runAsNonRoot: false, seccompProfile: { type: "RuntimeDefault" } },
          containers: [
            {
              name: "probe",
              image: p.probeImage,
              imagePullPolicy: "IfNotPresent",
              args,
              env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } }],
              resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
              securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ["ALL"] } },
              volumeMounts: [{ name: "azure-json", mountPath: AZURE_JSON_PATH, readOnly: true }],
            },
          ],
          volumes: [{ name: "azure-json", hostPath: { path: AZURE_JSON_PATH, type: "File" } }],
        },
      },
    },
  };
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** What a Job's pod spec lacks of the hardening above (empty = hardened); the sandbox rejects on any. */
export function hardeningGaps(job: unknown): string[] {
  const spec = obj(obj(job)["spec"]);
  const pod = obj(obj(spec["template"])["spec"]);
  const gaps: string[] = [];
  if (spec["backoffLimit"] !== 0) gaps.push("spec.backoffLimit: 0");
  if (typeof spec["activeDeadlineSeconds"] !== "number") gaps.push("spec.activeDeadlineSeconds");
  if (typeof spec["ttlSecondsAfterFinished"] !== "number") gaps.push("spec.ttlSecondsAfterFinished");
  if (pod["automountServiceAccountToken"] !== false) gaps.push("automountServiceAccountToken: false");
  if (typeof pod["nodeName"] !== "string" || pod["nodeName"] === "") gaps.push("nodeName pinned");
  if (typeof obj(pod["nodeSelector"])["kubernetes.io/os"] !== "string") gaps.push("nodeSelector kubernetes.io/os");
  if (!arr(pod["tolerations"]).some((t) => obj(t)["operator"] === "Exists" && obj(t)["key"] === undefined)) gaps.push("tolerations: [{operator: Exists}]");
  const containers = [...arr(pod["containers"]), ...arr(pod["initContainers"])].map(obj);
  if (containers.length === 0) gaps.push("a container");
  for (const c of containers) {
    const sc = obj(c["securityContext"]);
    const n = String(c["name"] ?? "?");
    if (sc["readOnlyRootFilesystem"] !== true) gaps.push(`${n}: readOnlyRootFilesystem: true`);
    if (sc["allowPrivilegeEscalation"] !== false) gaps.push(`${n}: allowPrivilegeEscalation: false`);
    if (sc["privileged"] === true) gaps.push(`${n}: not privileged`);
    if (!arr(obj(sc["capabilities"])["drop"]).includes("ALL")) gaps.push(`${n}: capabilities.drop [ALL]`);
    if (arr(obj(sc["capabilities"])["add"]).length > 0) gaps.push(`${n}: no added capabilities`);
    for (const m of arr(c["volumeMounts"]).map(obj)) if (m["readOnly"] !== true) gaps.push(`${n}: volumeMount ${String(m["mountPath"])} readOnly`);
  }
  const volumes = arr(pod["volumes"]).map(obj);
  for (const v of volumes) {
    const hp = obj(v["hostPath"]);
    if (hp["path"] !== AZURE_JSON_PATH) gaps.push(`volume ${String(v["name"])}: only hostPath ${AZURE_JSON_PATH}`);
  }
  return gaps;
}
