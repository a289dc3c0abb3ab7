import rule from "./rbac-condition-excludes-repository.js";
import { ruleTester } from "../../test/rule-tester.js";
import { ACR_PULL, KUBELET_OBJ, REPO_READER, acrPull401, assignment, failedEvent, miCluster, registry, snapshot, pod } from "../../test/factories.js";

const reg = registry({ roleAssignmentMode: "AbacRepositoryPermissions" });
const READ_ACTIONS = "!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})";
const cond = (test: string) => `((${READ_ACTIONS}) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] ${test}))`;
const pulling = (repo: string) => {
  const image = `${reg.loginServer}/${repo}:1.0.0`;
  return { pods: [pod({ image, namespace: "apps", name: "app-0" })], events: [failedEvent(acrPull401(image), { pod: "app-0", ns: "apps" })] };
};
const reader = (condition: string) => assignment(KUBELET_OBJ, REPO_READER, reg.id, { roleDefinitionName: "Container Registry Repository Reader", condition, conditionVersion: "2.0" });
const base = { clusters: [miCluster()], registries: [reg] };

ruleTester(rule, {
  invalid: [
    {
      name: "StringStartsWithIgnoreCase 'warehouse/' while the workload pulls billing/api",
      snapshot: snapshot({ ...base, ...pulling("billing/api"), roleAssignments: [reader(cond("StringStartsWithIgnoreCase 'warehouse/'"))] }),
      findings: [{ code: "RBAC_CONDITION_EXCLUDES_REPOSITORY", severity: "error", subject: reg.id, message: /matching warehouse\/\* on contosoacr, but the workloads pull billing\/api/, remediation: /--condition-version 2\.0 --condition .*StringEqualsIgnoreCase 'billing\/api'/ }],
    },
    {
      name: "StringEquals is case-sensitive: 'Billing/API' does not cover billing/api",
      snapshot: snapshot({ ...base, ...pulling("billing/api"), roleAssignments: [reader(cond("StringEquals 'Billing/API'"))] }),
      findings: [{ code: "RBAC_CONDITION_EXCLUDES_REPOSITORY", message: /Billing\/API/, remediation: /Container Registry Repository Reader/ }],
    },
    {
      name: "StringLike 'frontend/*' does not cover frontend (the bare repository)",
      snapshot: snapshot({ ...base, ...pulling("frontend"), roleAssignments: [reader(cond("StringLike 'frontend/*'"))] }),
      findings: [{ code: "RBAC_CONDITION_EXCLUDES_REPOSITORY", message: /workloads pull frontend\./, remediation: /'frontend'/ }],
    },
    {
      name: "a list of allowed repositories that misses the pulled one",
      snapshot: snapshot({ ...base, ...pulling("team/app2"), roleAssignments: [reader(cond("ForAnyOfAnyValues:StringEqualsIgnoreCase {'team/app', 'team/worker'}"))] }),
      findings: [{ code: "RBAC_CONDITION_EXCLUDES_REPOSITORY", message: /team\/app, team\/worker/, remediation: /team\/app2/ }],
    },
  ],
  valid: [
    {
      name: "StringStartsWithIgnoreCase covers the repository regardless of case",
      snapshot: snapshot({ ...base, ...pulling("billing/api"), roleAssignments: [reader(cond("StringStartsWithIgnoreCase 'BILLING/'"))] }),
    },
    {
      name: "one unconditional Repository Reader besides the narrow one grants everything",
      snapshot: snapshot({ ...base, ...pulling("billing/api"), roleAssignments: [reader(cond("StringStartsWithIgnoreCase 'warehouse/'")), assignment(KUBELET_OBJ, REPO_READER, reg.id)] }),
    },
    {
      name: "no workload pulls from the registry, so no repository is known: unknown, not excluded",
      snapshot: snapshot({ ...base, roleAssignments: [reader(cond("StringStartsWithIgnoreCase 'warehouse/'"))] }),
      expect: "unknown",
      reason: /no repository is known/,
    },
    {
      name: "an operator the evaluator does not model: unknown, never a guessed exclusion",
      snapshot: snapshot({ ...base, ...pulling("billing/api"), roleAssignments: [reader(cond("NumericLessThan '3'"))] }),
      expect: "unknown",
      reason: /could not be evaluated/,
    },
    {
      name: "AcrPull only (no condition) on the ABAC registry is the ABAC-mode rule's finding, not a condition",
      snapshot: snapshot({ ...base, ...pulling("billing/api"), roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, reg.id)] }),
    },
  ],
});
