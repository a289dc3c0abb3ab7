import rule from "./cfg-registry-not-found.js";
import { ruleTester } from "../../test/rule-tester.js";
import { acrPull401, failedEvent, pod, registry, snapshot } from "../../test/factories.js";

const nxdomain = (image: string) => {
  const host = image.split("/")[0]!;
  return `Failed to pull image "${image}": rpc error: code = Unknown desc = failed to pull and unpack image "${image}": failed to resolve reference "${image}": failed to do request: Head "https://${host}/v2/shop/cart/manifests/2.4.0": dial tcp: lookup ${host} on 168.63.129.16:53: no such host`;
};
const reg = registry({ name: "fabrikamregistry" });
const TYPO = "fabrikamregistri.azurecr.io/shop/cart:2.4.0";

ruleTester(rule, {
  invalid: [
    {
      name: "wrong ACR suffix (.azurecr.com) in the pod spec",
      snapshot: snapshot({ pods: [pod({ image: "fabrikamregistry.azurecr.com/shop/cart:2.4.0" })] }),
      findings: [{ code: "CFG_REGISTRY_NOT_FOUND", severity: "error", subject: "fabrikamregistry.azurecr.com", message: /end in \.azurecr\.io/, remediation: /fabrikamregistry\.azurecr\.io\/\.\.\./ }],
    },
    {
      name: "misspelt suffix (azurcr.io) named only in a failed event",
      snapshot: snapshot({ events: [failedEvent(nxdomain("fabrikamregistry.azurcr.io/shop/cart:2.4.0"))] }),
      findings: [{ code: "CFG_REGISTRY_NOT_FOUND", subject: "fabrikamregistry.azurcr.io", message: /does not exist/, remediation: /az acr show --name fabrikamregistry --query loginServer/ }],
    },
    {
      name: "one letter off an existing registry, and the name does not resolve",
      snapshot: snapshot({ registries: [reg, registry({ name: "northwindshared" })], pods: [pod({ image: TYPO })], events: [failedEvent(nxdomain(TYPO))] }),
      findings: [{ code: "CFG_REGISTRY_NOT_FOUND", severity: "error", subject: "fabrikamregistri.azurecr.io", message: /does not resolve.*fabrikamregistry\.azurecr\.io differs by a letter or two/, remediation: /fix the image references to fabrikamregistry\.azurecr\.io/ }],
    },
  ],
  valid: [
    {
      name: "one letter off, but the host answered 401: the registry exists (RBAC's question, not a typo)",
      snapshot: snapshot({ registries: [reg], pods: [pod({ image: TYPO })], events: [failedEvent(acrPull401(TYPO))] }),
      expect: "unknown",
      reason: /no registry with login server fabrikamregistri\.azurecr\.io is in the evidence/,
    },
    { name: "one letter off, and no failure: nothing says it is broken", snapshot: snapshot({ registries: [reg], pods: [pod({ image: TYPO, statuses: [] })] }) },
    {
      name: "the image host matches a registry in the evidence, whatever its case",
      snapshot: snapshot({ registries: [reg], pods: [pod({ image: "Fabrikamregistry.azurecr.io/shop/cart:2.4.0" })], events: [failedEvent(acrPull401("fabrikamregistry.azurecr.io/shop/cart:2.4.0"))] }),
    },
    {
      name: "an unknown, unrelated ACR name that does not resolve: not guessed as a typo",
      snapshot: snapshot({ registries: [reg], events: [failedEvent(nxdomain("contosoimages.azurecr.io/shop/cart:2.4.0"))] }),
      expect: "unknown",
      reason: /az acr show --name contosoimages/,
    },
    { name: "an external registry host", snapshot: snapshot({ pods: [pod({ image: "ghcr.io/northwind/tools:1.0" })] }) },
  ],
});
