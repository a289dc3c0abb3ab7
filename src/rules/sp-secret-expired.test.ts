import rule from "./sp-secret-expired.js";
import { ruleTester } from "../../test/rule-tester.js";
import { SP_APP, acrPull401, application, failedEvent, servicePrincipal, snapshot, spCluster, miCluster } from "../../test/factories.js";

// NOW in the factories is 2026-11-28T12:00:00Z.
const TENANT = "5f0c8e1a-3b7d-4c2e-9a61-0d4b7e2f9c13";
const OTHER_APP = "d3c1a9e4-7b2f-4e08-9c5a-61f0b8e2a7d4";
const expiredText = (appId: string) => `AADSTS7000222: The provided client secret keys for app '${appId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`;
const lbEvent = (aadsts: string) => failedEvent(`Error syncing load balancer: failed to ensure load balancer: ClientSecretCredential authentication failed. \nPOST https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token\n--------------------------------------------------------------------------------\nRESPONSE 401 Unauthorized\n--------------------------------------------------------------------------------\n{"error":"invalid_client","error_description":"${aadsts} Trace ID: 0c7e2b9a-51d4-4f83-a6e0-3b9d1c2f7a58 Correlation ID: 7a2f9e0b-3c61-4d8e-b4a7-e1c05d9b2f36 Timestamp: 2026-11-27 08:40:12Z","error_codes":[7000222]}`, { reason: "SyncLoadBalancerFailed", involvedObject: { kind: "Service", name: "ingress-nginx-controller", namespace: "ingress" } });
const pull401 = failedEvent(acrPull401("contosoacr.azurecr.io/payments/ledger:2.7.4", "oauth"), { pod: "ledger-1", ns: "payments" });

ruleTester(rule, {
  invalid: [
    {
      name: "the app registration's only secret ended before now",
      snapshot: snapshot({ clusters: [spCluster()], servicePrincipals: [servicePrincipal()], applications: [application(["2026-10-31T09:00:00Z"])], events: [pull401] }),
      findings: [{ code: "SP_SECRET_EXPIRED", severity: "error", subject: /managedClusters\/aks1$/, message: /has expired \(latest ended 2026-10-31\)/, remediation: /az ad app credential reset --id .* --append/ }],
    },
    {
      name: "every password and certificate has ended: the latest end date is named",
      snapshot: snapshot({ clusters: [spCluster()], applications: [application(["2025-06-01T00:00:00Z", "2026-11-28T11:59:59Z"], { keyCredentials: [{ type: "certificate", endDateTime: "2026-02-01T00:00:00Z", keyId: "c1" }] })] }),
      findings: [{ code: "SP_SECRET_EXPIRED", message: /latest ended 2026-11-28/, remediation: /az aks update-credentials .*--client-secret "\$SP_SECRET"/ }],
    },
    {
      name: "AADSTS7000222 naming the cluster's app id, with no application object in the evidence",
      snapshot: snapshot({ clusters: [spCluster()], events: [lbEvent(expiredText(SP_APP)), pull401] }),
      findings: [{ code: "SP_SECRET_EXPIRED", message: new RegExp(SP_APP), remediation: /--enable-managed-identity/ }],
    },
  ],
  valid: [
    {
      name: "one old secret expired but a newer one is valid for months",
      snapshot: snapshot({ clusters: [spCluster()], applications: [application(["2025-11-01T00:00:00Z", "2027-08-01T00:00:00Z"])] }),
      expect: "pass",
    },
    {
      name: "a valid certificate keeps the principal signing in although every password ended",
      snapshot: snapshot({ clusters: [spCluster()], applications: [application(["2026-01-01T00:00:00Z"], { keyCredentials: [{ type: "certificate", endDateTime: "2027-05-01T00:00:00Z", keyId: "c1" }] })] }),
      expect: "pass",
    },
    {
      name: "AADSTS7000222 for another app while ours is valid",
      snapshot: snapshot({ clusters: [spCluster()], applications: [application(["2027-08-01T00:00:00Z"])], events: [lbEvent(expiredText(OTHER_APP))] }),
      expect: "pass",
    },
    {
      name: "no application object: unknown, never a guessed expiry",
      snapshot: snapshot({ clusters: [spCluster()], servicePrincipals: [servicePrincipal()] }),
      expect: "unknown",
      reason: /no application object for appId .*az ad app show/,
    },
    {
      name: "an application with no credentials listed: unknown",
      snapshot: snapshot({ clusters: [spCluster()], applications: [application([])] }),
      expect: "unknown",
      reason: /lists no passwordCredentials or keyCredentials/,
    },
    {
      name: "a managed-identity cluster has no secret",
      snapshot: snapshot({ clusters: [miCluster()], applications: [application(["2020-01-01T00:00:00Z"])] }),
    },
  ],
});
