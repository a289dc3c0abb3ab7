import type { RuleContext } from "../../engine/types.js";
import type { ManagedCluster, Registry } from "../../snapshot/types.js";
import { hostKind, parseImageRef, type ImageRef } from "./images.js";
import { observations, type Observation } from "./observations.js";
import { factValue } from "./principals.js";

export interface RegistryTarget {
  registry: Registry;
  images: ImageRef[];
  repositories: string[];
  failures: Observation[];
  successes: Observation[];
  /** why it is diagnosed: named on the command line, used by a workload, or the only evidence there is */
  why: "target" | "workload" | "evidence";
}

/** Every image the workloads and the command line name. */
export function workloadImages(ctx: RuleContext): ImageRef[] {
  return ctx.memo("workloadImages", () => {
    const refs = new Map<string, ImageRef>();
    const add = (raw: string | undefined) => {
      if (!raw) return;
      const r = parseImageRef(raw);
      refs.set(r.raw, r);
    };
    for (const p of factValue(ctx.snapshot.pods) ?? []) for (const c of p.containers) add(c.image);
    for (const d of factValue(ctx.snapshot.podDescriptions) ?? []) d.images.forEach(add);
    for (const o of observations(ctx)) if (o.image) add(o.image.raw);
    ctx.snapshot.targets.images.forEach(add);
    return [...refs.values()];
  });
}

function hasWorkloadEvidence(ctx: RuleContext): boolean {
  const s = ctx.snapshot;
  return (factValue(s.pods)?.length ?? 0) > 0 || (factValue(s.events)?.length ?? 0) > 0 || (factValue(s.podDescriptions)?.length ?? 0) > 0 || s.targets.images.length > 0;
}

export function registryTargets(ctx: RuleContext): RegistryTarget[] {
  return ctx.memo("registryTargets", () => {
    const registries = factValue(ctx.snapshot.registries) ?? [];
    const images = workloadImages(ctx);
    const named = ctx.snapshot.targets.registries.map((r) => r.toLowerCase());
    const obs = observations(ctx);
    const workloads = hasWorkloadEvidence(ctx);
    const out: RegistryTarget[] = [];
    for (const registry of registries) {
      const login = registry.loginServer.toLowerCase();
      const mine = images.filter((i) => i.valid && i.host === login);
      const isNamed = named.some((n) => n === login || n === registry.name.toLowerCase() || n === registry.id.toLowerCase());
      const why: RegistryTarget["why"] | undefined = isNamed ? "target" : mine.length > 0 ? "workload" : !workloads ? "evidence" : undefined;
      if (!why) continue;
      const hostObs = obs.filter((o) => o.host === login);
      out.push({
        registry,
        images: mine,
        repositories: [...new Set(mine.map((i) => i.repository))],
        failures: hostObs.filter((o) => o.outcome === "failure"),
        successes: hostObs.filter((o) => o.outcome === "success"),
        why,
      });
    }
    return out;
  });
}

export function clusters(ctx: RuleContext): ManagedCluster[] {
  return factValue(ctx.snapshot.clusters) ?? [];
}

/** ACR hosts that workloads use but no registry in the evidence describes. */
export function undescribedAcrHosts(ctx: RuleContext): string[] {
  const registries = factValue(ctx.snapshot.registries) ?? [];
  const known = new Set(registries.map((r) => r.loginServer.toLowerCase()));
  const hosts = new Set(workloadImages(ctx).filter((i) => i.valid && hostKind(i.host) === "acr").map((i) => i.host));
  return [...hosts].filter((h) => !known.has(h));
}

export function registrySubject(r: Registry): string {
  return r.id || r.loginServer;
}
