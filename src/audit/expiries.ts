// Credential expiries of a fleet's service-principal clusters: every client secret and certificate the identity
// analysis reads (the app registration's and the service principal's own), with the clusters that depend on it.
// Metadata only: Graph's secretText and hint never leave the snapshot through here.
import type { ManagedCluster, ServicePrincipal, Application, Snapshot } from "../snapshot/types.js";
import { credentialsOf, factValue, isMsiCluster, pullPrincipal } from "../rules/lib/principals.js";

export interface CredentialExpiry {
  /** the application (client) id in `servicePrincipalProfile.clientId`, lower-case */
  appId: string;
  /** display name of the service principal (else of its app registration), when the evidence has one */
  principalName?: string;
  /** which object lists the credential: the app registration (what `az ad app credential reset` adds to) or the service principal */
  owner: "application" | "servicePrincipal";
  type: "password" | "certificate";
  keyId?: string;
  /** the credential's own displayName (its description), not the secret */
  credentialName?: string;
  endDateTime?: string;
  /** cluster ids (as the audit names them) whose kubelet signs in as this app */
  clusters: string[];
  /** its end is at or before now */
  expired: boolean;
  /** the latest-ending valid credential of its app: the date after which the clusters stop pulling */
  newestValid: boolean;
  /** whole days from now to the end, negative once expired (rounded down, as SP_SECRET_EXPIRING counts); absent without a readable end */
  daysLeft?: number;
}

const DAY = 86_400_000;

/** First object per app id, lower-cased: the one `pullPrincipal` would find with its linear `find`. */
function firstByAppId<T extends { appId?: string }>(items: readonly T[]): Map<string, T> {
  const m = new Map<string, T>();
  for (const it of items) {
    const k = it.appId?.toLowerCase();
    if (k && !m.has(k)) m.set(k, it);
  }
  return m;
}

const endOf = (e: CredentialExpiry): number => (e.endDateTime ? Date.parse(e.endDateTime) : Number.NaN);

/**
 * Every credential of every service-principal cluster's app, soonest end first (expired ones first, undated last).
 * Linear in clusters + service principals + applications: each is indexed or grouped once, and each app's
 * credentials are read once however many clusters share it.
 */
export function credentialExpiries(snapshot: Snapshot, clusters: readonly ManagedCluster[], now: Date): CredentialExpiry[] {
  const nowMs = now.getTime();
  const spByAppId = firstByAppId<ServicePrincipal>(factValue(snapshot.servicePrincipals) ?? []);
  const appByAppId = firstByAppId<Application>(factValue(snapshot.applications) ?? []);

  const clustersByAppId = new Map<string, { first: ManagedCluster; ids: string[] }>();
  for (const cluster of clusters) {
    const appId = cluster.servicePrincipalClientId?.toLowerCase();
    if (!appId || isMsiCluster(cluster)) continue;
    const id = cluster.id || cluster.name;
    const group = clustersByAppId.get(appId);
    if (group) {
      if (!group.ids.includes(id)) group.ids.push(id);
    } else clustersByAppId.set(appId, { first: cluster, ids: [id] });
  }

  const out: CredentialExpiry[] = [];
  for (const [appId, group] of clustersByAppId) {
    const sp = spByAppId.get(appId);
    const app = appByAppId.get(appId);
    // The rules' own derivation on a view holding just this app's objects: the same principal, credentials and name.
    const view: Snapshot = {
      ...snapshot,
      servicePrincipals: { status: "ok", value: sp ? [sp] : [] },
      applications: { status: "ok", value: app ? [app] : [] },
      roleAssignments: { status: "ok", value: [] },
    };
    const principal = pullPrincipal(view, group.first);
    const principalName = principal.servicePrincipal?.displayName ?? principal.application?.displayName;
    const entries = credentialsOf(principal).map((v): CredentialExpiry => {
      const c = v.credential;
      const end = c.endDateTime ? Date.parse(c.endDateTime) : Number.NaN;
      const dated = !Number.isNaN(end);
      return {
        appId,
        ...(principalName ? { principalName } : {}),
        owner: v.owner,
        type: c.type,
        ...(c.keyId ? { keyId: c.keyId } : {}),
        ...(c.displayName ? { credentialName: c.displayName } : {}),
        ...(c.endDateTime ? { endDateTime: c.endDateTime } : {}),
        clusters: group.ids,
        expired: dated && end <= nowMs,
        newestValid: false,
        ...(dated ? { daysLeft: Math.floor((end - nowMs) / DAY) } : {}),
      };
    });
    // as identityAnalysis: valid means ending after now; the newest is the first with the latest end
    let newest: CredentialExpiry | undefined;
    for (const e of entries) if (!Number.isNaN(endOf(e)) && !e.expired && (!newest || endOf(e) > endOf(newest))) newest = e;
    if (newest) newest.newestValid = true;
    out.push(...entries);
  }

  const key = (e: CredentialExpiry) => (Number.isNaN(endOf(e)) ? Number.POSITIVE_INFINITY : endOf(e));
  // Array.prototype.sort is stable: equal ends keep app, then owner, then list order
  return out.sort((a, b) => key(a) - key(b) || (a.appId < b.appId ? -1 : a.appId > b.appId ? 1 : 0));
}
