import rule from "./rbac-abac-mode-needs-repository-role.js";
import { ruleTester } from "../../test/rule-tester.js";
import { ACR_PULL, ACR_PUSH, KUBELET_OBJ, OWNER, REPO_READER, SUB, acrPull401, assignment, failedEvent, lookup, miCluster, registry, snapshot } from "../../test/factories.js";

const abacReg = registry({ roleAssignmentMode: "AbacRepositoryPermissions" });
const legacyReg = registry();
const IMAGE = `${abacReg.loginServer}/warehouse/picker:7.2.0`;
const pull401 = failedEvent(acrPull401(IMAGE), { pod: "picker-1", ns: "warehouse" });
const base = { clusters: [miCluster()], registries: [abacReg], events: [pull401] };

ruleTester(rule, {
  invalid: [
    {
      name: "ABAC registry, kubelet identity holds only AcrPull",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, abacReg.id, { roleDefinitionName: "AcrPull" })] }),
      findings: [{ code: "RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE", severity: "error", subject: abacReg.id, message: /roleAssignmentMode AbacRepositoryPermissions.*holds only AcrPull/, remediation: new RegExp(`--assignee-object-id ${KUBELET_OBJ} .*--role 'Container Registry Repository Reader' --scope ${abacReg.id.replace(/[.]/g, "\\.")}`) }],
    },
    {
      name: "Owner at subscription scope grants no data-plane access in ABAC mode",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, OWNER, `/subscriptions/${SUB}`)] }),
      findings: [{ code: "RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE", message: /holds only Owner/, remediation: /Container Registry Repository Reader/ }],
    },
    {
      name: "mode spelled in lower case, AcrPush inherited from the resource group",
      snapshot: snapshot({ ...base, registries: [registry({ roleAssignmentMode: "abacrepositorypermissions" })], roleAssignments: [assignment(KUBELET_OBJ, ACR_PUSH, `/subscriptions/${SUB}/resourcegroups/RG-REGISTRY`)] }),
      findings: [{ code: "RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE", message: /AcrPush/, remediation: /Repository Reader/ }],
    },
    {
      name: "identity broken as well: warning",
      snapshot: snapshot({ ...base, directoryLookups: [lookup(KUBELET_OBJ, false)], roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, abacReg.id)] }),
      findings: [{ code: "RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE", severity: "warning", message: /identity problem/, remediation: /Repository Reader/ }],
    },
  ],
  valid: [
    {
      name: "ABAC registry with Container Registry Repository Reader (no condition)",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, abacReg.id), assignment(KUBELET_OBJ, REPO_READER, abacReg.id)] }),
    },
    {
      name: "legacy registry with AcrPull",
      snapshot: snapshot({ ...base, registries: [legacyReg], roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, legacyReg.id)] }),
    },
    {
      name: "ABAC registry and no role at all: RBAC_PULL_ROLE_MISSING, not this",
      snapshot: snapshot({ ...base, roleAssignments: [] }),
    },
    {
      name: "AcrPull on an ABAC registry elsewhere (another registry) is not a mode problem",
      snapshot: snapshot({ ...base, roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, registry({ name: "contosodev", resourceGroup: "rg-dev" }).id)] }),
    },
    {
      name: "role assignments missing: unknown",
      snapshot: snapshot({ ...base, roleAssignments: { status: "skipped", reason: "not requested (--skip rbac)" } }),
      expect: "unknown",
      reason: /not requested/,
    },
  ],
});
