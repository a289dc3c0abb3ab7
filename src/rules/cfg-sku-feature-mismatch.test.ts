import rule from "./cfg-sku-feature-mismatch.js";
import { ruleTester } from "../../test/rule-tester.js";
import { registry, snapshot } from "../../test/factories.js";

const std = (o: Parameters<typeof registry>[0] = {}) => registry({ name: "fabrikamregistry", sku: "Standard", ...o });

ruleTester(rule, {
  invalid: [
    {
      name: "Standard registry with a firewall (defaultAction Deny and IP rules)",
      snapshot: snapshot({ registries: [std({ networkRuleSet: { defaultAction: "Deny", ipRules: [{ action: "Allow", value: "20.74.91.37" }], virtualNetworkRules: [] } })] }),
      findings: [{ code: "CFG_SKU_FEATURE_MISMATCH", severity: "error", subject: /registries\/fabrikamregistry$/, message: /Standard SKU.*networkRuleSet.*only the Premium SKU supports/, remediation: /^az acr update --name fabrikamregistry --sku Premium$/ }],
    },
    {
      name: "Basic registry with a private endpoint connection",
      snapshot: snapshot({ registries: [std({ sku: "Basic", privateEndpointConnections: [{ privateEndpointId: "/x/pe-acr", status: "Pending" }] })] }),
      findings: [{ code: "CFG_SKU_FEATURE_MISMATCH", message: /Basic SKU.*privateEndpointConnections/, remediation: /--sku Premium/ }],
    },
    {
      name: "lower-case sku with a dedicated data endpoint and disabled public access",
      snapshot: snapshot({ registries: [std({ sku: "standard", dataEndpointEnabled: true, publicNetworkAccess: "disabled" })] }),
      findings: [{ code: "CFG_SKU_FEATURE_MISMATCH", message: /publicNetworkAccess, dataEndpointEnabled/, remediation: /--sku Premium/ }],
    },
  ],
  valid: [
    { name: "Premium registry with every network feature", snapshot: snapshot({ registries: [registry({ sku: "Premium", publicNetworkAccess: "Disabled", dataEndpointEnabled: true, privateEndpointConnections: [{ status: "Approved" }], networkRuleSet: { defaultAction: "Deny", ipRules: [{ value: "1.2.3.4" }], virtualNetworkRules: [] } })] }) },
    { name: "Standard registry with the default open network settings", snapshot: snapshot({ registries: [std({ networkRuleSet: { defaultAction: "Allow", ipRules: [], virtualNetworkRules: [] } })] }) },
    { name: "SKU not in the evidence: no guess", snapshot: snapshot({ registries: [std({ sku: undefined, dataEndpointEnabled: true })] }) },
    {
      name: "registries could not be read",
      snapshot: snapshot({ registries: { status: "error", kind: "forbidden", message: "needs Microsoft.ContainerRegistry/registries/read" } }, { targets: { images: [], registries: ["fabrikamregistry"] } }),
      expect: "unknown",
      reason: /registries: forbidden/,
    },
  ],
});
