import rule from "./rbac-overprivileged.js";
import { ruleTester } from "../../test/rule-tester.js";
import { ACR_PULL, ACR_PUSH, CONTRIBUTOR, KUBELET_OBJ, OWNER, SP_OBJ, SUB, assignment, customRole, miCluster, registry, servicePrincipal, snapshot, spCluster } from "../../test/factories.js";

const reg = registry({ resourceGroup: "rg10" });
const RG = `/subscriptions/${SUB}/resourceGroups/rg10`;
const base = { clusters: [miCluster()], registries: [reg] };

ruleTester(rule, {
  invalid: [
    {
      name: "the service principal holds Contributor on the registry's resource group besides AcrPull",
      snapshot: snapshot({ clusters: [spCluster()], registries: [reg], servicePrincipals: [servicePrincipal()], roleAssignments: [assignment(SP_OBJ, ACR_PULL, reg.id), assignment(SP_OBJ, CONTRIBUTOR, RG, { roleDefinitionName: "Contributor" })] }),
      findings: [{ code: "RBAC_OVERPRIVILEGED", severity: "warning", subject: reg.id, message: /holds Contributor at .*rg10/, remediation: /az role assignment delete --ids .*rg10\/providers\/Microsoft\.Authorization\/roleAssignments\// }],
    },
    {
      name: "AcrPush on the registry (nodes never push)",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PUSH, reg.id)] }),
      findings: [{ code: "RBAC_OVERPRIVILEGED", message: /holds AcrPush at/, remediation: new RegExp(`--role AcrPull --scope ${reg.id.replace(/[.]/g, "\\.")}`) }],
    },
    {
      name: "AcrPull at subscription scope reaches every registry in it",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, `/subscriptions/${SUB}`)] }),
      findings: [{ code: "RBAC_OVERPRIVILEGED", message: /AcrPull at subscription scope/, remediation: /az role assignment delete/ }],
    },
    {
      name: "Owner inherited from a management group",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, OWNER, "/providers/Microsoft.Management/managementGroups/platform")] }),
      findings: [{ code: "RBAC_OVERPRIVILEGED", message: /Owner at \/providers\/Microsoft\.Management/, remediation: /--role AcrPull/ }],
    },
    {
      name: "a custom role with registries/* (includes delete) at the registry",
      snapshot: snapshot({ ...base, roleDefinitions: [customRole("0c0c0c0c-1111-4222-8333-444444444444", "Registry All", ["Microsoft.ContainerRegistry/registries/*"])], roleAssignments: [assignment(KUBELET_OBJ, "0c0c0c0c-1111-4222-8333-444444444444", reg.id)] }),
      findings: [{ code: "RBAC_OVERPRIVILEGED", message: /Registry All/, remediation: /delete/ }],
    },
  ],
  valid: [
    {
      name: "AcrPull on the registry alone is least privilege",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, reg.id)] }),
      expect: "pass",
    },
    {
      name: "AcrPull on the registry's resource group is not subscription-wide",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, RG.replace("resourceGroups", "resourcegroups"))] }),
      expect: "pass",
    },
    {
      name: "Contributor on resource group rg1 does not cover the registry in rg10",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, reg.id), assignment(KUBELET_OBJ, CONTRIBUTOR, `/subscriptions/${SUB}/resourceGroups/rg1`)] }),
      expect: "pass",
    },
    {
      name: "a custom role on registries/* whose notActions remove every write/delete",
      snapshot: snapshot({ ...base, roleDefinitions: [customRole("0b0b0b0b-1111-4222-8333-444444444444", "Registry Read", [], { permissions: [{ actions: ["Microsoft.ContainerRegistry/registries/*"], notActions: ["Microsoft.ContainerRegistry/registries/*/write", "Microsoft.ContainerRegistry/registries/*/delete", "Microsoft.ContainerRegistry/registries/write", "Microsoft.ContainerRegistry/registries/delete"], dataActions: [], notDataActions: [] }] })], roleAssignments: [assignment(KUBELET_OBJ, "0b0b0b0b-1111-4222-8333-444444444444", reg.id)] }),
      expect: "pass",
    },
    {
      name: "Contributor held by someone else (a pipeline) is not the pulling identity's",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, reg.id), assignment("44444444-0000-4000-8000-000000000002", CONTRIBUTOR, RG)] }),
      expect: "pass",
    },
    {
      name: "the kubelet object id cannot be derived (no objectId, no identity resource): unknown, not a pass",
      snapshot: snapshot({ ...base, clusters: [miCluster({ kubeletIdentity: { clientId: "aaaaaaaa-0000-4000-8000-000000000002" } })], roleAssignments: [assignment(KUBELET_OBJ, OWNER, reg.id)] }),
      expect: "unknown",
      reason: /object id is not in the evidence/,
    },
    {
      name: "role assignments missing: unknown",
      snapshot: snapshot({ ...base }),
      expect: "unknown",
      reason: /roleAssignments/,
    },
  ],
});
