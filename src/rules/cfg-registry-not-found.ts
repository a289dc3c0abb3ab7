import { defineRule, type Outcome } from "../engine/types.js";
import { factValue } from "./lib/principals.js";
import { editDistance, looksLikeMistypedAcrHost } from "./lib/images.js";
import { failures, observationEvidence, topCode } from "./lib/observations.js";
import { undescribedAcrHosts, workloadImages } from "./lib/targets.js";

export default defineRule({
  id: "cfg-registry-not-found",
  codes: ["CFG_REGISTRY_NOT_FOUND"],
  stage: "registry",
  title: "Image names a registry that does not exist",
  description: "Flags image hosts with a wrong ACR suffix (azurecr.com, azurcr.io...) and ACR hosts that match no registry in the evidence but are one or two letters away from one that exists.",
  requires: [],
  check(ctx) {
    const out: Outcome[] = [];
    const registries = factValue(ctx.snapshot.registries) ?? [];
    const fails = failures(ctx);
    const hosts = new Set(workloadImages(ctx).filter((i) => i.valid).map((i) => i.host));
    for (const host of hosts) {
      if (!looksLikeMistypedAcrHost(host)) continue;
      const name = host.split(".")[0]!;
      const ev = fails.filter((f) => f.host === host).slice(0, 2).map(observationEvidence);
      out.push({
        kind: "finding",
        code: "CFG_REGISTRY_NOT_FOUND",
        confidence: "high",
        title: `${host} is not a valid registry host`,
        message: `Images name ${host}, but Azure Container Registry login servers end in .azurecr.io (.azurecr.cn in China, .azurecr.us in US Government): this host does not exist, so nothing can be pulled from it.`,
        subject: host,
        evidence: [{ source: "workload images", path: "spec.containers[].image", observed: host, expected: `${name}.azurecr.io` }, ...ev],
        remediation: [`# change the image references to ${name}.azurecr.io/...`, `az acr show --name ${name} --query loginServer --output tsv`],
      });
    }
    if (registries.length === 0) return out;
    for (const host of undescribedAcrHosts(ctx)) {
      const name = host.split(".")[0]!;
      const near = registries.filter((r) => { const d = editDistance(r.name.toLowerCase(), name, 2); return d > 0 && d <= 2; });
      const failing = fails.filter((f) => f.host === host);
      // Only a name that does not resolve suggests a missing registry: a 401/403 or a TCP timeout means the name resolved, so the registry exists.
      const unresolved = failing.filter((f) => topCode(f) === "NET_DNS_FAILURE");
      if (near.length === 0 || unresolved.length === 0) {
        if (failing.length > 0) out.push({ kind: "unknown", check: `registry ${host} exists`, subject: host, reason: `no registry with login server ${host} is in the evidence (az acr show --name ${name} -o json)` });
        continue;
      }
      out.push({
        kind: "finding",
        code: "CFG_REGISTRY_NOT_FOUND",
        confidence: "medium",
        title: `${host} matches no registry; did you mean ${near[0]!.loginServer}?`,
        message: `${host} does not resolve from the nodes and matches none of the ${registries.length} registries in the evidence, while ${near.map((r) => r.loginServer).join(", ")} differs by a letter or two: the image reference most likely has a typo.`,
        subject: host,
        evidence: [...unresolved.slice(0, 2).map(observationEvidence), ...near.map((r) => ({ source: r.source.file, path: `${r.source.path}.loginServer`, observed: r.loginServer }))],
        remediation: [`az acr show --name ${name} --output none   # confirms whether ${host} exists`, `# fix the image references to ${near[0]!.loginServer}/...`],
      });
    }
    return out;
  },
});
