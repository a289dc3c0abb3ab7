import rule from "./rbac-orphaned-assignment.js";
import { ruleTester } from "../../test/rule-tester.js";
import { ACR_PULL, ACR_PUSH, KUBELET_OBJ, SUB, assignment, lookup, registry, snapshot } from "../../test/factories.js";

const reg = registry({ resourceGroup: "rg10" });
const RG = `/subscriptions/${SUB}/resourceGroups/rg10`;
const GONE = "73ed0f7c-0000-4000-8000-00000000dead";

ruleTester(rule, {
  invalid: [
    {
      name: "az shows an empty principalName for the AcrPull assignment on the registry",
      snapshot: snapshot({ registries: [reg], roleAssignments: [assignment(GONE, ACR_PULL, reg.id, { principalName: "", roleDefinitionName: "AcrPull" })] }),
      findings: [{ code: "RBAC_ORPHANED_ASSIGNMENT", severity: "warning", subject: reg.id, message: /AcrPull assignment at .*contosoacr names principal .*az could not resolve \(empty principalName\)/, remediation: /az role assignment delete --ids \/subscriptions\/.*\/roleAssignments\// }],
    },
    {
      name: "Graph 404 for the principal of an assignment on the registry's resource group (upper-case principal id)",
      snapshot: snapshot({ registries: [reg], directoryLookups: [lookup(GONE, false)], roleAssignments: [assignment(GONE.toUpperCase(), ACR_PUSH, RG.replace("resourceGroups", "resourcegroups"), { principalName: undefined, roleDefinitionName: "AcrPush" })] }),
      findings: [{ code: "RBAC_ORPHANED_ASSIGNMENT", message: /the directory reports as not found/, remediation: /az role assignment delete --ids/ }],
    },
    {
      name: "orphan assignment directly on the registry, principal type Unknown (raw ARM after deletion)",
      snapshot: snapshot({ registries: [reg], roleAssignments: [assignment(GONE, ACR_PULL, reg.id, { principalName: "", principalType: "Unknown" })] }),
      findings: [{ code: "RBAC_ORPHANED_ASSIGNMENT", subject: reg.id, message: /names principal/, remediation: /delete/ }],
    },
  ],
  valid: [
    {
      name: "resolved principals are fine",
      snapshot: snapshot({ registries: [reg], roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, reg.id, { principalName: "aks1-agentpool" })] }),
    },
    {
      name: "raw ARM assignments carry no principalName at all: not an orphan",
      snapshot: snapshot({ registries: [reg], roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, reg.id, { principalName: undefined })] }),
    },
    {
      name: "a subscription-wide orphan is not reported against the registry",
      snapshot: snapshot({ registries: [reg], roleAssignments: [assignment(GONE, ACR_PULL, `/subscriptions/${SUB}`, { principalName: "" })] }),
    },
    {
      name: "a management-group-wide orphan is not the registry's to clean up (nor repeated on every registry)",
      snapshot: snapshot({ registries: [reg], directoryLookups: [lookup(GONE, false)], roleAssignments: [assignment(GONE, ACR_PULL, "/providers/Microsoft.Management/managementGroups/mg-platform", { principalName: "" })] }),
    },
    {
      name: "an orphan on rg1 is not on the registry in rg10",
      snapshot: snapshot({ registries: [reg], directoryLookups: [lookup(GONE, false)], roleAssignments: [assignment(GONE, ACR_PULL, `/subscriptions/${SUB}/resourceGroups/rg1`)] }),
    },
    {
      name: "a lookup that found the principal does not make it an orphan",
      snapshot: snapshot({ registries: [reg], directoryLookups: [lookup(KUBELET_OBJ, true)], roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, reg.id)] }),
    },
    {
      name: "role assignments not readable: unknown",
      snapshot: snapshot({ registries: [reg], roleAssignments: { status: "error", kind: "forbidden", message: "needs Microsoft.Authorization/roleAssignments/read" } }),
      expect: "unknown",
      reason: /roleAssignments: forbidden/,
    },
  ],
});
