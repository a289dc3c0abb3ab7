import rule from "./sp-secret-expiring.js";
import { ruleTester } from "../../test/rule-tester.js";
import { application, miCluster, servicePrincipal, snapshot, spCluster } from "../../test/factories.js";

// NOW in the factories is 2026-11-28T12:00:00Z; the default warning window is 30 days.
ruleTester(rule, {
  invalid: [
    {
      name: "the only secret ends in 12 days",
      snapshot: snapshot({ clusters: [spCluster()], servicePrincipals: [servicePrincipal()], applications: [application(["2026-12-10T12:00:00Z"])] }),
      findings: [{ code: "SP_SECRET_EXPIRING", severity: "warning", subject: /managedClusters\/aks1$/, message: /expires on 2026-12-10 \(in 12 days\)/, remediation: /az ad app credential reset --id .* --append/ }],
    },
    {
      name: "an older secret already expired and the newest ends in 5 days: the newest is what counts",
      snapshot: snapshot({ clusters: [spCluster()], applications: [application(["2026-06-01T00:00:00Z", "2026-12-03T12:00:00Z"])] }),
      findings: [{ code: "SP_SECRET_EXPIRING", severity: "warning", message: /2026-12-03 \(in 5 days\)/, remediation: /az aks update-credentials/ }],
    },
    {
      name: "exactly at the edge of the window (30 days) still warns",
      snapshot: snapshot({ clusters: [spCluster()], applications: [application(["2026-12-28T12:00:00Z"])] }),
      findings: [{ code: "SP_SECRET_EXPIRING", message: /in 30 days/, remediation: /--enable-managed-identity/ }],
    },
    {
      name: "a certificate credential expiring soon counts like a secret",
      snapshot: snapshot({ clusters: [spCluster()], applications: [application([], { keyCredentials: [{ type: "certificate", endDateTime: "2026-12-20T00:00:00Z", keyId: "cert-1", displayName: "CN=aks1-sp" }] })] }),
      findings: [{ code: "SP_SECRET_EXPIRING", message: /2026-12-20/, remediation: /credential reset/ }],
    },
  ],
  valid: [
    {
      name: "newest secret valid for eight more months",
      snapshot: snapshot({ clusters: [spCluster()], applications: [application(["2027-08-01T00:00:00Z"])] }),
      expect: "pass",
    },
    {
      name: "one secret expires in 10 days but a newer one is valid for a year",
      snapshot: snapshot({ clusters: [spCluster()], applications: [application(["2026-12-08T00:00:00Z", "2027-11-28T00:00:00Z"])] }),
      expect: "pass",
    },
    {
      name: "every secret already expired: that is SP_SECRET_EXPIRED, not a warning",
      snapshot: snapshot({ clusters: [spCluster()], applications: [application(["2026-11-01T00:00:00Z"])] }),
    },
    {
      name: "no application object: unknown",
      snapshot: snapshot({ clusters: [spCluster()] }),
      expect: "unknown",
      reason: /no application object/,
    },
    {
      name: "managed-identity clusters have no secret to expire",
      snapshot: snapshot({ clusters: [miCluster()], applications: [application(["2026-12-01T00:00:00Z"])] }),
    },
  ],
});
