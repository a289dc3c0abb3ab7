import rule from "./rbac-push-role-missing.js";
import { ruleTester } from "../../test/rule-tester.js";
import { ACR_PULL, ACR_PUSH, CONTRIBUTOR, OWNER, REPO_READER, SUB, assignment, customRole, deny, registry, servicePrincipal, snapshot } from "../../test/factories.js";
import type { AccessQuestion } from "../snapshot/types.js";

const reg = registry({ resourceGroup: "rg10" });
const CI_APP = "44444444-0000-4000-8000-000000000001";
const CI_OBJ = "44444444-0000-4000-8000-000000000002";
const ciSp = servicePrincipal({ id: CI_OBJ, appId: CI_APP, displayName: "github-release" });
const ask = (o: Partial<AccessQuestion> = {}): { targets: { images: string[]; registries: string[]; access: AccessQuestion[] } } => ({ targets: { images: [], registries: [], access: [{ principal: CI_APP, action: "push", registry: reg.name, ...o }] } });
const base = { registries: [reg], servicePrincipals: [ciSp] };
const WRITER = "2a1e307c-b015-4ebd-883e-5b7698a07328";

ruleTester(rule, {
  invalid: [
    {
      name: "the CI principal (asked by app id) holds only AcrPull",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(CI_OBJ, ACR_PULL, reg.id)] }, ask()),
      findings: [{ code: "RBAC_PUSH_ROLE_MISSING", severity: "error", subject: reg.id, message: /\(service principal github-release\) cannot push to contosoacr\.azurecr\.io: it holds no role that grants push/, remediation: new RegExp(`--assignee-object-id ${CI_OBJ} .*--role AcrPush --scope ${reg.id.replace(/[.]/g, "\\.")}`) }],
    },
    {
      name: "AcrPush on resource group rg1 does not reach the registry in rg10",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(CI_OBJ, ACR_PUSH, `/subscriptions/${SUB}/resourceGroups/rg1`)] }, ask({ registry: reg.loginServer })),
      findings: [{ code: "RBAC_PUSH_ROLE_MISSING", message: /scopes that do not contain the registry \(.*resourceGroups\/rg1\)/, remediation: /--role AcrPush/ }],
    },
    {
      name: "ABAC registry: AcrPush is not honoured, Repository Writer is the fix",
      snapshot: snapshot({ ...base, registries: [registry({ resourceGroup: "rg10", roleAssignmentMode: "AbacRepositoryPermissions" })], roleAssignments: [assignment(CI_OBJ, ACR_PUSH, reg.id)] }, ask({ repository: "release/api" })),
      findings: [{ code: "RBAC_PUSH_ROLE_MISSING", message: /ABAC repository permissions and AcrPush is not honoured/, remediation: /--role 'Container Registry Repository Writer'/ }],
    },
    {
      name: "a custom role on Microsoft.ContainerRegistry/* whose notActions remove push/write",
      snapshot: snapshot({ ...base, roleDefinitions: [customRole("0d0d0d0d-1111-4222-8333-444444444444", "Registry Operator (no push)", ["Microsoft.ContainerRegistry/*"], { permissions: [{ actions: ["Microsoft.ContainerRegistry/*"], notActions: ["Microsoft.ContainerRegistry/registries/push/write"], dataActions: [], notDataActions: [] }] })], roleAssignments: [assignment(CI_OBJ, "0d0d0d0d-1111-4222-8333-444444444444", reg.id)] }, ask()),
      findings: [{ code: "RBAC_PUSH_ROLE_MISSING", message: /holds no role that grants push/, remediation: /AcrPush/ }],
    },
    {
      name: "a deny assignment on push/write overrides AcrPush",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(CI_OBJ, ACR_PUSH, reg.id)], denyAssignments: [deny(reg.id, { name: "freeze", permissions: [{ actions: ["Microsoft.ContainerRegistry/registries/push/write"], notActions: [], dataActions: [], notDataActions: [] }] })] }, ask()),
      findings: [{ code: "RBAC_PUSH_ROLE_MISSING", message: /deny assignment freeze/, remediation: /AcrPush/ }],
    },
  ],
  valid: [
    {
      name: "AcrPush inherited from the registry's resource group (lower-case resourcegroups)",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(CI_OBJ, ACR_PUSH, `/subscriptions/${SUB}/resourcegroups/RG10`)] }, ask()),
      expect: "pass",
    },
    {
      name: "Contributor: its notActions touch only Microsoft.Authorization, push stays",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(CI_OBJ, CONTRIBUTOR, `/subscriptions/${SUB}`)] }, ask({ principal: CI_OBJ.toUpperCase() })),
      expect: "pass",
    },
    {
      name: "ABAC registry with Container Registry Repository Writer",
      snapshot: snapshot({ ...base, registries: [registry({ resourceGroup: "rg10", roleAssignmentMode: "AbacRepositoryPermissions" })], roleAssignments: [assignment(CI_OBJ, WRITER, reg.id)] }, ask({ repository: "release/api" })),
      expect: "pass",
    },
    {
      name: "a pull question is not this rule's business",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(CI_OBJ, REPO_READER, reg.id), assignment(CI_OBJ, OWNER, "/providers/Microsoft.Management/managementGroups/x")] }, ask({ action: "pull" })),
    },
    {
      name: "the registry asked about is not in the evidence: unknown",
      snapshot: snapshot({ ...base, roleAssignments: [] }, ask({ registry: "fabrikamacr" })),
      expect: "unknown",
      reason: /registry fabrikamacr is not in the evidence \(az acr show -n fabrikamacr/,
    },
    {
      name: "role assignments not readable: unknown",
      snapshot: snapshot({ ...base, roleAssignments: { status: "error", kind: "forbidden", message: "needs Microsoft.Authorization/roleAssignments/read" } }, ask()),
      expect: "unknown",
      reason: /roleAssignments: forbidden/,
    },
  ],
});
