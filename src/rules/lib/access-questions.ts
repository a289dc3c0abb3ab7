import type { RuleContext } from "../../engine/types.js";
import type { AccessQuestion, Registry } from "../../snapshot/types.js";
import { sameId } from "../../snapshot/ids.js";
import { factValue } from "./principals.js";
import { evaluateAccess, type AccessVerdict } from "./rbac.js";

export interface AnsweredQuestion {
  question: AccessQuestion;
  registry?: Registry;
  /** the object id the principal resolved to */
  objectId?: string;
  resolvedVia?: string;
  verdict: AccessVerdict;
}

/** Resolve a principal given as object id, app id or client id to the object id role assignments use. */
export function resolvePrincipalObjectId(ctx: RuleContext, principal: string): { objectId?: string; via?: string } {
  const p = principal.toLowerCase();
  const s = ctx.snapshot;
  const sp = (factValue(s.servicePrincipals) ?? []).find((x) => x.id.toLowerCase() === p || x.appId?.toLowerCase() === p);
  if (sp) return { objectId: sp.id.toLowerCase(), via: `service principal ${sp.displayName ?? sp.id}` };
  const uai = (factValue(s.userAssignedIdentities) ?? []).find((u) => u.principalId?.toLowerCase() === p || u.clientId?.toLowerCase() === p);
  if (uai?.principalId) return { objectId: uai.principalId.toLowerCase(), via: `managed identity ${uai.name}` };
  for (const c of factValue(s.clusters) ?? []) {
    const k = c.kubeletIdentity;
    if (k?.objectId && (k.objectId.toLowerCase() === p || k.clientId?.toLowerCase() === p)) return { objectId: k.objectId.toLowerCase(), via: `kubelet identity of ${c.name}` };
  }
  const ras = factValue(s.roleAssignments) ?? [];
  const byName = ras.find((r) => r.principalName?.toLowerCase() === p);
  if (byName) return { objectId: byName.principalId.toLowerCase(), via: `role assignment principalName ${byName.principalName}` };
  if (ras.some((r) => r.principalId.toLowerCase() === p)) return { objectId: p, via: "object id" };
  if (/^[0-9a-f-]{36}$/.test(p)) return { objectId: p, via: "taken as an object id (not found elsewhere in the evidence)" };
  return {};
}

export function findRegistry(ctx: RuleContext, name: string): Registry | undefined {
  const n = name.toLowerCase();
  return (factValue(ctx.snapshot.registries) ?? []).find((r) => r.name.toLowerCase() === n || r.loginServer.toLowerCase() === n || sameId(r.id, name));
}

export function answeredQuestions(ctx: RuleContext): AnsweredQuestion[] {
  return ctx.memo("accessQuestions", () =>
    (ctx.snapshot.targets.access ?? []).map((question) => {
      const registry = findRegistry(ctx, question.registry);
      const { objectId, via } = resolvePrincipalObjectId(ctx, question.principal);
      if (!registry) return { question, objectId, resolvedVia: via, verdict: { status: "unknown", reason: `registry ${question.registry} is not in the evidence (az acr show -n ${question.registry} -o json)` } as AccessVerdict };
      const verdict = evaluateAccess(ctx.snapshot, objectId, registry, question.action, question.repository ? [question.repository] : []);
      return { question, registry, objectId, resolvedVia: via, verdict };
    }),
  );
}
