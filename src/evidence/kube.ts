// Kubernetes objects from `kubectl get ... -o json` (Go JSON; `List` / `<Kind>List` / single objects).

import type { ContainerSpec, ContainerStatus, KubeEvent, Node, Pod, ServiceAccount, Source } from "../snapshot/types.js";
import { asArr, asNonEmpty, asNum, asObj, asStr, getKey, isObj, type Json, type JsonObject } from "./util.js";
import { redact } from "../classify/classify.js";

// Kubernetes messages can quote tokens and SAS signatures (blob URLs with sig=...): they are redacted at read time.
function redactOptional(s: string | undefined): string | undefined {
  return s === undefined ? undefined : redact(s);
}

export function meta(o: JsonObject): { namespace?: string; name?: string; uid?: string } {
  const m = getKey(o, "metadata");
  return {
    namespace: asNonEmpty(getKey(m, "namespace")),
    name: asNonEmpty(getKey(m, "name")),
    uid: asNonEmpty(getKey(m, "uid")),
  };
}

function stringMap(v: Json | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(asObj(v) ?? {})) if (typeof x === "string") out[k] = x;
  return out;
}

function secretRefNames(v: Json | undefined): string[] {
  return asArr(v).flatMap((r) => {
    const n = typeof r === "string" ? r : asNonEmpty(getKey(r, "name"));
    return n ? [n] : [];
  });
}

/** core/v1 Event or events.k8s.io/v1 Event (`regarding`, `note`, `series.count`, `deprecated*`). */
export function normaliseEvent(o: JsonObject, source: Source): KubeEvent {
  const m = meta(o);
  const involved = asObj(getKey(o, "involvedObject")) ?? asObj(getKey(o, "regarding")) ?? {};
  const series = asObj(getKey(o, "series"));
  const src = asObj(getKey(o, "source")) ?? asObj(getKey(o, "deprecatedSource"));
  const eventTime = asNonEmpty(getKey(o, "eventTime"));
  const component =
    asNonEmpty(getKey(src, "component")) ??
    asNonEmpty(getKey(o, "reportingComponent")) ??
    asNonEmpty(getKey(o, "reportingController"));
  // one-shot events written through the events.k8s.io API carry only `eventTime`; the legacy timestamps are null
  const first = asNonEmpty(getKey(o, "firstTimestamp")) ?? asNonEmpty(getKey(o, "deprecatedFirstTimestamp")) ?? eventTime;
  const last =
    asNonEmpty(getKey(o, "lastTimestamp")) ??
    asNonEmpty(getKey(o, "deprecatedLastTimestamp")) ??
    asNonEmpty(getKey(series, "lastObservedTime")) ??
    eventTime;
  return {
    namespace: m.namespace,
    name: m.name,
    type: asNonEmpty(getKey(o, "type")),
    reason: asNonEmpty(getKey(o, "reason")),
    message: redact(asStr(getKey(o, "message")) ?? asStr(getKey(o, "note")) ?? ""),
    count: asNum(getKey(o, "count")) ?? asNum(getKey(series, "count")) ?? asNum(getKey(o, "deprecatedCount")),
    firstTimestamp: first,
    lastTimestamp: last,
    involvedObject: {
      kind: asNonEmpty(getKey(involved, "kind")),
      name: asNonEmpty(getKey(involved, "name")),
      namespace: asNonEmpty(getKey(involved, "namespace")),
      fieldPath: asNonEmpty(getKey(involved, "fieldPath")),
    },
    sourceComponent: component,
    // the kubelet reports its node as `reportingInstance` when `source` is empty
    host:
      asNonEmpty(getKey(src, "host")) ??
      (component === "kubelet" ? asNonEmpty(getKey(o, "reportingInstance")) : undefined),
    source,
  };
}

const CONTAINER_LISTS: [string, string, ContainerSpec["kind"]][] = [
  ["containers", "containerStatuses", "container"],
  ["initContainers", "initContainerStatuses", "init"],
  ["ephemeralContainers", "ephemeralContainerStatuses", "ephemeral"],
];

function status(s: Json, kind: ContainerStatus["kind"]): ContainerStatus | undefined {
  if (!isObj(s)) return undefined;
  const state = asObj(getKey(s, "state"));
  const waiting = asObj(getKey(state, "waiting"));
  const terminated = asObj(getKey(state, "terminated"));
  return {
    name: asStr(getKey(s, "name")) ?? "",
    image: asNonEmpty(getKey(s, "image")),
    imageID: asNonEmpty(getKey(s, "imageID")),
    kind,
    waiting: waiting
      ? { reason: asNonEmpty(getKey(waiting, "reason")), message: redactOptional(asNonEmpty(getKey(waiting, "message"))) }
      : undefined,
    running: getKey(state, "running") !== undefined,
    terminated: terminated
      ? { reason: asNonEmpty(getKey(terminated, "reason")), exitCode: asNum(getKey(terminated, "exitCode")) }
      : undefined,
  };
}

export function normalisePod(o: JsonObject, source: Source): Pod {
  const m = meta(o);
  const spec = asObj(getKey(o, "spec")) ?? {};
  const st = asObj(getKey(o, "status")) ?? {};
  const containers: ContainerSpec[] = [];
  const statuses: ContainerStatus[] = [];
  for (const [specKey, statusKey, kind] of CONTAINER_LISTS) {
    for (const c of asArr(getKey(spec, specKey))) {
      if (!isObj(c)) continue;
      containers.push({
        name: asStr(getKey(c, "name")) ?? "",
        image: asStr(getKey(c, "image")) ?? "",
        imagePullPolicy: asNonEmpty(getKey(c, "imagePullPolicy")),
        kind,
      });
    }
    for (const s of asArr(getKey(st, statusKey))) {
      const cs = status(s, kind);
      if (cs) statuses.push(cs);
    }
  }
  return {
    namespace: m.namespace ?? "default",
    name: m.name ?? "",
    nodeName: asNonEmpty(getKey(spec, "nodeName")),
    // `serviceAccount` is the deprecated alias that old manifests still carry
    serviceAccountName: asNonEmpty(getKey(spec, "serviceAccountName")) ?? asNonEmpty(getKey(spec, "serviceAccount")),
    imagePullSecrets: secretRefNames(getKey(spec, "imagePullSecrets")),
    nodeSelector: stringMap(getKey(spec, "nodeSelector")),
    containers,
    statuses,
    phase: asNonEmpty(getKey(st, "phase")),
    creationTimestamp: asNonEmpty(getKey(getKey(o, "metadata"), "creationTimestamp")),
    source,
  };
}

export function normaliseNode(o: JsonObject, source: Source): Node {
  const m = meta(o);
  const labels = stringMap(getKey(getKey(o, "metadata"), "labels"));
  const info = asObj(getKey(getKey(o, "status"), "nodeInfo"));
  return {
    name: m.name ?? "",
    labels,
    os: labels["kubernetes.io/os"] ?? labels["beta.kubernetes.io/os"] ?? asNonEmpty(getKey(info, "operatingSystem")),
    arch: labels["kubernetes.io/arch"] ?? labels["beta.kubernetes.io/arch"] ?? asNonEmpty(getKey(info, "architecture")),
    kubeletVersion: asNonEmpty(getKey(info, "kubeletVersion")),
    osImage: asNonEmpty(getKey(info, "osImage")),
    providerID: asNonEmpty(getKey(getKey(o, "spec"), "providerID")),
    source,
  };
}

export function normaliseServiceAccount(o: JsonObject, source: Source): ServiceAccount {
  const m = meta(o);
  return {
    namespace: m.namespace ?? "default",
    name: m.name ?? "",
    imagePullSecrets: secretRefNames(getKey(o, "imagePullSecrets")),
    source,
  };
}
