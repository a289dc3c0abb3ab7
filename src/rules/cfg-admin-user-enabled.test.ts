import rule from "./cfg-admin-user-enabled.js";
import { ruleTester } from "../../test/rule-tester.js";
import { registry, snapshot } from "../../test/factories.js";

ruleTester(rule, {
  invalid: [
    {
      name: "admin user enabled",
      snapshot: snapshot({ registries: [registry({ name: "fabrikamregistry", adminUserEnabled: true })] }),
      findings: [{ code: "CFG_ADMIN_USER_ENABLED", severity: "warning", subject: /registries\/fabrikamregistry$/, message: /single shared credential with push and pull rights/, remediation: /^az acr update --name fabrikamregistry --admin-enabled false$/ }],
    },
    {
      name: "the remediation first finds the pull secrets still using it",
      snapshot: snapshot({ registries: [registry({ name: "fabrikamregistry", adminUserEnabled: true })] }),
      findings: [{ code: "CFG_ADMIN_USER_ENABLED", subject: /fabrikamregistry$/, message: /cannot be attributed/, remediation: /kubectl get secrets -A -o json \| grep -c fabrikamregistry\.azurecr\.io/ }],
    },
    {
      name: "only the enabled registry of two is reported, even when no workload uses it (an audit practice)",
      snapshot: snapshot({ registries: [registry({ name: "northwindshared" }), registry({ name: "fabrikamlegacy", adminUserEnabled: true })] }),
      findings: [{ code: "CFG_ADMIN_USER_ENABLED", subject: /registries\/fabrikamlegacy$/, message: /fabrikamlegacy/, remediation: /--name fabrikamlegacy --admin-enabled false/ }],
    },
  ],
  valid: [
    { name: "admin user disabled", snapshot: snapshot({ registries: [registry({ adminUserEnabled: false })] }), expect: "pass" },
    { name: "field absent (not reported): no guess", snapshot: snapshot({ registries: [registry({ adminUserEnabled: undefined })] }) },
    {
      name: "registries not collected",
      snapshot: snapshot({ registries: { status: "skipped", reason: "no az acr show output in the evidence folder" } }, { targets: { images: ["fabrikamregistry.azurecr.io/shop/cart:2.4.0"], registries: [] } }),
      expect: "unknown",
      reason: /no az acr show output/,
    },
    { name: "no ACR anywhere: the rule does not apply", snapshot: snapshot({}, { targets: { images: ["ghcr.io/northwind/tools:1.0"], registries: [] } }) },
  ],
});
