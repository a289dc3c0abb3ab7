import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { credentialExpiries, type CredentialExpiry } from "./expiries.js";
import type { Application, Credential, ManagedCluster, ServicePrincipal, Snapshot } from "../snapshot/types.js";
import { application, miCluster, NOW, servicePrincipal, snapshot, SP_APP, spCluster, SUB } from "../../test/factories.js";

const OTHER_APP = "dddddddd-0000-4000-8000-000000000001";
const clusterId = (name: string) => `/subscriptions/${SUB}/resourcegroups/rg-aks/providers/Microsoft.ContainerService/managedClusters/${name}`;
const sp1 = (name: string, o: Partial<ManagedCluster> = {}) => spCluster({ id: clusterId(name), name, ...o });
const password = (keyId: string, endDateTime: string | undefined, o: Partial<Credential> = {}): Credential => ({ type: "password", keyId, displayName: `desc-${keyId}`, ...(endDateTime ? { endDateTime } : {}), ...o });

/** What a case checks of each entry, in output order. */
type Row = Pick<CredentialExpiry, "appId" | "owner" | "keyId" | "expired" | "newestValid"> & { clusters: string[]; daysLeft?: number; principalName?: string; endDateTime?: string };
const row = (e: CredentialExpiry): Row => ({
  appId: e.appId,
  owner: e.owner,
  keyId: e.keyId,
  expired: e.expired,
  newestValid: e.newestValid,
  clusters: e.clusters,
  ...(e.daysLeft !== undefined ? { daysLeft: e.daysLeft } : {}),
  ...(e.principalName !== undefined ? { principalName: e.principalName } : {}),
  ...(e.endDateTime !== undefined ? { endDateTime: e.endDateTime } : {}),
});

interface Case {
  name: string;
  sps?: ServicePrincipal[];
  apps?: Application[];
  clusters: ManagedCluster[];
  expected: Row[];
}

const app = (creds: Credential[], o: Partial<Application> = {}) => application([], { passwordCredentials: creds, ...o });

const CASES: Case[] = [
  {
    name: "an expired secret: expired, no newest valid one, days counted back",
    sps: [servicePrincipal()],
    apps: [app([password("k0", "2026-10-31T00:00:00Z")])],
    clusters: [sp1("aks1")],
    expected: [{ appId: SP_APP, owner: "application", keyId: "k0", expired: true, newestValid: false, clusters: [clusterId("aks1")], daysLeft: -29, principalName: "aks1-sp", endDateTime: "2026-10-31T00:00:00Z" }],
  },
  {
    name: "several credentials: soonest first, only the latest valid one is the newest",
    sps: [servicePrincipal()],
    apps: [app([password("late", "2027-06-01T00:00:00Z"), password("old", "2025-01-01T00:00:00Z"), password("soon", "2026-12-10T12:00:00Z")])],
    clusters: [sp1("aks1")],
    expected: [
      { appId: SP_APP, owner: "application", keyId: "old", expired: true, newestValid: false, clusters: [clusterId("aks1")], daysLeft: -697, principalName: "aks1-sp", endDateTime: "2025-01-01T00:00:00Z" },
      { appId: SP_APP, owner: "application", keyId: "soon", expired: false, newestValid: false, clusters: [clusterId("aks1")], daysLeft: 12, principalName: "aks1-sp", endDateTime: "2026-12-10T12:00:00Z" },
      { appId: SP_APP, owner: "application", keyId: "late", expired: false, newestValid: true, clusters: [clusterId("aks1")], daysLeft: 184, principalName: "aks1-sp", endDateTime: "2027-06-01T00:00:00Z" },
    ],
  },
  {
    name: "a service principal shared by two clusters: its credentials once, naming both clusters; an MSI cluster adds nothing",
    sps: [servicePrincipal({ displayName: "shared-sp" })],
    apps: [app([password("k0", "2027-01-01T00:00:00Z")])],
    clusters: [sp1("aks1"), miCluster({ id: clusterId("mi"), name: "mi" }), sp1("aks2", { servicePrincipalClientId: SP_APP.toUpperCase() })],
    expected: [{ appId: SP_APP, owner: "application", keyId: "k0", expired: false, newestValid: true, clusters: [clusterId("aks1"), clusterId("aks2")], daysLeft: 33, principalName: "shared-sp", endDateTime: "2027-01-01T00:00:00Z" }],
  },
  {
    name: "a credential on the app registration only (no service principal object): listed, named after the app",
    apps: [app([password("k0", "2026-12-01T00:00:00Z")], { displayName: "app-only" })],
    clusters: [sp1("aks1")],
    expected: [{ appId: SP_APP, owner: "application", keyId: "k0", expired: false, newestValid: true, clusters: [clusterId("aks1")], daysLeft: 2, principalName: "app-only", endDateTime: "2026-12-01T00:00:00Z" }],
  },
  {
    name: "a certificate on the service principal object counts with the app's secrets, as the identity analysis reads them",
    sps: [servicePrincipal({ keyCredentials: [{ type: "certificate", keyId: "cert", endDateTime: "2028-01-01T00:00:00Z" }] })],
    apps: [app([password("k0", "2027-01-01T00:00:00Z")])],
    clusters: [sp1("aks1")],
    expected: [
      { appId: SP_APP, owner: "application", keyId: "k0", expired: false, newestValid: false, clusters: [clusterId("aks1")], daysLeft: 33, principalName: "aks1-sp", endDateTime: "2027-01-01T00:00:00Z" },
      { appId: SP_APP, owner: "servicePrincipal", keyId: "cert", expired: false, newestValid: true, clusters: [clusterId("aks1")], daysLeft: 398, principalName: "aks1-sp", endDateTime: "2028-01-01T00:00:00Z" },
    ],
  },
  {
    name: "a missing service principal and app registration: nothing to list (SP_NOT_FOUND is the audit's finding)",
    sps: [servicePrincipal({ appId: OTHER_APP, id: "other" })],
    apps: [app([password("k0", "2027-01-01T00:00:00Z")], { appId: OTHER_APP })],
    clusters: [sp1("aks1")],
    expected: [],
  },
  {
    name: "a credential ending exactly now is expired; one without an end date is listed last, neither expired nor newest",
    sps: [servicePrincipal()],
    apps: [app([password("undated", undefined), password("now", NOW)])],
    clusters: [sp1("aks1")],
    expected: [
      { appId: SP_APP, owner: "application", keyId: "now", expired: true, newestValid: false, clusters: [clusterId("aks1")], daysLeft: 0, principalName: "aks1-sp", endDateTime: NOW },
      { appId: SP_APP, owner: "application", keyId: "undated", expired: false, newestValid: false, clusters: [clusterId("aks1")], principalName: "aks1-sp" },
    ],
  },
  {
    name: "two apps interleave by date, not by app",
    sps: [servicePrincipal(), servicePrincipal({ id: "sp-b", appId: OTHER_APP, displayName: "b-sp" })],
    apps: [app([password("a1", "2027-03-01T00:00:00Z")]), app([password("b1", "2027-02-01T00:00:00Z"), password("b2", "2027-04-01T00:00:00Z")], { id: "app-b", appId: OTHER_APP })],
    clusters: [sp1("aks1"), sp1("aks2", { servicePrincipalClientId: OTHER_APP })],
    expected: [
      { appId: OTHER_APP, owner: "application", keyId: "b1", expired: false, newestValid: false, clusters: [clusterId("aks2")], daysLeft: 64, principalName: "b-sp", endDateTime: "2027-02-01T00:00:00Z" },
      { appId: SP_APP, owner: "application", keyId: "a1", expired: false, newestValid: true, clusters: [clusterId("aks1")], daysLeft: 92, principalName: "aks1-sp", endDateTime: "2027-03-01T00:00:00Z" },
      { appId: OTHER_APP, owner: "application", keyId: "b2", expired: false, newestValid: true, clusters: [clusterId("aks2")], daysLeft: 123, principalName: "b-sp", endDateTime: "2027-04-01T00:00:00Z" },
    ],
  },
];

describe("credentialExpiries", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const s: Snapshot = snapshot({ servicePrincipals: c.sps ?? [], applications: c.apps ?? [], clusters: c.clusters });
      assert.deepEqual(credentialExpiries(s, c.clusters, new Date(NOW)).map(row), c.expected);
    });
  }

  it("copies credential metadata only: a planted secretText or hint never comes out", () => {
    const planted = { ...password("k0", "2027-01-01T00:00:00Z", { hint: "HINT-abc" }), secretText: "PLANTED-SECRET-TEXT-0123456789" } as Credential;
    const s = snapshot({ servicePrincipals: [servicePrincipal()], applications: [app([planted])] });
    const out = credentialExpiries(s, [sp1("aks1")], new Date(NOW));
    assert.equal(out.length, 1);
    assert.equal(out[0]!.credentialName, "desc-k0");
    const json = JSON.stringify(out);
    assert.ok(!json.includes("PLANTED-SECRET-TEXT"), json);
    assert.ok(!json.includes("HINT-abc"), json);
  });

  it("reads nothing when the directory facts were not collected", () => {
    const s = snapshot({});
    assert.deepEqual(credentialExpiries(s, [sp1("aks1")], new Date(NOW)), []);
  });

  it("agrees with SP_SECRET_EXPIRING on which credential is the newest", async () => {
    const { evaluate } = await import("../engine/evaluate.js");
    const { RULES } = await import("../rules/index.js");
    const cluster = sp1("aks1");
    const s = snapshot({ clusters: [cluster], servicePrincipals: [servicePrincipal()], applications: [app([password("a", "2026-12-05T00:00:00Z"), password("b", "2026-12-20T00:00:00Z"), password("c", "2026-11-01T00:00:00Z")])] });
    const report = evaluate(s, RULES.filter((r) => r.codes.includes("SP_SECRET_EXPIRING")), { expiringWithinDays: 30 });
    const finding = report.findings.find((f) => f.code === "SP_SECRET_EXPIRING");
    assert.ok(finding, "the rule reports the expiring credential");
    const newest = credentialExpiries(s, [cluster], new Date(NOW)).filter((e) => e.newestValid);
    assert.equal(newest.length, 1);
    assert.ok(finding.message.includes(newest[0]!.endDateTime!.slice(0, 10)), `${finding.message} names ${newest[0]!.endDateTime}`);
    assert.ok(finding.evidence.some((e) => e.observed.includes(`keyId ${newest[0]!.keyId}`)));
  });
});
