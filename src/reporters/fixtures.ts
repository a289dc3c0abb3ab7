// Small Report factories for the reporter tests. Reports are built the way the engine builds them:
// category from the code's CAUSES entry, summary counted from the lists.

import { CAUSES, type CauseCode } from "../codes/causes.js";
import { REPORT_SCHEMA_VERSION, type Finding, type Passed, type Report, type Unknown } from "../engine/types.js";

export const CLUSTER_ID = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod";
export const REGISTRY_ID = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-acr/providers/Microsoft.ContainerRegistry/registries/acrprod";
export const IMAGE = "acrprod.azurecr.io/shop/api:1.4.2";

type FindingInput = Partial<Omit<Finding, "code" | "category">> & { code: CauseCode };

export function makeFinding(input: FindingInput): Finding {
  const cause = CAUSES[input.code];
  return {
    severity: cause.severity,
    stage: "identity",
    rule: input.code.toLowerCase().replace(/_/g, "-"),
    title: cause.meaning,
    message: cause.meaning,
    subject: CLUSTER_ID,
    evidence: [],
    remediation: [],
    ...input,
    category: cause.category,
  };
}

export function makeReport(parts: { findings?: Finding[]; unknown?: Unknown[]; passed?: Passed[] } = {}): Report {
  const findings = parts.findings ?? [];
  const unknown = parts.unknown ?? [];
  const passed = parts.passed ?? [];
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: "pulldoctor", version: "0.1.0" },
    generatedAt: "2025-06-01T12:00:00.000Z",
    subjects: { clusters: [CLUSTER_ID], registries: [REGISTRY_ID], images: [IMAGE, "docker.io/library/nginx:1.27"] },
    findings,
    unknown,
    passed,
    inputs: {
      kind: "evidence",
      location: "./evidence/aks-prod",
      files: [
        { file: "aks.json", status: "ok", kinds: ["cluster"] },
        { file: "acr.json", status: "ok", kinds: ["registries"] },
        { file: "notes.txt", status: "ignored", kinds: [], reason: "not JSON" },
      ],
    },
    summary: {
      errors: findings.filter((f) => f.severity === "error").length,
      warnings: findings.filter((f) => f.severity === "warning").length,
      infos: findings.filter((f) => f.severity === "info").length,
      unknown: unknown.length,
      passed: passed.length,
    },
  };
}

/**
 * Findings in several stages, deliberately NOT in flow order (network before identity, a warning before an
 * error of the same stage), evidence with and without `expected`, a multi-command fix, unknowns and passes.
 * Counts: 3 errors, 2 warnings, 1 info, 2 unknown, 3 passed.
 */
export function failingReport(): Report {
  return makeReport({
    findings: [
      makeFinding({
        code: "NET_FIREWALL_DENIES_CLUSTER",
        stage: "network",
        title: "Registry firewall denies the cluster's egress IP",
        message:
          "The registry acrprod denies public network access by default and allows 203.0.113.0/24, which does not contain the cluster's outbound IP 198.51.100.7. Every pull from this cluster is refused with 403 before authentication is even attempted.",
        subject: REGISTRY_ID,
        evidence: [
          { source: "acr.json", path: "$[0].networkRuleSet.defaultAction", observed: "Deny" },
          {
            source: "acr.json",
            path: "$[0].networkRuleSet.ipRules[*].ipAddressOrRange",
            observed: "203.0.113.0/24",
            expected: "a range containing 198.51.100.7",
          },
        ],
        remediation: ["az acr network-rule add --name acrprod --ip-address 198.51.100.7"],
        docs: "https://pulldoctor.dev/rules/net-firewall-denies-cluster",
      }),
      makeFinding({
        code: "RBAC_OVERPRIVILEGED",
        stage: "rbac",
        title: "Kubelet identity holds Contributor on the registry",
        message: "The kubelet identity only needs AcrPull.",
        subject: REGISTRY_ID,
        evidence: [{ source: "role-assignments.json", path: "$[3].roleDefinitionName", observed: "Contributor", expected: "AcrPull" }],
        remediation: ["az role assignment delete --ids /subscriptions/0001/providers/Microsoft.Authorization/roleAssignments/abc"],
      }),
      makeFinding({
        code: "RBAC_PULL_ROLE_MISSING",
        stage: "rbac",
        title: "Kubelet identity cannot pull from acrprod",
        message: "No role assignment grants registries/pull/read to the kubelet identity at any scope containing acrprod.",
        subject: REGISTRY_ID,
        evidence: [{ source: "role-assignments.json", path: "$[*].principalId", observed: "(none for 1111-2222)" }],
        remediation: [
          "az role assignment create --assignee 1111-2222 --role AcrPull --scope " + REGISTRY_ID,
          "kubectl rollout restart deployment/api -n shop",
        ],
        confidence: "high",
      }),
      makeFinding({
        code: "SP_SECRET_EXPIRED",
        stage: "identity",
        title: "The cluster's service principal secret has expired",
        message: "Every client secret of the service principal expired.",
        subject: CLUSTER_ID,
        evidence: [
          {
            source: "graph/sp.json",
            path: "$.passwordCredentials[0].endDateTime",
            observed: "2025-01-01T00:00:00Z",
            expected: "a date after 2025-06-01T12:00:00.000Z",
          },
        ],
        remediation: [
          "SECRET=$(az ad sp credential reset --id 3333-4444 --query password -o tsv)",
          "az aks update-credentials -g rg-prod -n aks-prod --reset-service-principal --service-principal 3333-4444 --client-secret \"$SECRET\"",
        ],
      }),
      makeFinding({
        code: "CFG_ANONYMOUS_PULL_ENABLED",
        stage: "registry",
        title: "Anonymous pull is enabled",
        message: "Anyone can pull from acrprod.",
        subject: REGISTRY_ID,
        evidence: [{ source: "acr.json", path: "$[0].anonymousPullEnabled", observed: "true" }],
        remediation: ["az acr update --name acrprod --anonymous-pull-enabled false"],
      }),
      makeFinding({
        code: "SP_SECRET_EXPIRING",
        stage: "identity",
        title: "Another credential expires soon",
        message: "A certificate expires in 12 days.",
        subject: CLUSTER_ID,
        evidence: [{ source: "graph/sp.json", path: "$.keyCredentials[0].endDateTime", observed: "2025-06-13T00:00:00Z" }],
        remediation: [],
      }),
    ],
    unknown: [
      {
        check: "Private DNS resolution of acrprod",
        rule: "net-private-dns-misconfigured",
        stage: "network",
        subject: REGISTRY_ID,
        reason: "403 reading private DNS zones: needs Microsoft.Network/privateDnsZones/read",
      },
      {
        check: "Node identity matches kubelet identity",
        rule: "mi-client-id-mismatch",
        stage: "identity",
        reason: "no node-side probe result in the evidence",
      },
    ],
    passed: [
      { check: "Registry exists", rule: "cfg-registry-not-found", stage: "registry", subject: REGISTRY_ID, message: "acrprod exists in rg-acr." },
      { check: "Image reference is valid", rule: "img-invalid-reference", stage: "image", subject: IMAGE, message: "The reference parses." },
      { check: "Admin user disabled", rule: "cfg-admin-user-enabled", stage: "registry", message: "adminUserEnabled is false." },
    ],
  });
}

/** Nothing wrong, nothing unknown: 0 findings, 0 unknown, 2 passed. */
export function healthyReport(): Report {
  return makeReport({
    passed: [
      { check: "Kubelet identity can pull", rule: "rbac-pull-role-missing", stage: "rbac", subject: REGISTRY_ID, message: "AcrPull at the registry scope." },
      { check: "Registry reachable", rule: "net-egress-blocked", stage: "network", subject: "acrprod.azurecr.io", message: "443 open." },
    ],
  });
}
