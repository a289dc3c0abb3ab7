import type { CauseCode } from "../../codes/causes.js";
import type { Evidence, RuleContext } from "../../engine/types.js";
import type { ManagedCluster } from "../../snapshot/types.js";
import { normId, sameId } from "../../snapshot/ids.js";
import { observations, observationEvidence, type Observation } from "./observations.js";
import { credentialsOf, factReason, factValue, pullPrincipal, type CredentialView, type PullPrincipal } from "./principals.js";

export interface IdentityProblem {
  code: Extract<CauseCode, "SP_NOT_FOUND" | "SP_DISABLED" | "SP_SECRET_EXPIRED" | "SP_SECRET_INVALID" | "SP_SECRET_EXPIRING" | "MI_NOT_FOUND" | "MI_CLIENT_ID_MISMATCH">;
  message: string;
  evidence: Evidence[];
  confidence: "high" | "medium" | "low";
}

export interface IdentityAnalysis {
  cluster: ManagedCluster;
  principal: PullPrincipal;
  problems: IdentityProblem[];
  /** checks we could not make, with the reason */
  unknowns: { check: string; reason: string }[];
  /** checks that passed */
  passes: { check: string; message: string }[];
}

const DAY = 86_400_000;

function signalsNaming(obs: Observation[], code: CauseCode, id: string | undefined): { naming: Observation[]; anonymous: Observation[] } {
  const hits = obs.filter((o) => o.classification?.causes[0]?.code === code);
  const lid = id?.toLowerCase();
  const naming = lid ? hits.filter((o) => o.message.toLowerCase().includes(lid)) : [];
  // An AADSTS message that names no GUID at all may still be ours; one that names another app is not.
  // Strip only the GUID after "Trace ID:"/"Correlation ID:": pasted JSON keeps a literal "\r\n" right after it.
  const anonymous = hits.filter((o) => !/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i.test(o.message.replace(/(Trace|Correlation) ID: [0-9a-f-]{36}/gi, "")));
  return { naming, anonymous };
}

function credEvidence(v: CredentialView): Evidence {
  const list = v.credential.type === "password" ? "passwordCredentials" : "keyCredentials";
  return { source: v.source.file, path: `${v.source.path}.${list}[${v.index}].endDateTime`, observed: `${v.credential.displayName ? `"${v.credential.displayName}" ` : ""}${v.credential.keyId ? `(keyId ${v.credential.keyId}) ` : ""}ends ${v.credential.endDateTime ?? "(no end date)"}` };
}

function analyseSp(ctx: RuleContext, cluster: ManagedCluster, p: PullPrincipal, out: IdentityAnalysis): void {
  const now = Date.parse(ctx.snapshot.now);
  const obs = observations(ctx);
  const appId = p.clientId;
  const lookups = factValue(ctx.snapshot.directoryLookups) ?? [];

  // Deletion: a directory 404 for the app/object id, an empty Graph query when nothing else describes the SP, or AADSTS700016.
  const notFound: Evidence[] = [];
  for (const l of lookups) {
    if (!l.found && l.id && (l.id === appId || l.id === p.objectId)) notFound.push({ source: l.source.file, path: l.source.path, observed: l.message ?? `${l.id} not found` });
  }
  if (!p.servicePrincipal && !p.application) {
    for (const l of lookups) if (!l.found && !l.id) notFound.push({ source: l.source.file, path: l.source.path, observed: l.message ?? "query returned no service principal" });
  }
  const s16 = signalsNaming(obs, "SP_NOT_FOUND", appId);
  for (const o of [...s16.naming, ...s16.anonymous]) notFound.push(observationEvidence(o));
  if (notFound.length > 0 && !p.servicePrincipal) {
    out.problems.push({
      code: "SP_NOT_FOUND",
      confidence: s16.naming.length > 0 || lookups.some((l) => !l.found && l.id === appId) ? "high" : "medium",
      message: `The cluster authenticates as service principal ${appId}, which no longer exists in Entra ID: the kubelet cannot get a token, so every registry pull is refused.`,
      evidence: [{ source: cluster.source.file, path: `${cluster.source.path}.servicePrincipalProfile.clientId`, observed: appId ?? "" }, ...notFound],
    });
  } else if (p.servicePrincipal) {
    out.passes.push({ check: "service principal exists", message: `${p.label} exists in Entra ID` });
  } else if (notFound.length === 0) {
    out.unknowns.push({ check: "service principal exists", reason: `no service principal object or directory lookup for appId ${appId} in the evidence (az ad sp show --id ${appId})` });
  }

  // Disabling: accountEnabled false, or AADSTS7000112.
  const s112 = signalsNaming(obs, "SP_DISABLED", appId);
  if (p.servicePrincipal?.accountEnabled === false || s112.naming.length > 0) {
    const ev: Evidence[] = [];
    if (p.servicePrincipal?.accountEnabled === false) ev.push({ source: p.servicePrincipal.source.file, path: `${p.servicePrincipal.source.path}.accountEnabled`, observed: "false", expected: "true" });
    for (const o of s112.naming) ev.push(observationEvidence(o));
    out.problems.push({ code: "SP_DISABLED", confidence: "high", message: `Service principal ${appId} is disabled (accountEnabled false): Entra ID refuses its sign-ins (AADSTS7000112), so the kubelet gets no registry token.`, evidence: ev });
  } else if (p.servicePrincipal?.accountEnabled === true) {
    out.passes.push({ check: "service principal enabled", message: `${p.label} is enabled` });
  }

  // Expiry: every credential ended, or AADSTS7000222.
  const creds = credentialsOf(p).filter((c) => c.credential.endDateTime);
  const s222 = signalsNaming(obs, "SP_SECRET_EXPIRED", appId);
  const valid = creds.filter((c) => Date.parse(c.credential.endDateTime!) > now);
  const haveCredentialFacts = p.application !== undefined;
  if ((haveCredentialFacts && creds.length > 0 && valid.length === 0) || s222.naming.length > 0 || (s222.anonymous.length > 0 && haveCredentialFacts && valid.length === 0)) {
    out.problems.push({
      code: "SP_SECRET_EXPIRED",
      confidence: "high",
      message: `Every client secret/certificate of service principal ${appId} has expired${creds.length ? ` (latest ended ${latestEnd(creds)})` : ""}: Entra ID rejects its sign-in (AADSTS7000222), so the kubelet cannot get a registry token.`,
      evidence: [...creds.map(credEvidence), ...s222.naming.map(observationEvidence)],
    });
  } else if (haveCredentialFacts && creds.length === 0 && (p.application?.passwordCredentials.length ?? 0) + (p.application?.keyCredentials.length ?? 0) === 0) {
    out.unknowns.push({ check: "service principal credential expiry", reason: `application ${appId} lists no passwordCredentials or keyCredentials: cannot tell which credential the cluster uses` });
  } else if (valid.length > 0) {
    const latest = Math.max(...valid.map((c) => Date.parse(c.credential.endDateTime!)));
    const days = Math.floor((latest - now) / DAY);
    if (latest - now <= ctx.options.expiringWithinDays * DAY) {
      const latestCred = valid.find((c) => Date.parse(c.credential.endDateTime!) === latest)!;
      out.problems.push({
        code: "SP_SECRET_EXPIRING",
        confidence: "high",
        message: `The newest credential of service principal ${appId} expires on ${new Date(latest).toISOString().slice(0, 10)} (in ${days} day${days === 1 ? "" : "s"}); after that, pulls fail until the cluster gets a new secret.`,
        evidence: [credEvidence(latestCred)],
      });
    } else out.passes.push({ check: "service principal credential expiry", message: `${p.label}: newest credential valid until ${new Date(latest).toISOString().slice(0, 10)} (${days} days)` });
  } else if (!haveCredentialFacts && s222.naming.length === 0) {
    out.unknowns.push({ check: "service principal credential expiry", reason: `no application object for appId ${appId} in the evidence (az ad app show --id ${appId})` });
  }

  // Wrong secret: AADSTS7000215.
  const s215 = signalsNaming(obs, "SP_SECRET_INVALID", appId);
  if (s215.naming.length + s215.anonymous.length > 0 && !out.problems.some((x) => x.code === "SP_SECRET_EXPIRED")) {
    out.problems.push({ code: "SP_SECRET_INVALID", confidence: s215.naming.length ? "high" : "medium", message: `Entra ID rejects the secret the cluster presents for service principal ${appId} (AADSTS7000215): it is not a current secret value (often the secret's id was stored instead of its value).`, evidence: [...s215.naming, ...s215.anonymous].map(observationEvidence) });
  }
}

function latestEnd(creds: CredentialView[]): string {
  const t = Math.max(...creds.map((c) => Date.parse(c.credential.endDateTime!)));
  return new Date(t).toISOString().slice(0, 10);
}

function analyseMi(ctx: RuleContext, cluster: ManagedCluster, p: PullPrincipal, out: IdentityAnalysis): void {
  const k = cluster.kubeletIdentity;
  if (!k || (!k.clientId && !k.resourceId)) {
    out.problems.push({ code: "MI_NOT_FOUND", confidence: "high", message: "The cluster is a managed-identity cluster (servicePrincipalProfile.clientId is msi) but records no kubelet identity (identityProfile.kubeletidentity): nodes have no identity to pull with.", evidence: [{ source: cluster.source.file, path: `${cluster.source.path}.identityProfile`, observed: "no kubeletidentity" }] });
    return;
  }
  const lookups = factValue(ctx.snapshot.directoryLookups) ?? [];
  const gone = lookups.filter((l) => !l.found && l.id && (l.id === k.objectId?.toLowerCase() || l.id === k.clientId?.toLowerCase()));
  const idNotFound = observations(ctx).filter((o) => o.classification?.causes[0]?.code === "MI_NOT_FOUND");
  const vmss = factValue(ctx.snapshot.vmssIdentities);
  const uais = factValue(ctx.snapshot.userAssignedIdentities) ?? [];
  const recorded = uais.find((u) => sameId(u.id, k.resourceId));
  const base: Evidence = { source: cluster.source.file, path: `${cluster.source.path}.identityProfile.kubeletidentity`, observed: `clientId ${k.clientId ?? "?"}, objectId ${k.objectId ?? "?"}, resourceId ${k.resourceId ?? "?"}` };

  // The identity resource itself: recreated with the same name gives a new client id.
  if (recorded && ((k.clientId && recorded.clientId && recorded.clientId.toLowerCase() !== k.clientId.toLowerCase()) || (k.objectId && recorded.principalId && recorded.principalId.toLowerCase() !== k.objectId.toLowerCase()))) {
    out.problems.push({ code: "MI_CLIENT_ID_MISMATCH", confidence: "high", message: `The managed identity ${recorded.name} now has client id ${recorded.clientId}, but the cluster still records ${k.clientId}: the identity was recreated, and the nodes ask IMDS for an identity that no longer exists.`, evidence: [base, { source: recorded.source.file, path: `${recorded.source.path}.clientId`, observed: recorded.clientId ?? "", expected: k.clientId }] });
  }
  if (vmss && vmss.length > 0) {
    const attached = vmss.flatMap((v) => v.userAssignedIdentities.map((u) => ({ v, u })));
    const same = attached.filter(({ u }) => sameId(u.resourceId, k.resourceId) || (k.clientId && u.clientId?.toLowerCase() === k.clientId.toLowerCase()));
    const sameRidOtherClient = same.filter(({ u }) => k.clientId && u.clientId && u.clientId.toLowerCase() !== k.clientId.toLowerCase());
    if (sameRidOtherClient.length > 0) {
      const { v, u } = sameRidOtherClient[0]!;
      out.problems.push({ code: "MI_CLIENT_ID_MISMATCH", confidence: "high", message: `The node scale set carries ${u.resourceId.split("/").pop()} with client id ${u.clientId}, but the cluster records client id ${k.clientId}.`, evidence: [base, { source: v.source.file, path: `${v.source.path}.userAssignedIdentities`, observed: `${u.resourceId}: clientId ${u.clientId}`, expected: k.clientId }] });
    } else if (same.length === 0) {
      const others = attached.filter(({ u }) => /-agentpool$/i.test(u.resourceId) || normId(u.resourceId).includes(`/resourcegroups/${normId(cluster.nodeResourceGroup)}/`));
      const ev: Evidence[] = [base, ...vmss.map((v) => ({ source: v.source.file, path: `${v.source.path}.userAssignedIdentities`, observed: v.userAssignedIdentities.map((u) => `${u.resourceId.split("/").pop()} (clientId ${u.clientId ?? "?"})`).join(", ") || "none", expected: `${k.resourceId?.split("/").pop() ?? k.clientId}` }))];
      if (others.length > 0 && cluster.nodeResourceGroup) {
        out.problems.push({ code: "MI_CLIENT_ID_MISMATCH", confidence: "high", message: `The node scale set uses identity ${others[0]!.u.resourceId.split("/").pop()} (client id ${others[0]!.u.clientId ?? "?"}), not the cluster's recorded kubelet identity ${k.resourceId?.split("/").pop() ?? k.clientId}: nodes present a different identity from the one that holds registry roles.`, evidence: ev });
      } else {
        out.problems.push({ code: "MI_NOT_FOUND", confidence: "high", message: `The kubelet identity ${k.resourceId?.split("/").pop() ?? k.clientId} is not attached to the node scale set: IMDS answers "Identity not found" and the kubelet gets no token.`, evidence: ev });
      }
    } else {
      out.passes.push({ check: "kubelet identity attached to nodes", message: `${p.label} is attached to the node scale set with the recorded client id` });
    }
  } else {
    // the fact's own reason: "not in the evidence (az ...)" offline, the failed call when collected live
    const why = ctx.snapshot.vmssIdentities.status === "ok" ? "no scale set identity was found for the node pools" : factReason(ctx.snapshot.vmssIdentities);
    out.unknowns.push({ check: "kubelet identity attached to nodes", reason: `node scale set identities unavailable: ${why}` });
  }
  if (gone.length > 0 || idNotFound.length > 0) {
    if (!out.problems.some((x) => x.code === "MI_NOT_FOUND" || x.code === "MI_CLIENT_ID_MISMATCH")) {
      out.problems.push({ code: "MI_NOT_FOUND", confidence: gone.length > 0 ? "high" : "medium", message: `The kubelet identity ${k.resourceId?.split("/").pop() ?? k.clientId} cannot be found${gone.length ? " in Entra ID" : " by IMDS on the nodes"}: it was deleted or detached, so the kubelet gets no registry token.`, evidence: [base, ...gone.map((l) => ({ source: l.source.file, path: l.source.path, observed: l.message ?? "not found" })), ...idNotFound.map(observationEvidence)] });
    }
  }
}

export function identityAnalysis(ctx: RuleContext, cluster: ManagedCluster): IdentityAnalysis {
  return ctx.memo(`identity:${normId(cluster.id)}:${cluster.name}`, () => {
    const principal = pullPrincipal(ctx.snapshot, cluster);
    const out: IdentityAnalysis = { cluster, principal, problems: [], unknowns: [], passes: [] };
    if (principal.kind === "servicePrincipal") analyseSp(ctx, cluster, principal, out);
    else analyseMi(ctx, cluster, principal, out);
    return out;
  });
}

/** Identity problems that break pulls now (not the expiring-soon warning). */
export function blockingIdentityProblems(a: IdentityAnalysis): IdentityProblem[] {
  return a.problems.filter((p) => p.code !== "SP_SECRET_EXPIRING");
}
