import type { RuleContext } from "../../engine/types.js";
import { hostKind } from "./images.js";
import { factValue } from "./principals.js";
import { workloadImages } from "./targets.js";

/** ACR checks matter when a registry is in the evidence or named, or a workload pulls from an ACR host. */
export function usesAcr(ctx: RuleContext): boolean {
  return ctx.memo("usesAcr", () =>
    (factValue(ctx.snapshot.registries)?.length ?? 0) > 0 ||
    ctx.snapshot.targets.registries.length > 0 ||
    workloadImages(ctx).some((i) => i.valid && hostKind(i.host) === "acr"),
  );
}

/** Cluster-identity checks matter when a cluster is in the evidence, or ACR is involved at all. */
export function hasClusterOrAcr(ctx: RuleContext): boolean {
  return (factValue(ctx.snapshot.clusters)?.length ?? 0) > 0 || usesAcr(ctx);
}
