import type { RuleContext } from "../../engine/types.js";
import type { Snapshot, Source } from "../../snapshot/types.js";
import { classify, type Classification } from "../../classify/classify.js";
import { parseImageRef, type ImageRef } from "./images.js";
import { factValue } from "./principals.js";

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
  source: Source;
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

  const add = (args: { reason?: string; message: string; pod?: { namespace: string; name: string }; container?: string; node?: string; count?: number; lastSeen?: string; source: Source; imageHint?: string }) => {
    const { message } = args;
    if (!message) return;
    const rawImage = imageFromMessage(message) ?? args.imageHint;
    const image = rawImage ? parseImageRef(rawImage) : undefined;
    const podNode = args.pod ? podByKey.get(`${args.pod.namespace}/${args.pod.name}`)?.nodeName : undefined;
    const base = { pod: args.pod, container: args.container, node: args.node ?? podNode, count: args.count ?? 1, lastSeen: args.lastSeen, reason: args.reason, source: args.source };
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
    add({ reason: e.reason, message: e.message, pod, container, node: e.host, count: e.count, lastSeen: e.lastTimestamp ?? e.firstTimestamp, source: e.source });
  }
  for (const p of pods) {
    for (const s of p.statuses) {
      if (s.waiting?.message) add({ reason: s.waiting.reason, message: s.waiting.message, pod: { namespace: p.namespace, name: p.name }, container: s.name, source: p.source, imageHint: s.image });
      else if (s.waiting?.reason && /ErrImagePull|ImagePullBackOff|InvalidImageName|ErrImageNeverPull/.test(s.waiting.reason)) add({ reason: s.waiting.reason, message: `Error: ${s.waiting.reason}`, pod: { namespace: p.namespace, name: p.name }, container: s.name, source: p.source, imageHint: s.image });
      else if ((s.running || s.terminated) && s.imageID) out.push({ outcome: "success", pod: { namespace: p.namespace, name: p.name }, container: s.name, node: p.nodeName, image: parseImageRef(s.image ?? ""), host: parseImageRef(s.image ?? "").host || undefined, message: `container ${s.name} runs ${s.image}`, count: 1, source: p.source });
    }
  }
  for (const d of factValue(snapshot.podDescriptions) ?? []) {
    for (const ev of d.events) {
      if (ev.type === "Normal" && !isSuccessMessage(ev.reason, ev.message)) continue;
      add({ reason: ev.reason, message: ev.message, pod: podKey(d.namespace, d.name), node: d.nodeName, count: ev.count, source: d.source, imageHint: d.images.length === 1 ? d.images[0] : undefined });
    }
  }
  return out;
}

export function observations(ctx: RuleContext): Observation[] {
  return ctx.memo("observations", () => build(ctx.snapshot));
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
  return { source: o.source.file, path: o.source.path + (o.source.path.includes("items") ? ".message" : ""), observed: truncate(o.message, 600) + (o.count > 1 ? ` (x${o.count})` : "") };
}

export function truncate(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}
