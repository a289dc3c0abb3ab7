import rule from "./rbac-wrong-principal.js";
import { ruleTester } from "../../test/rule-tester.js";
import { ACR_PULL, ACR_PUSH, CONTROL_PLANE_OBJ, KUBELET_CLIENT, KUBELET_OBJ, SP_APP, SP_OBJ, SUB, acrPull401, assignment, failedEvent, miCluster, registry, servicePrincipal, snapshot, spCluster, uai } from "../../test/factories.js";

const reg = registry();
const IMAGE = `${reg.loginServer}/shop/cart:5.0.1`;
const pull401 = failedEvent(acrPull401(IMAGE), { pod: "cart-5c8d", ns: "shop" });
const base = { clusters: [miCluster()], registries: [reg], events: [pull401] };
const AKS2_OBJ = "dddddddd-0000-4000-8000-000000000002";
const OLD_SP_OBJ = "bbbbbbbb-0000-4000-8000-0000000000a2";

ruleTester(rule, {
  invalid: [
    {
      name: "AcrPull on the cluster's control-plane identity (identity.principalId)",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(CONTROL_PLANE_OBJ, ACR_PULL, reg.id, { principalName: "aks1" })] }),
      findings: [{ code: "RBAC_WRONG_PRINCIPAL", severity: "error", subject: reg.id, message: /held by the cluster's control-plane identity .*but images are pulled by kubelet identity aks1-agentpool/, remediation: new RegExp(`--assignee-object-id ${KUBELET_OBJ} .*--role AcrPull`) }],
    },
    {
      name: "the kubelet client id used as if it were an object id",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_CLIENT, ACR_PULL, reg.id, { principalName: "" })] }),
      findings: [{ code: "RBAC_WRONG_PRINCIPAL", message: /client id used as if it were an object id/, remediation: /az role assignment delete --ids .*optional/ }],
    },
    {
      name: "another cluster's kubelet identity holds AcrPull (inherited from the resource group, upper-case id)",
      snapshot: snapshot({ ...base, userAssignedIdentities: [uai(), uai({ id: `/subscriptions/${SUB}/resourcegroups/MC_rg-aks_aks2_westeurope/providers/Microsoft.ManagedIdentity/userAssignedIdentities/aks2-agentpool`, name: "aks2-agentpool", clientId: "dddddddd-0000-4000-8000-000000000001", principalId: AKS2_OBJ })], roleAssignments: [assignment(AKS2_OBJ.toUpperCase(), ACR_PULL, `/subscriptions/${SUB}/resourceGroups/rg-registry`)] }),
      findings: [{ code: "RBAC_WRONG_PRINCIPAL", message: /aks2-agentpool, another cluster's kubelet identity/, remediation: /--role AcrPull/ }],
    },
    {
      name: "an earlier service principal with the same display name still holds AcrPull",
      snapshot: snapshot({ clusters: [spCluster()], registries: [reg], events: [pull401], servicePrincipals: [servicePrincipal(), servicePrincipal({ id: OLD_SP_OBJ, appId: "bbbbbbbb-0000-4000-8000-0000000000a1" })], roleAssignments: [assignment(OLD_SP_OBJ, ACR_PULL, reg.id)] }),
      findings: [{ code: "RBAC_WRONG_PRINCIPAL", message: new RegExp(`an earlier service principal with the same name.*service principal aks1-sp \\(appId ${SP_APP}\\)`), remediation: new RegExp(`--assignee-object-id ${SP_OBJ}`) }],
    },
  ],
  valid: [
    {
      name: "both the kubelet and the control-plane identity hold AcrPull: pulls work",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, reg.id), assignment(CONTROL_PLANE_OBJ, ACR_PULL, reg.id)] }),
    },
    {
      name: "an unrelated CI principal holds AcrPush: not a misdirected grant (RBAC_PULL_ROLE_MISSING instead)",
      snapshot: snapshot({ ...base, roleAssignments: [assignment("77777777-0000-4000-8000-000000000001", ACR_PUSH, reg.id, { principalName: "github-release" })] }),
    },
    {
      name: "control-plane identity holds AcrPull on a different registry only",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(CONTROL_PLANE_OBJ, ACR_PULL, registry({ name: "contosodev", resourceGroup: "rg-dev" }).id)] }),
    },
    {
      name: "role assignments forbidden: unknown",
      snapshot: snapshot({ ...base, roleAssignments: { status: "error", kind: "forbidden", message: "needs Microsoft.Authorization/roleAssignments/read" } }),
      expect: "unknown",
      reason: /roleAssignments: forbidden/,
    },
  ],
});
