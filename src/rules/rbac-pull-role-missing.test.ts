import rule from "./rbac-pull-role-missing.js";
import { ruleTester } from "../../test/rule-tester.js";
import { ACR_PULL, CONTRIBUTOR, KUBELET_OBJ, SUB, acrPull401, application, assignment, customRole, failedEvent, miCluster, registry, servicePrincipal, snapshot, spCluster, SP_OBJ } from "../../test/factories.js";

const reg = registry();
const IMAGE = `${reg.loginServer}/billing/api:1.4.2`;
const pull401 = failedEvent(acrPull401(IMAGE), { pod: "api-7d9f", ns: "billing" });
const RG = `/subscriptions/${SUB}/resourceGroups/rg-registry`;
const KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";
const KV = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.KeyVault/vaults/kv-billing`;
const base = { clusters: [miCluster()], registries: [reg], events: [pull401] };

ruleTester(rule, {
  invalid: [
    {
      name: "kubelet identity holds only a Key Vault role",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, KEY_VAULT_SECRETS_USER, KV, { roleDefinitionName: "Key Vault Secrets User" })] }),
      findings: [{ code: "RBAC_PULL_ROLE_MISSING", severity: "error", subject: reg.id, message: /holds no role that grants Microsoft\.ContainerRegistry\/registries\/pull\/read/, remediation: new RegExp(`az aks update .*--attach-acr ${reg.id.replace(/[.]/g, "\\.")}`) }],
    },
    {
      name: "a custom role at the registry whose notActions remove pull/read grants nothing",
      snapshot: snapshot({
        ...base,
        roleDefinitions: [customRole("0f0f0f0f-1111-4222-8333-444444444444", "Registry Operator", ["Microsoft.ContainerRegistry/registries/*"], { permissions: [{ actions: ["Microsoft.ContainerRegistry/registries/*"], notActions: ["Microsoft.ContainerRegistry/registries/pull/read"], dataActions: [], notDataActions: [] }] })],
        roleAssignments: [assignment(KUBELET_OBJ, "0f0f0f0f-1111-4222-8333-444444444444", reg.id)],
      }),
      findings: [{ code: "RBAC_PULL_ROLE_MISSING", message: /holds no role/, remediation: new RegExp(`--assignee-object-id ${KUBELET_OBJ} .*--role AcrPull`) }],
    },
    {
      name: "ABAC registry with no role at all asks for Container Registry Repository Reader",
      snapshot: snapshot({ ...base, registries: [registry({ roleAssignmentMode: "AbacRepositoryPermissions" })], roleAssignments: [] }),
      findings: [{ code: "RBAC_PULL_ROLE_MISSING", message: /repository content read/, remediation: /--role 'Container Registry Repository Reader'/ }],
    },
    {
      name: "only a group holds AcrPull: reported with the group named, as group membership is unknown",
      snapshot: snapshot({ ...base, roleAssignments: [assignment("99999999-0000-4000-8000-000000000001", ACR_PULL, reg.id, { principalType: "Group", principalName: "aks-nodes" })] }),
      findings: [{ code: "RBAC_PULL_ROLE_MISSING", message: /Group assignments cover the registry \(aks-nodes \(AcrPull\)\)/, remediation: /--attach-acr/ }],
    },
    {
      name: "the service principal's secret has expired as well: the RBAC gap drops to a warning",
      snapshot: snapshot({ clusters: [spCluster()], registries: [reg], events: [pull401], servicePrincipals: [servicePrincipal()], applications: [application(["2026-10-31T00:00:00Z"])], roleAssignments: [] }),
      findings: [{ code: "RBAC_PULL_ROLE_MISSING", severity: "warning", subject: reg.id, message: /Pulls fail first because of the identity problem/, remediation: new RegExp(`--assignee-object-id ${SP_OBJ}`) }],
    },
  ],
  valid: [
    {
      name: "AcrPull at the registry; az prints resourcegroups in lower case",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, reg.id.replace("resourceGroups", "resourcegroups").replace("contosoacr", "CONTOSOACR"))] }),
      expect: "pass",
    },
    {
      name: "AcrPull inherited from the registry's resource group",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, RG)] }),
      expect: "pass",
    },
    {
      name: "Contributor inherited from a management group",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, CONTRIBUTOR, "/providers/Microsoft.Management/managementGroups/platform")] }),
      expect: "pass",
    },
    {
      name: "a custom role with a wildcard action at subscription scope grants pull",
      snapshot: snapshot({ ...base, roleDefinitions: [customRole("0e0e0e0e-1111-4222-8333-444444444444", "Registry Reader", ["Microsoft.ContainerRegistry/registries/*/read"])], roleAssignments: [assignment(KUBELET_OBJ, "0e0e0e0e-1111-4222-8333-444444444444", `/subscriptions/${SUB}`)] }),
      expect: "pass",
    },
    {
      name: "the role definition id's GUID in upper case (raw ARM) still resolves AcrPull",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL.toUpperCase(), reg.id, { principalName: undefined })] }),
      expect: "pass",
    },
    {
      name: "anonymous pull is enabled",
      snapshot: snapshot({ ...base, registries: [registry({ anonymousPullEnabled: true })], roleAssignments: [] }),
      expect: "pass",
    },
    {
      name: "AcrPull on another registry is RBAC_SCOPE_MISMATCH's finding, not this one",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, registry({ name: "contosodev", resourceGroup: "rg-dev" }).id)] }),
    },
    {
      name: "AcrPull on the control-plane identity is RBAC_WRONG_PRINCIPAL's finding",
      snapshot: snapshot({ ...base, roleAssignments: [assignment("aaaaaaaa-0000-4000-8000-000000000003", ACR_PULL, reg.id)] }),
    },
    {
      name: "ABAC registry with AcrPull only is the ABAC rule's finding",
      snapshot: snapshot({ ...base, registries: [registry({ roleAssignmentMode: "AbacRepositoryPermissions" })], roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, reg.id)] }),
    },
    {
      name: "a custom role whose definition is not in the evidence: unknown",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, "12121212-1111-4222-8333-444444444444", reg.id, { roleDefinitionName: "Platform Image Puller" })] }),
      expect: "unknown",
      reason: /Platform Image Puller are not in the evidence/,
    },
    {
      name: "the kubelet object id cannot be derived: unknown",
      snapshot: snapshot({ ...base, clusters: [miCluster({ kubeletIdentity: { clientId: "aaaaaaaa-0000-4000-8000-000000000002" } })], roleAssignments: [] }),
      expect: "unknown",
      reason: /object id is not in the evidence/,
    },
    {
      name: "role assignments could not be read (403): unknown with the reason",
      snapshot: snapshot({ ...base, roleAssignments: { status: "error", kind: "forbidden", message: "needs Microsoft.Authorization/roleAssignments/read" } }),
      expect: "unknown",
      reason: /roleAssignments: forbidden: needs Microsoft\.Authorization\/roleAssignments\/read/,
    },
  ],
});
