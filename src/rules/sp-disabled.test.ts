import rule from "./sp-disabled.js";
import { ruleTester } from "../../test/rule-tester.js";
import { SP_APP, acrPull401, failedEvent, miCluster, servicePrincipal, snapshot, spCluster } from "../../test/factories.js";

const TENANT = "5f0c8e1a-3b7d-4c2e-9a61-0d4b7e2f9c13";
const OTHER_APP = "d3c1a9e4-7b2f-4e08-9c5a-61f0b8e2a7d4";

function signInFailure(aadsts: string): string {
  return `Error syncing load balancer: failed to ensure load balancer: ClientSecretCredential authentication failed. \nPOST https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token\n--------------------------------------------------------------------------------\nRESPONSE 400 Bad Request\n--------------------------------------------------------------------------------\n{"error":"unauthorized_client","error_description":"${aadsts} Trace ID: 4b1f7c0e-2d9a-4e61-8f35-a7c2e9d04b18 Correlation ID: 9e3d2a71-c4b8-4f0e-a156-2b7d8c9e0f34 Timestamp: 2026-11-23 22:45:30Z","error_codes":[7000112]}\n--------------------------------------------------------------------------------`;
}
const lbEvent = (msg: string) => failedEvent(msg, { reason: "SyncLoadBalancerFailed", involvedObject: { kind: "Service", name: "ingress-nginx-controller", namespace: "ingress" } });
const pull401 = failedEvent(acrPull401("contosoacr.azurecr.io/analytics/spark:3.5.2", "oauth"), { pod: "spark-0", ns: "analytics" });

ruleTester(rule, {
  invalid: [
    {
      name: "Graph shows accountEnabled false",
      snapshot: snapshot({ clusters: [spCluster()], servicePrincipals: [servicePrincipal({ accountEnabled: false })], events: [pull401] }),
      findings: [{ code: "SP_DISABLED", severity: "error", subject: /managedClusters\/aks1$/, message: /is disabled \(accountEnabled false\)/, remediation: new RegExp(`az ad sp update --id ${SP_APP} --set accountEnabled=true`) }],
    },
    {
      name: "AADSTS7000112 naming the cluster's app id, without the Graph object",
      snapshot: snapshot({ clusters: [spCluster()], events: [lbEvent(signInFailure(`AADSTS7000112: Application '${SP_APP}'(aks1-sp) is disabled.`)), pull401] }),
      findings: [{ code: "SP_DISABLED", message: /AADSTS7000112/, remediation: /accountEnabled=true/ }],
    },
    {
      name: "AADSTS7000112 with the app id in upper case",
      snapshot: snapshot({ clusters: [spCluster()], events: [lbEvent(signInFailure(`AADSTS7000112: Application '${SP_APP.toUpperCase()}'(aks1-sp) is disabled.`))] }),
      findings: [{ code: "SP_DISABLED", subject: /aks1$/, message: /disabled/, remediation: /az ad sp update/ }],
    },
  ],
  valid: [
    {
      name: "enabled service principal",
      snapshot: snapshot({ clusters: [spCluster()], servicePrincipals: [servicePrincipal({ accountEnabled: true })] }),
      expect: "pass",
    },
    {
      name: "AADSTS7000112 about another application is not this cluster's",
      snapshot: snapshot({ clusters: [spCluster()], servicePrincipals: [servicePrincipal()], events: [lbEvent(signInFailure(`AADSTS7000112: Application '${OTHER_APP}'(external-dns) is disabled.`))] }),
      expect: "pass",
    },
    {
      name: "the ACR admin user being disabled is not a disabled service principal",
      snapshot: snapshot({ clusters: [spCluster()], servicePrincipals: [servicePrincipal()], events: [failedEvent(`Failed to pull image "contosoacr.azurecr.io/analytics/spark:3.5.2": rpc error: code = Unknown desc = failed to pull and unpack image "contosoacr.azurecr.io/analytics/spark:3.5.2": failed to resolve reference "contosoacr.azurecr.io/analytics/spark:3.5.2": unexpected status from HEAD request to https://contosoacr.azurecr.io/v2/analytics/spark/manifests/3.5.2: 401 Unauthorized: Admin user is disabled.`)] }),
      expect: "pass",
    },
    {
      name: "a managed-identity cluster is out of scope",
      snapshot: snapshot({ clusters: [miCluster()], servicePrincipals: [servicePrincipal({ accountEnabled: false })] }),
    },
    {
      name: "no Graph object and no sign-in errors: nothing to decide on, no guess",
      snapshot: snapshot({ clusters: [spCluster()] }),
    },
  ],
});
