import rule from "./cfg-auth-as-arm-disabled.js";
import { ruleTester } from "../../test/rule-tester.js";
import { acrPull401, failedEvent, miCluster, node, registry, snapshot, spCluster } from "../../test/factories.js";

const IMG = "fabrikamregistry.azurecr.io/shop/cart:2.4.0";
const armOff = registry({ name: "fabrikamregistry", azureAdAuthenticationAsArmPolicy: "disabled" });
const cluster = (v: string) => miCluster({ kubernetesVersion: v, currentKubernetesVersion: v, agentPools: [{ name: "system", mode: "System", osType: "Linux", currentOrchestratorVersion: v }] });

ruleTester(rule, {
  invalid: [
    {
      name: "Kubernetes 1.28 cluster: its credential provider predates ACR-audience tokens",
      snapshot: snapshot({ clusters: [cluster("1.28.15")], registries: [armOff], events: [failedEvent(acrPull401(IMG, "oauth"))] }),
      findings: [{ code: "CFG_AUTH_AS_ARM_DISABLED", severity: "error", subject: armOff.id, message: /azureADAuthenticationAsArmPolicy disabled.*1\.28\.15.*backported to 1\.29\+ only/, remediation: /^az acr config authentication-as-arm update --registry fabrikamregistry --status enabled/ }],
    },
    {
      name: "control plane on 1.29, but one node still runs a 1.28 kubelet (the lowest kubelet decides)",
      snapshot: snapshot({ clusters: [cluster("1.29.9")], registries: [armOff], nodes: [node({ kubeletVersion: "v1.29.9" }), node({ name: "node-2", kubeletVersion: "v1.28.15" })] }),
      findings: [{ code: "CFG_AUTH_AS_ARM_DISABLED", subject: armOff.id, message: /v1\.28\.15/, remediation: /az aks upgrade --resource-group rg-aks --name aks1 --kubernetes-version/ }],
    },
    {
      name: "policy value in upper case, node pool on 1.27 without node objects",
      snapshot: snapshot({ clusters: [cluster("1.27.9")], registries: [{ ...armOff, azureAdAuthenticationAsArmPolicy: "Disabled" }] }),
      findings: [{ code: "CFG_AUTH_AS_ARM_DISABLED", subject: armOff.id, message: /1\.27\.9/, remediation: /authentication-as-arm update/ }],
    },
  ],
  valid: [
    {
      name: "service-principal cluster on 1.28: it presents the SP secret as basic auth, not an Entra token",
      snapshot: snapshot({ clusters: [spCluster({ kubernetesVersion: "1.28", currentKubernetesVersion: "1.28.15", agentPools: [{ name: "system", mode: "System", osType: "Linux", currentOrchestratorVersion: "1.28.15" }] })], registries: [armOff], events: [failedEvent(acrPull401(IMG, "oauth"))] }),
      expect: "pass",
    },
    { name: "ARM-audience tokens accepted", snapshot: snapshot({ clusters: [cluster("1.28.15")], registries: [registry({ name: "fabrikamregistry" })] }), expect: "pass" },
    { name: "policy not reported (older API version): treated as enabled, the default", snapshot: snapshot({ clusters: [cluster("1.28.15")], registries: [registry({ name: "fabrikamregistry", azureAdAuthenticationAsArmPolicy: undefined })] }), expect: "pass" },
    {
      name: "1.29+ presents ACR-audience tokens only on node images after the backport: unknown, not a guess",
      snapshot: snapshot({ clusters: [cluster("1.33.5")], registries: [armOff], nodes: [node({ kubeletVersion: "v1.33.5" })] }),
      expect: "unknown",
      reason: /kubelet v1\.33\.5 uses ACR-audience tokens only on node images built after/,
    },
    {
      name: "no version anywhere in the evidence",
      snapshot: snapshot({ clusters: [miCluster({ kubernetesVersion: undefined, currentKubernetesVersion: undefined, agentPools: [{ name: "system" }] })], registries: [armOff] }),
      expect: "unknown",
      reason: /Kubernetes version is not in the evidence/,
    },
    {
      name: "cluster not readable",
      snapshot: snapshot({ clusters: { status: "skipped", reason: "no az aks show output in the evidence folder" }, registries: [armOff] }),
      expect: "unknown",
      reason: /no az aks show output/,
    },
  ],
});
