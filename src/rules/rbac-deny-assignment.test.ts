import rule from "./rbac-deny-assignment.js";
import { ruleTester } from "../../test/rule-tester.js";
import { ACR_PULL, KUBELET_OBJ, SUB, acrPull401, assignment, deny, failedEvent, lookup, miCluster, registry, snapshot } from "../../test/factories.js";

const reg = registry({ resourceGroup: "rg10" });
const RG = `/subscriptions/${SUB}/resourceGroups/rg10`;
const IMAGE = `${reg.loginServer}/release/api:2.0.0`;
const pull401 = failedEvent(acrPull401(IMAGE), { pod: "api-0", ns: "release" });
const PIPELINE_SP = "66666666-0000-4000-8000-000000000001";
const base = { clusters: [miCluster()], registries: [reg], events: [pull401], roleAssignments: [assignment(KUBELET_OBJ, ACR_PULL, reg.id)] };
const pullOnly = [{ actions: ["Microsoft.ContainerRegistry/registries/pull/read"], notActions: [], dataActions: [], notDataActions: [] }];

ruleTester(rule, {
  invalid: [
    {
      name: "deny for Everyone at the resource group, excluding only the release pipeline",
      snapshot: snapshot({ ...base, denyAssignments: [deny(RG, { name: "release-lockdown", excludePrincipals: [{ id: PIPELINE_SP, type: "ServicePrincipal" }] })] }),
      findings: [{ code: "RBAC_DENY_ASSIGNMENT", severity: "error", subject: reg.id, message: /holds AcrPull on the registry, but the deny assignment at .*rg10 denies pull to everyone/, remediation: /az rest --method get --url "https:\/\/management\.azure\.com\/subscriptions\/.*denyAssignments\/d1\?api-version=2022-04-01"/ }],
    },
    {
      name: "a wildcard action denied to this principal at subscription scope (scope casing differs)",
      snapshot: snapshot({ ...base, denyAssignments: [deny(`/SUBSCRIPTIONS/${SUB.toUpperCase()}`, { principals: [{ id: KUBELET_OBJ.toUpperCase(), type: "ServicePrincipal" }], permissions: [{ actions: ["Microsoft.ContainerRegistry/registries/*/read"], notActions: [], dataActions: [], notDataActions: [] }] })] }),
      findings: [{ code: "RBAC_DENY_ASSIGNMENT", message: /denies pull to this principal/, remediation: /deny-settings-excluded-principals/ }],
    },
    {
      name: "deny on the registry itself with doNotApplyToChildScopes still applies to the registry",
      snapshot: snapshot({ ...base, denyAssignments: [deny(reg.id, { doNotApplyToChildScopes: true })] }),
      findings: [{ code: "RBAC_DENY_ASSIGNMENT", message: /deny assignments override role assignments/, remediation: /az stack group list --resource-group rg10/ }],
    },
    {
      name: "the identity is broken too: warning",
      snapshot: snapshot({ ...base, directoryLookups: [lookup(KUBELET_OBJ, false)], denyAssignments: [deny(RG)] }),
      findings: [{ code: "RBAC_DENY_ASSIGNMENT", severity: "warning", message: /identity problem/, remediation: /az rest/ }],
    },
  ],
  valid: [
    {
      name: "the deny excludes the kubelet identity",
      snapshot: snapshot({ ...base, denyAssignments: [deny(RG, { excludePrincipals: [{ id: KUBELET_OBJ.toUpperCase(), type: "ServicePrincipal" }] })] }),
      expect: "pass",
    },
    {
      name: "doNotApplyToChildScopes at the resource group leaves the registry alone",
      snapshot: snapshot({ ...base, denyAssignments: [deny(RG, { doNotApplyToChildScopes: true })] }),
      expect: "pass",
    },
    {
      name: "a deny on rg1 does not reach a registry in rg10",
      snapshot: snapshot({ ...base, denyAssignments: [deny(`/subscriptions/${SUB}/resourceGroups/rg1`)] }),
      expect: "pass",
    },
    {
      name: "a deny of push only does not block pull",
      snapshot: snapshot({ ...base, denyAssignments: [deny(RG, { permissions: [{ actions: ["Microsoft.ContainerRegistry/registries/push/write"], notActions: [], dataActions: [], notDataActions: [] }] })] }),
      expect: "pass",
    },
    {
      name: "a deny of Microsoft.ContainerRegistry/* whose notActions keep pull/read open",
      snapshot: snapshot({ ...base, denyAssignments: [deny(RG, { permissions: [{ actions: ["Microsoft.ContainerRegistry/*"], notActions: ["Microsoft.ContainerRegistry/registries/pull/read"], dataActions: [], notDataActions: [] }] })] }),
      expect: "pass",
    },
    {
      name: "deny assignments not collected: unknown",
      snapshot: snapshot({ ...base }),
      expect: "unknown",
      reason: /denyAssignments: no denyAssignments in test/,
    },
    {
      name: "a deny for another principal only",
      snapshot: snapshot({ ...base, denyAssignments: [deny(RG, { principals: [{ id: PIPELINE_SP, type: "ServicePrincipal" }], permissions: pullOnly })] }),
      expect: "pass",
    },
  ],
});
