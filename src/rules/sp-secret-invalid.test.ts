import rule from "./sp-secret-invalid.js";
import { ruleTester } from "../../test/rule-tester.js";
import { SP_APP, acrPull401, application, failedEvent, miCluster, snapshot, spCluster } from "../../test/factories.js";

const TENANT = "5f0c8e1a-3b7d-4c2e-9a61-0d4b7e2f9c13";
const OTHER_APP = "d3c1a9e4-7b2f-4e08-9c5a-61f0b8e2a7d4";
const invalidText = (appId: string) => `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${appId}'.`;
const lbEvent = (aadsts: string) => failedEvent(`Error syncing load balancer: failed to ensure load balancer: ClientSecretCredential authentication failed. \nPOST https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token\n--------------------------------------------------------------------------------\nRESPONSE 401 Unauthorized\n--------------------------------------------------------------------------------\n{"error":"invalid_client","error_description":"${aadsts} Trace ID: 6d0a3e9f-b271-4c58-8e14-f2a7c03b9d61 Correlation ID: 2e8b4f17-9a0c-4d63-b5e2-7c1f0a9d3e48 Timestamp: 2026-11-27 10:02:31Z","error_codes":[7000215]}`, { reason: "SyncLoadBalancerFailed", involvedObject: { kind: "Service", name: "ingress-nginx-controller", namespace: "ingress" } });
// check-acr prints the bare Entra error with no ids at all.
const checkAcrOutput = `[2026-11-27T10:05:12Z] Validating service principal credential: FAILED\n[2026-11-27T10:05:12Z] Sign in to AAD failed with: adal: Refresh request failed. Status Code = '401'. Response body: {"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret is provided.\\r\\nTrace ID: 1a2b3c4d-0000-4000-8000-00000000aaaa\\r\\nCorrelation ID: 5e6f7a8b-0000-4000-8000-00000000bbbb\\r\\nTimestamp: 2026-11-27 10:05:12Z"}`;
const pull401 = failedEvent(acrPull401("contosoacr.azurecr.io/payments/ledger:2.7.4", "oauth"), { pod: "ledger-1", ns: "payments" });

ruleTester(rule, {
  invalid: [
    {
      name: "AADSTS7000215 naming the cluster's app id (secret id stored instead of its value)",
      snapshot: snapshot({ clusters: [spCluster()], applications: [application(["2027-06-01T00:00:00Z"])], events: [lbEvent(invalidText(SP_APP)), pull401] }),
      findings: [{ code: "SP_SECRET_INVALID", severity: "error", subject: /managedClusters\/aks1$/, message: /AADSTS7000215.*secret's id was stored/, remediation: /az aks update-credentials .*--reset-service-principal/ }],
    },
    {
      name: "app id in upper case in the Entra message",
      snapshot: snapshot({ clusters: [spCluster()], events: [lbEvent(invalidText(SP_APP.toUpperCase()))] }),
      findings: [{ code: "SP_SECRET_INVALID", message: new RegExp(SP_APP), remediation: /az ad app credential reset/ }],
    },
    {
      name: "an AADSTS7000215 that names no application at all (check-acr) is still ours",
      snapshot: snapshot({ clusters: [spCluster()], events: [failedEvent(checkAcrOutput, { reason: "CheckAcrFailed", involvedObject: { kind: "Pod", name: "canipull-x7k2p", namespace: "default" } })] }),
      findings: [{ code: "SP_SECRET_INVALID", subject: /aks1$/, message: /rejects the secret/, remediation: /--client-secret "\$SP_SECRET"/ }],
    },
  ],
  valid: [
    {
      name: "AADSTS7000215 about another application",
      snapshot: snapshot({ clusters: [spCluster()], events: [lbEvent(invalidText(OTHER_APP)), pull401] }),
    },
    {
      name: "an expired secret explains the rejection: SP_SECRET_EXPIRED, not a wrong secret",
      snapshot: snapshot({ clusters: [spCluster()], applications: [application(["2026-10-01T00:00:00Z"])], events: [failedEvent(checkAcrOutput, { involvedObject: { kind: "Pod", name: "canipull-x7k2p", namespace: "default" } })] }),
    },
    {
      name: "managed-identity cluster",
      snapshot: snapshot({ clusters: [miCluster()], events: [lbEvent(invalidText(SP_APP))] }),
    },
    {
      name: "no events in the evidence: the sign-in error cannot be seen, so unknown",
      snapshot: snapshot({ clusters: [spCluster()], applications: [application(["2027-06-01T00:00:00Z"])] }),
      expect: "unknown",
      reason: /kubectl get events/,
    },
  ],
});
