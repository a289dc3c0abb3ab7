import { defineRule, type Outcome } from "../engine/types.js";
import { usesAcr } from "./lib/applies.js";
import { clusters, registryTargets } from "./lib/targets.js";
import { FIRST_ACR_AUDIENCE_MINOR, lowestKubelet } from "./lib/arm-audience.js";
import { observationEvidence } from "./lib/observations.js";
import { q, registryRg } from "./lib/commands.js";
import { clusterRg, isMsiCluster } from "./lib/principals.js";

export default defineRule({
  id: "cfg-auth-as-arm-disabled",
  codes: ["CFG_AUTH_AS_ARM_DISABLED"],
  stage: "registry",
  title: "Registry refuses the ARM-audience tokens the cluster presents",
  description: "When a registry disables ARM-audience Entra tokens (policies.azureADAuthenticationAsArmPolicy disabled), checks whether a managed-identity cluster's ACR credential provider still presents them: kubelets before 1.29 always do (cloud-provider-azure#8593); service-principal clusters send basic auth instead.",
  appliesTo: usesAcr,
  requires: ["clusters", "registries"],
  check(ctx) {
    const out: Outcome[] = [];
    for (const cluster of clusters(ctx)) {
      const kubelet = lowestKubelet(ctx, cluster);
      for (const t of registryTargets(ctx)) {
        const reg = t.registry;
        const check = `${reg.loginServer} accepts the token audience ${cluster.name} presents`;
        // On service-principal clusters the credential provider hands the SP's id and secret to ACR as basic auth
        // (useManagedIdentityExtension false in kubernetes-sigs/cloud-provider-azure's acr provider): no Entra token is exchanged.
        if (!isMsiCluster(cluster)) { out.push({ kind: "pass", check, subject: reg.id, message: "a service-principal cluster presents its client id and secret, not an Entra token, so the token-audience policy does not apply" }); continue; }
        if ((reg.azureAdAuthenticationAsArmPolicy ?? "enabled").toLowerCase() !== "disabled") { out.push({ kind: "pass", check, subject: reg.id, message: "ARM-audience tokens are accepted" }); continue; }
        if (!kubelet) { out.push({ kind: "unknown", check, subject: reg.id, reason: "the registry refuses ARM-audience tokens and the cluster's Kubernetes version is not in the evidence" }); continue; }
        const old = kubelet.minor < FIRST_ACR_AUDIENCE_MINOR;
        if (!old) {
          out.push({ kind: "unknown", check, subject: reg.id, reason: `the registry refuses ARM-audience tokens; kubelet ${kubelet.version} uses ACR-audience tokens only on node images built after the cloud-provider-azure#8593 backport (late March 2025): run pulldoctor probe on a node, or upgrade the node image` });
          continue;
        }
        out.push({
          kind: "finding",
          code: "CFG_AUTH_AS_ARM_DISABLED",
          confidence: "high",
          title: `${reg.name} refuses ARM-audience tokens, which ${cluster.name} (kubelet ${kubelet.version}) still presents`,
          message: `${reg.name} has azureADAuthenticationAsArmPolicy disabled, so its /oauth2/exchange accepts only ACR-audience Entra tokens. The ACR credential provider of Kubernetes ${kubelet.version} predates the switch to ACR-audience tokens (cloud-provider-azure#8593, backported to 1.29+ only), so every token exchange is refused and pulls get 401 even though the role assignments are right.`,
          subject: reg.id,
          evidence: [
            { source: reg.source.file, path: `${reg.source.path}.policies.azureADAuthenticationAsArmPolicy.status`, observed: reg.azureAdAuthenticationAsArmPolicy ?? "", expected: "enabled (while the cluster runs a kubelet older than 1.29)" },
            { source: kubelet.from.source, path: kubelet.from.path, observed: kubelet.version, expected: `>= 1.${FIRST_ACR_AUDIENCE_MINOR}` },
            ...t.failures.slice(0, 2).map(observationEvidence),
          ],
          remediation: [
            `az acr config authentication-as-arm update --registry ${q(reg.name)} --status enabled   # immediate relief; check the Azure Policy that disabled it`,
            `az aks upgrade --resource-group ${q(clusterRg(cluster))} --name ${q(cluster.name)} --kubernetes-version <1.29_OR_NEWER>   # lasting fix: a supported version presents ACR-audience tokens`,
            `# registry resource group: ${registryRg(reg)}`,
          ],
        });
      }
    }
    return out;
  },
});
