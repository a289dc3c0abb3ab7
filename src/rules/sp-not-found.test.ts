import rule from "./sp-not-found.js";
import { ruleTester } from "../../test/rule-tester.js";
import { SP_APP, SP_OBJ, acrPull401, failedEvent, lookup, miCluster, servicePrincipal, snapshot, spCluster } from "../../test/factories.js";

const TENANT = "5f0c8e1a-3b7d-4c2e-9a61-0d4b7e2f9c13";
const OTHER_APP = "d3c1a9e4-7b2f-4e08-9c5a-61f0b8e2a7d4";

// What the cloud provider logs when its service principal cannot sign in (azidentity wording, invented ids).
function signInFailure(aadsts: string): string {
  return `Error syncing load balancer: failed to ensure load balancer: ClientSecretCredential authentication failed. \nPOST https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token\n--------------------------------------------------------------------------------\nRESPONSE 400 Bad Request\n--------------------------------------------------------------------------------\n{"error":"unauthorized_client","error_description":"${aadsts} Trace ID: 4b1f7c0e-2d9a-4e61-8f35-a7c2e9d04b18 Correlation ID: 9e3d2a71-c4b8-4f0e-a156-2b7d8c9e0f34 Timestamp: 2026-11-27 09:12:44Z","error_codes":[700016]}\n--------------------------------------------------------------------------------`;
}
const lbEvent = (msg: string) => failedEvent(msg, { reason: "SyncLoadBalancerFailed", involvedObject: { kind: "Service", name: "ingress-nginx-controller", namespace: "ingress" } });
const notFoundText = (appId: string) => `AADSTS700016: Application with identifier '${appId}' was not found in the directory '${TENANT}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`;
const pull401 = failedEvent(acrPull401("contosoacr.azurecr.io/billing/api:1.4.2", "oauth"), { pod: "api-7d9f", ns: "billing" });

ruleTester(rule, {
  invalid: [
    {
      name: "Graph returns 404 for the cluster's app id and no service principal is in the evidence",
      snapshot: snapshot({ clusters: [spCluster()], directoryLookups: [lookup(SP_APP, false, { idKind: "appId" })], events: [pull401] }),
      findings: [{ code: "SP_NOT_FOUND", severity: "error", subject: /managedClusters\/aks1$/, message: /no longer exists in Entra ID/, remediation: /az aks update-credentials .*--reset-service-principal/ }],
    },
    {
      name: "AADSTS700016 naming the cluster's app id, without any Graph lookup",
      snapshot: snapshot({ clusters: [spCluster()], events: [lbEvent(signInFailure(notFoundText(SP_APP))), pull401] }),
      findings: [{ code: "SP_NOT_FOUND", message: new RegExp(SP_APP), remediation: /--enable-managed-identity/ }],
    },
    {
      name: "app id written in upper case on the cluster still matches the lower-case lookup",
      snapshot: snapshot({ clusters: [spCluster({ servicePrincipalClientId: SP_APP.toUpperCase() })], directoryLookups: [lookup(SP_APP, false, { idKind: "appId" })] }),
      findings: [{ code: "SP_NOT_FOUND", message: /no longer exists/ }],
    },
    {
      name: "an empty Graph $filter result (no id) when nothing else describes the service principal",
      snapshot: snapshot({ clusters: [spCluster()], directoryLookups: [lookup("", false, { idKind: "appId", message: "servicePrincipals?$filter=appId eq '...' returned an empty value list" })] }),
      findings: [{ code: "SP_NOT_FOUND", subject: /aks1$/, message: /no longer exists/, remediation: /az ad sp create-for-rbac/ }],
    },
  ],
  valid: [
    {
      name: "the service principal is in the evidence: it exists",
      snapshot: snapshot({ clusters: [spCluster()], servicePrincipals: [servicePrincipal()] }),
      expect: "pass",
    },
    {
      name: "the service principal exists even though a stale lookup of an older object id 404s",
      snapshot: snapshot({ clusters: [spCluster()], servicePrincipals: [servicePrincipal()], directoryLookups: [lookup(SP_OBJ.replace("0002", "0009"), false)] }),
      expect: "pass",
    },
    {
      name: "AADSTS700016 for another application (an add-on's own service principal) is not the cluster's",
      snapshot: snapshot({ clusters: [spCluster()], events: [lbEvent(signInFailure(notFoundText(OTHER_APP)))] }),
    },
    {
      name: "a managed-identity cluster has no service principal to lose",
      snapshot: snapshot({ clusters: [miCluster()], directoryLookups: [lookup(SP_APP, false, { idKind: "appId" })] }),
    },
    {
      name: "the cluster could not be read: unknown, not a guess",
      snapshot: snapshot({ clusters: { status: "error", kind: "forbidden", message: "AuthorizationFailed: does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/read'" }, registries: [] }, { targets: { images: ["contosoacr.azurecr.io/billing/api:1.4.2"], registries: [] } }),
      expect: "unknown",
      reason: /clusters: forbidden/,
    },
  ],
});
