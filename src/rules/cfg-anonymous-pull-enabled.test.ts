import rule from "./cfg-anonymous-pull-enabled.js";
import { ruleTester } from "../../test/rule-tester.js";
import { registry, snapshot } from "../../test/factories.js";

ruleTester(rule, {
  invalid: [
    {
      name: "anonymous pull enabled",
      snapshot: snapshot({ registries: [registry({ name: "fabrikampublic", anonymousPullEnabled: true })] }),
      findings: [{ code: "CFG_ANONYMOUS_PULL_ENABLED", severity: "info", subject: /registries\/fabrikampublic$/, message: /unauthenticated clients.*missing AcrPull goes unnoticed/, remediation: /^az acr update --name fabrikampublic --anonymous-pull-enabled false/ }],
    },
    {
      name: "on a Premium registry behind a firewall it is still worth knowing",
      snapshot: snapshot({ registries: [registry({ name: "fabrikampublic", sku: "Premium", anonymousPullEnabled: true, networkRuleSet: { defaultAction: "Deny", ipRules: [], virtualNetworkRules: [] } })] }),
      findings: [{ code: "CFG_ANONYMOUS_PULL_ENABLED", severity: "info", subject: /fabrikampublic$/, message: /every repository/, remediation: /only if the content is not meant to be public/ }],
    },
    {
      name: "only the anonymous registry of two is reported",
      snapshot: snapshot({ registries: [registry({ name: "fabrikamprivate" }), registry({ name: "fabrikampublic", anonymousPullEnabled: true })] }),
      findings: [{ code: "CFG_ANONYMOUS_PULL_ENABLED", subject: /registries\/fabrikampublic$/, message: /fabrikampublic/, remediation: /--name fabrikampublic/ }],
    },
  ],
  valid: [
    { name: "anonymous pull disabled", snapshot: snapshot({ registries: [registry({ anonymousPullEnabled: false })] }) },
    { name: "field absent (older API version)", snapshot: snapshot({ registries: [registry({ anonymousPullEnabled: undefined })] }) },
    {
      name: "registries not collected",
      snapshot: snapshot({ registries: { status: "error", kind: "forbidden", message: "needs Microsoft.ContainerRegistry/registries/read" } }, { targets: { images: [], registries: ["fabrikampublic"] } }),
      expect: "unknown",
      reason: /registries: forbidden/,
    },
  ],
});
