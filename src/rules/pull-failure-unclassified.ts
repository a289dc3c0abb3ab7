import { defineRule, type Outcome } from "../engine/types.js";
import { failures, observationEvidence, podSubject, topCode, pullEvidenceMissing } from "./lib/observations.js";
import { hostKind } from "./lib/images.js";
import { pullAccess } from "./lib/pull-access.js";
import { privatePath, publicPathClosed } from "./lib/network.js";
import { FIRST_ACR_AUDIENCE_MINOR, lowestKubelet } from "./lib/arm-audience.js";
import { registryTargets, undescribedAcrHosts } from "./lib/targets.js";

const TITLE = "Pull failures no known cause explains";

export default defineRule({
  id: "pull-failure-unclassified",
  codes: ["PULL_FAILURE_UNCLASSIFIED"],
  stage: "registry",
  title: TITLE,
  description: "Keeps every observed pull failure accounted for: messages that match no known cause are reported with the raw text, and ACR 401/403 failures that no configuration fact explains are listed as checks that need node-side evidence.",
  requires: [],
  check(ctx) {
    const out: Outcome[] = [...pullEvidenceMissing(ctx, TITLE)];
    // A node-side probe that was asked for but could not run (diagnose --probe: Job refused, timed out, image not
    // pullable) is a check that could not be made: say so with its reason.
    const probes = ctx.snapshot.probeResults;
    if (probes.status === "error") out.push({ kind: "unknown", check: "node-side probe", reason: probes.message });
    const groups = new Map<string, ReturnType<typeof failures>>();
    for (const f of failures(ctx)) {
      if (f.classification?.causeless || topCode(f) !== "PULL_FAILURE_UNCLASSIFIED") continue;
      const key = podSubject(f);
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
    for (const [subject, list] of groups) {
      out.push({
        kind: "finding",
        code: "PULL_FAILURE_UNCLASSIFIED",
        confidence: "low",
        title: `Pull failure with no known cause${list[0]!.image ? ` for ${list[0]!.image.raw}` : ""}`,
        message: `The failure message matches no known cause; it is kept as evidence. ${list[0]!.classification?.explanation ?? ""}`.trim(),
        subject,
        evidence: list.slice(0, 3).map(observationEvidence),
        remediation: ["pulldoctor probe --image " + (list[0]!.image?.raw ?? "<IMAGE>") + "   # reproduce the pull from a node, step by step"],
      });
    }

    // Pods whose only trace is "Back-off pulling image": the cause-carrying event aged out (events live ~1h).
    const withCause = new Set(failures(ctx).filter((f) => !f.classification?.causeless).map(podSubject));
    const onlyBackoff = new Set(failures(ctx).filter((f) => f.classification?.causeless && f.pod).map(podSubject).filter((s) => !withCause.has(s)));
    for (const s of onlyBackoff) out.push({ kind: "unknown", check: `cause of the pull failure of ${s}`, subject: s, reason: "only back-off events are in the evidence; the 'Failed to pull image' event has aged out. Collect it right after a retry: kubectl get events -n <ns> --field-selector involvedObject.name=<pod> -o json" });

    // ACR 401/403 that no configuration fact explains: say so instead of guessing.
    for (const p of pullAccess(ctx)) {
      const authFails = p.target.failures.filter((f) => f.classification?.httpStatus === 401 || f.classification?.httpStatus === 403);
      if (authFails.length === 0 || p.verdict.status === "unknown") continue;
      const explained = p.identityBroken || p.verdict.status === "denied" || publicPathClosed(ctx, p.cluster, p.target.registry) !== "open" || privatePath(ctx, p.cluster, p.target.registry).dns.status === "misconfigured" || ((p.target.registry.azureAdAuthenticationAsArmPolicy ?? "").toLowerCase() === "disabled" && (lowestKubelet(ctx, p.cluster)?.minor ?? 99) < FIRST_ACR_AUDIENCE_MINOR);
      if (explained) continue;
      const status = authFails[0]!.classification?.httpStatus;
      out.push({ kind: "unknown", check: `cause of ${status} from ${p.target.registry.loginServer}`, subject: p.target.registry.id, reason: status === 401 ? "identity, roles, registry mode and token policy all allow the pull, yet the registry answers 401: the repository or tag may not exist (AKS falls back to an anonymous pull, which also gets 401), or the node has a stale credential; verify the tag with az acr repository show-tags and run pulldoctor probe on a node" : "the registry's network settings allow the cluster, yet it answers 403: the nodes may reach it from another IP or resolve it differently than configured; run pulldoctor probe on a node" });
    }
    for (const host of undescribedAcrHosts(ctx)) {
      if (!failures(ctx).some((f) => f.host === host && hostKind(host) === "acr" && (f.classification?.httpStatus === 401 || f.classification?.httpStatus === 403))) continue;
      if (registryTargets(ctx).some((t) => t.registry.loginServer.toLowerCase() === host)) continue;
      out.push({ kind: "unknown", check: `cause of pull failures from ${host}`, subject: host, reason: `${host} is not described in the evidence: add az acr show --name ${host.split(".")[0]} -o json and the role assignments at its scope` });
    }
    return out;
  },
});
