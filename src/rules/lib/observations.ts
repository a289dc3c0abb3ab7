import type { Outcome, RuleContext } from "../../engine/types.js";
import type { ContainerStatus, Snapshot, Source } from "../../snapshot/types.js";
import { classify, type Classification } from "../../classify/classify.js";
import { parseImageRef, type ImageRef } from "./images.js";
import { factValue } from "./principals.js";
import { probeObservations } from "./probe.js";

/** One thing the cluster told us about a pull or a sign-in: an event, a container status, a describe line. */
export interface Observation {
  outcome: "failure" | "success" | "signal";
  pod?: { namespace: string; name: string };
  container?: string;
  node?: string;
  /** the image the message is about, if any */
  image?: ImageRef;
  /** registry host the message is about (image host, or the host named in the error) */
  host?: string;
  message: string;
  classification?: Classification;
  count: number;
  lastSeen?: string;
  reason?: string;
  /** the object the observation came from (event, pod, describe block) */
  source: Source;
  /** JSON path (or `line N`) of the message itself inside `source.file`; without it evidence points at `source.path` */
  messagePath?: string;
}

const PULL_IMAGE_RE = /(?:Failed to pull image|Back-off pulling image|Pulling image|Successfully pulled image|Container image|pulling image|Failed to apply default image tag)\s+"([^"]{1,4096})"/i;

function imageFromMessage(message: string): string | undefined {
  return PULL_IMAGE_RE.exec(message)?.[1];
}

function isSuccessMessage(reason: string | undefined, message: string): boolean {
  return reason === "Pulled" || /^Successfully pulled image/i.test(message) || /already present on machine/i.test(message);
}

function build(snapshot: Snapshot): Observation[] {
  const out: Observation[] = [];
  const pods = factValue(snapshot.pods) ?? [];
  const podKey = (ns?: string, name?: string) => (ns && name ? { namespace: ns, name } : undefined);
  const podByKey = new Map(pods.map((p) => [`${p.namespace}/${p.name}`, p]));

  const add = (args: { reason?: string; message: string; pod?: { namespace: string; name: string }; container?: string; node?: string; count?: number; lastSeen?: string; source: Source; messagePath: string; imageHint?: string }) => {
    const { message } = args;
    if (!message) return;
    const rawImage = imageFromMessage(message) ?? args.imageHint;
    const image = rawImage ? parseImageRef(rawImage) : undefined;
    const podNode = args.pod ? podByKey.get(`${args.pod.namespace}/${args.pod.name}`)?.nodeName : undefined;
    const base = { pod: args.pod, container: args.container, node: args.node ?? podNode, count: args.count ?? 1, lastSeen: args.lastSeen, reason: args.reason, source: args.source, messagePath: args.messagePath };
    if (isSuccessMessage(args.reason, message)) {
      out.push({ ...base, outcome: "success", image, host: image?.valid ? image.host : undefined, message });
      return;
    }
    const c = classify(message);
    if (c.causeless) {
      // "Back-off pulling image" and "Error: ImagePullBackOff" say only that a pull failed.
      if (image || /ErrImagePull|ImagePullBackOff/.test(message)) out.push({ ...base, outcome: "failure", image, host: image?.valid ? image.host : undefined, message, classification: c });
      return;
    }
    const top = c.causes[0]?.code;
    if (top === "PULL_FAILURE_UNCLASSIFIED" && !image && !/pull|image|registry|manifest/i.test(message)) return; // an unrelated event
    const host = (image?.valid ? image.host : undefined) ?? c.host;
    const outcome = image || /pull|image/i.test(message) ? "failure" : "signal";
    out.push({ ...base, outcome, image, host, message, classification: c });
  };

  for (const e of factValue(snapshot.events) ?? []) {
    if (e.type === "Normal" && !isSuccessMessage(e.reason, e.message)) continue;
    const pod = e.involvedObject.kind === "Pod" ? podKey(e.involvedObject.namespace ?? e.namespace, e.involvedObject.name) : undefined;
    const container = /spec\.(?:initContainers|containers|ephemeralContainers)\{([^}]+)\}/.exec(e.involvedObject.fieldPath ?? "")?.[1];
    add({ reason: e.reason, message: e.message, pod, container, node: e.host, count: e.count, lastSeen: e.lastTimestamp ?? e.firstTimestamp, source: e.source, messagePath: fieldPath(e.source.path, "message") });
  }
  for (const p of pods) {
    const seenOfKind = new Map<ContainerStatus["kind"], number>();
    for (const s of p.statuses) {
      // statuses keep each list's order, so the index within its kind is the index in that JSON array
      const index = seenOfKind.get(s.kind) ?? 0;
      seenOfKind.set(s.kind, index + 1);
      const statusPath = fieldPath(p.source.path, `status.${STATUS_LISTS[s.kind]}[${index}]`);
      const pod = { namespace: p.namespace, name: p.name };
      if (s.waiting?.message) add({ reason: s.waiting.reason, message: s.waiting.message, pod, container: s.name, source: p.source, messagePath: `${statusPath}.state.waiting.message`, imageHint: s.image });
      else if (s.waiting?.reason && /ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull/.test(s.waiting.reason)) add({ reason: s.waiting.reason, message: `Error: ${s.waiting.reason}`, pod, container: s.name, source: p.source, messagePath: `${statusPath}.state.waiting.reason`, imageHint: s.image });
      else if ((s.running || s.terminated) && s.imageID) out.push({ outcome: "success", pod, container: s.name, node: p.nodeName, image: parseImageRef(s.image ?? ""), host: parseImageRef(s.image ?? "").host || undefined, message: `container ${s.name} runs ${s.image}`, count: 1, source: p.source, messagePath: `${statusPath}.imageID` });
    }
  }
  for (const d of factValue(snapshot.podDescriptions) ?? []) {
    for (const ev of d.events) {
      if (ev.type === "Normal" && !isSuccessMessage(ev.reason, ev.message)) continue;
      add({ reason: ev.reason, message: ev.message, pod: podKey(d.namespace, d.name), node: d.nodeName, count: ev.count, source: d.source, messagePath: d.source.path, imageHint: d.images.length === 1 ? d.images[0] : undefined });
    }
  }
  return mergeRepeats(out);
}

const STATUS_LISTS: Record<ContainerStatus["kind"], string> = { container: "containerStatuses", init: "initContainerStatuses", ephemeral: "ephemeralContainerStatuses" };

/** `$.items[3]` + `message` -> `$.items[3].message`; a non-JSON location (`line 12` of pasted text) stays as it is. */
function fieldPath(objectPath: string, field: string): string {
  return objectPath.startsWith("$") ? `${objectPath === "$" ? "$" : objectPath}.${field}` : objectPath;
}

/**
 * The same message about the same container, repeated in one file (separate Event objects for one failing pod),
 * is one observation whose count is the sum; copies in other files stay separate, as corroborating evidence.
 */
function mergeRepeats(list: Observation[]): Observation[] {
  const byKey = new Map<string, Observation>();
  const out: Observation[] = [];
  for (const o of list) {
    const key = [o.outcome, o.pod?.namespace ?? "", o.pod?.name ?? "", o.container ?? "", o.source.file, o.message].join("\u0000");
    const prev = byKey.get(key);
    if (!prev) {
      const copy = { ...o };
      byKey.set(key, copy);
      out.push(copy);
      continue;
    }
    if (prev.messagePath === o.messagePath) continue; // the very same line read twice
    prev.count += o.count;
    if (o.lastSeen && (!prev.lastSeen || o.lastSeen > prev.lastSeen)) prev.lastSeen = o.lastSeen;
    prev.node ??= o.node;
  }
  return out;
}

/** Everything the cluster and the node-side probe told us, in one list: rules read probe results like events. */
export function observations(ctx: RuleContext): Observation[] {
  return ctx.memo("observations", () => [...build(ctx.snapshot), ...probeObservations(ctx.snapshot)]);
}

export function topCode(o: Observation): string | undefined {
  return o.classification?.causes[0]?.code;
}

export function failures(ctx: RuleContext): Observation[] {
  return observations(ctx).filter((o) => o.outcome === "failure");
}

export function podSubject(o: Observation): string {
  return o.pod ? `pod/${o.pod.namespace}/${o.pod.name}` : o.host ?? o.image?.raw ?? "cluster";
}

/** Evidence line for an observation: the event/pod/describe it came from. */
export function observationEvidence(o: Observation): { source: string; path: string; observed: string } {
  return { source: o.source.file, path: o.messagePath ?? o.source.path, observed: truncate(o.message, 600) + (o.count > 1 ? ` (x${o.count})` : "") };
}

export function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}

/**
 * Pull failures are read from events, pod statuses and pasted `kubectl describe pod` text; with none of the three
 * in the evidence a rule that reads them has checked nothing, which is `unknown`, not a clean bill.
 */
export function pullEvidenceMissing(ctx: RuleContext, check: string): Outcome[] {
  const { events, pods, podDescriptions } = ctx.snapshot;
  if (events.status === "ok" || pods.status === "ok" || podDescriptions.status === "ok") return [];
  return [{ kind: "unknown", check, reason: "no pull failures can be read: neither events, pods nor kubectl describe output are in the evidence (kubectl get events -A -o json; kubectl get pods -A -o json)" }];
}
