import type { Application, Credential, ManagedCluster, RoleAssignment, ServicePrincipal, Snapshot, Source } from "../../snapshot/types.js";
import { normId, sameId } from "../../snapshot/ids.js";
import { assignmentIndex } from "./assignment-index.js";

export function factValue<T>(f: { status: "ok"; value: T } | { status: string }): T | undefined {
  return f.status === "ok" ? (f as { value: T }).value : undefined;
}

export function factReason(f: { status: string; reason?: string; message?: string; kind?: string }): string {
  if (f.status === "skipped") return f.reason ?? "not collected";
  if (f.status === "error") return `${f.kind ?? "error"}: ${f.message ?? ""}`;
  return "";
}

/** The principal the kubelet presents to the registry. */
export interface PullPrincipal {
  kind: "managedIdentity" | "servicePrincipal";
  /** object (principal) id: what role assignments name; undefined when it cannot be derived from the evidence */
  objectId?: string;
  /** client id (MI) or app id (SP) */
  clientId?: string;
  resourceId?: string;
  /** how the object id was found, for evidence */
  derivation: { source: Source; path: string; observed: string }[];
  /** human label */
  label: string;
  servicePrincipal?: ServicePrincipal;
  application?: Application;
}

export function isMsiCluster(cluster: ManagedCluster): boolean {
  const cid = (cluster.servicePrincipalClientId ?? "").toLowerCase();
  return cid === "msi" || (cid === "" && cluster.kubeletIdentity !== undefined);
}

export function pullPrincipal(snapshot: Snapshot, cluster: ManagedCluster): PullPrincipal {
  if (isMsiCluster(cluster)) {
    const k = cluster.kubeletIdentity ?? {};
    const derivation: PullPrincipal["derivation"] = [];
    let objectId = k.objectId?.toLowerCase();
    if (objectId) derivation.push({ source: cluster.source, path: "identityProfile.kubeletidentity.objectId", observed: objectId });
    if (!objectId && (k.clientId || k.resourceId)) {
      const uai = (factValue(snapshot.userAssignedIdentities) ?? []).find((u) => sameId(u.id, k.resourceId) || (k.clientId && u.clientId?.toLowerCase() === k.clientId.toLowerCase()));
      if (uai?.principalId) {
        objectId = uai.principalId.toLowerCase();
        derivation.push({ source: uai.source, path: "principalId", observed: objectId });
      }
    }
    return {
      kind: "managedIdentity",
      objectId,
      clientId: k.clientId?.toLowerCase(),
      resourceId: k.resourceId,
      derivation,
      label: `kubelet identity ${k.resourceId ? k.resourceId.split("/").pop() : k.clientId ?? "(unknown)"}${objectId ? ` (object id ${objectId})` : ""}`,
    };
  }
  const appId = cluster.servicePrincipalClientId?.toLowerCase();
  const derivation: PullPrincipal["derivation"] = [{ source: cluster.source, path: "servicePrincipalProfile.clientId", observed: appId ?? "" }];
  const sp = appId ? (factValue(snapshot.servicePrincipals) ?? []).find((s) => s.appId?.toLowerCase() === appId) : undefined;
  const app = appId ? (factValue(snapshot.applications) ?? []).find((a) => a.appId?.toLowerCase() === appId) : undefined;
  let objectId = sp?.id.toLowerCase();
  if (sp) derivation.push({ source: sp.source, path: "id", observed: sp.id });
  if (!objectId && appId) {
    // az role assignment list prints a service principal's appId as principalName.
    const ra = assignmentIndex(factValue(snapshot.roleAssignments) ?? []).byPrincipalName(appId).find((r) => r.principalType !== "User");
    if (ra) {
      objectId = ra.principalId.toLowerCase();
      derivation.push({ source: ra.source, path: "principalId", observed: `${objectId} (principalName ${appId})` });
    }
  }
  return {
    kind: "servicePrincipal",
    objectId,
    clientId: appId,
    derivation,
    label: `service principal ${sp?.displayName ?? app?.displayName ?? appId ?? "(unknown)"}${appId ? ` (appId ${appId})` : ""}`,
    servicePrincipal: sp,
    application: app,
  };
}

/** Related principals that are NOT the pulling one but are often granted by mistake. */
export interface RelatedPrincipal {
  objectId: string;
  why: string;
  source: Source;
  path: string;
}

export function relatedWrongPrincipals(snapshot: Snapshot, cluster: ManagedCluster, puller: PullPrincipal): RelatedPrincipal[] {
  const out: RelatedPrincipal[] = [];
  const add = (id: string | undefined, why: string, source: Source, path: string) => {
    if (!id) return;
    const lid = id.toLowerCase();
    if (lid === puller.objectId) return;
    if (!out.some((o) => o.objectId === lid)) out.push({ objectId: lid, why, source, path });
  };
  add(cluster.identity?.principalId, "the cluster's control-plane identity (identity.principalId), which does not pull images", cluster.source, "identity.principalId");
  for (const [rid, v] of Object.entries(cluster.identity?.userAssignedIdentities ?? {})) {
    add(v.principalId, `the cluster's user-assigned control-plane identity ${rid.split("/").pop()}`, cluster.source, `identity.userAssignedIdentities['${rid}'].principalId`);
  }
  // Assigning with the kubelet identity's client id (or an SP's app id) as the object id is a classic mistake.
  if (puller.clientId && puller.clientId !== puller.objectId) {
    out.push({ objectId: puller.clientId, why: `the ${puller.kind === "managedIdentity" ? "kubelet identity's client id" : "service principal's app id"} used as if it were an object id`, source: cluster.source, path: puller.kind === "managedIdentity" ? "identityProfile.kubeletidentity.clientId" : "servicePrincipalProfile.clientId" });
  }
  // Another cluster's kubelet identity: AKS names them <cluster>-agentpool in the MC_ node resource group.
  for (const u of factValue(snapshot.userAssignedIdentities) ?? []) {
    if (!u.principalId || sameId(u.id, puller.resourceId)) continue;
    if (/-agentpool$/i.test(u.name)) add(u.principalId, `${u.name}, another cluster's kubelet identity`, u.source, "principalId");
  }
  // A previous service principal of this cluster: an SP whose display name matches the current one's.
  if (puller.kind === "servicePrincipal") {
    const names = new Set([puller.servicePrincipal?.displayName, puller.application?.displayName].filter((x): x is string => !!x).map((x) => x.toLowerCase()));
    for (const sp of factValue(snapshot.servicePrincipals) ?? []) {
      if (sp.appId?.toLowerCase() === puller.clientId) continue;
      if (sp.displayName && names.has(sp.displayName.toLowerCase())) add(sp.id, `${sp.displayName} (appId ${sp.appId}), an earlier service principal with the same name`, sp.source, "id");
    }
  }
  return out;
}

export interface CredentialView {
  credential: Credential;
  owner: "application" | "servicePrincipal";
  source: Source;
  index: number;
}

export function credentialsOf(p: PullPrincipal): CredentialView[] {
  const out: CredentialView[] = [];
  const push = (list: Credential[], owner: CredentialView["owner"], source: Source) => list.forEach((c, index) => out.push({ credential: c, owner, source, index }));
  if (p.application) {
    push(p.application.passwordCredentials, "application", p.application.source);
    push(p.application.keyCredentials, "application", p.application.source);
  }
  if (p.servicePrincipal) {
    push(p.servicePrincipal.passwordCredentials, "servicePrincipal", p.servicePrincipal.source);
    push(p.servicePrincipal.keyCredentials, "servicePrincipal", p.servicePrincipal.source);
  }
  return out;
}

export function assignmentsOf(assignments: RoleAssignment[], objectId: string | undefined): RoleAssignment[] {
  if (!objectId) return [];
  const id = objectId.toLowerCase();
  return assignmentIndex(assignments).byPrincipal(id);
}

export function clusterSubject(cluster: ManagedCluster): string {
  return cluster.id || cluster.name;
}

export function clusterRg(cluster: ManagedCluster): string {
  return cluster.resourceGroup ?? normId(cluster.id).split("/")[4] ?? "<resource-group>";
}
