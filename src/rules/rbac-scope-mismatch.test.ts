import rule from "./rbac-scope-mismatch.js";
import { ruleTester } from "../../test/rule-tester.js";
import { ACR_PULL, ACR_PUSH, CONTROL_PLANE_OBJ, KUBELET_OBJ, OWNER, SUB, acrPull401, assignment, failedEvent, lookup, miCluster, registry, snapshot } from "../../test/factories.js";

const reg = registry({ resourceGroup: "rg10" });
const IMAGE = `${reg.loginServer}/orders/api:3.8.1`;
const pull401 = failedEvent(acrPull401(IMAGE), { pod: "orders-api-6b7c", ns: "orders" });
const base = { clusters: [miCluster()], registries: [reg], events: [pull401] };
const OTHER_SUB = "99999999-8888-4777-8666-555555555555";

ruleTester(rule, {
  invalid: [
    {
      name: "AcrPull on the dev registry instead of the production one",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, registry({ name: "contosodev", resourceGroup: "rg-dev" }).id, { roleDefinitionName: "AcrPull" })] }),
      findings: [{ code: "RBAC_SCOPE_MISMATCH", severity: "error", subject: reg.id, message: /can pull elsewhere \(AcrPull at resource .*contosodev\).*none of those scopes contains/, remediation: new RegExp(`--role AcrPull --scope ${reg.id.replace(/[.]/g, "\\.")}`) }],
    },
    {
      name: "AcrPull on resource group rg1 does not reach a registry in rg10",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, `/subscriptions/${SUB}/resourceGroups/rg1`)] }),
      findings: [{ code: "RBAC_SCOPE_MISMATCH", message: /AcrPull at resourceGroup \/subscriptions\/.*\/resourceGroups\/rg1\)/, remediation: /az role assignment create/ }],
    },
    {
      name: "AcrPull at a management group that is not above the registry's subscription (ancestry from Resource Graph)",
      snapshot: snapshot({ ...base, subscriptions: [{ id: `/subscriptions/${SUB}`, subscriptionId: SUB, managementGroupAncestors: ["mg-prod", "tenant-root"], source: { file: "containers.json", path: "$.data[0]" } }], roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, "/providers/Microsoft.Management/managementGroups/mg-sandbox")] }),
      findings: [{ code: "RBAC_SCOPE_MISMATCH", message: /AcrPull at managementGroup \/providers\/Microsoft\.Management\/managementGroups\/mg-sandbox/, remediation: /--role AcrPull/ }],
    },
    {
      name: "Owner on another subscription",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, OWNER, `/subscriptions/${OTHER_SUB}`)] }),
      findings: [{ code: "RBAC_SCOPE_MISMATCH", message: /Owner at subscription/, remediation: /--role AcrPull/ }],
    },
    {
      name: "a registry-name prefix is not a parent scope (contosoacr vs contosoacr2)",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PUSH, `${reg.id}2`)] }),
      findings: [{ code: "RBAC_SCOPE_MISMATCH", message: /AcrPush at resource/, remediation: /--scope/ }],
    },
    {
      name: "the kubelet identity was deleted meanwhile: warning, with the note",
      snapshot: snapshot({ ...base, directoryLookups: [lookup(KUBELET_OBJ, false)], roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, registry({ name: "contosodev", resourceGroup: "rg-dev" }).id)] }),
      findings: [{ code: "RBAC_SCOPE_MISMATCH", severity: "warning", message: /Pulls fail first because of the identity problem/, remediation: /--role AcrPull/ }],
    },
  ],
  valid: [
    {
      name: "AcrPull at a management group above the registry's subscription: granted",
      snapshot: snapshot({ ...base, subscriptions: [{ id: `/subscriptions/${SUB}`, subscriptionId: SUB, managementGroupAncestors: ["mg-prod", "tenant-root"], source: { file: "containers.json", path: "$.data[0]" } }], roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, "/providers/Microsoft.Management/managementGroups/MG-PROD")] }),
    },
    {
      name: "AcrPull at a management group, ancestry unknown: taken as inherited (az lists only the groups above)",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, "/providers/Microsoft.Management/managementGroups/mg-sandbox")] }),
    },
    {
      name: "AcrPull on the registry's own resource group, written in lower case",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, `/subscriptions/${SUB}/resourcegroups/RG10`)] }),
    },
    {
      name: "AcrPull on the dev registry and on the production one: granted",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, registry({ name: "contosodev", resourceGroup: "rg-dev" }).id), assignment(KUBELET_OBJ, ACR_PULL, reg.id)] }),
    },
    {
      name: "Owner on a Key Vault is not an attempt to grant registry access",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, OWNER, `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-orders`)] }),
    },
    {
      name: "the control-plane identity holds AcrPull here: the wrong-principal rule reports it, not this one",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, registry({ name: "contosodev", resourceGroup: "rg-dev" }).id), assignment(CONTROL_PLANE_OBJ, ACR_PULL, reg.id)] }),
    },
    {
      name: "role assignments not collected: unknown",
      snapshot: snapshot({ clusters: [miCluster()], registries: [reg], events: [pull401] }),
      expect: "unknown",
      reason: /roleAssignments: no roleAssignments in test/,
    },
  ],
});
