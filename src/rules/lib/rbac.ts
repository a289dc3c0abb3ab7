import type { DenyAssignment, Registry, RoleAssignment, Snapshot } from "../../snapshot/types.js";
import { managementGroupOf, normId, scopeContains, subscriptionIdOf } from "../../snapshot/ids.js";
import { evaluateCondition, REPOSITORY_NAME_ATTRIBUTE, type Tri } from "./conditions.js";
import { factReason, factValue } from "./principals.js";
import { assignmentIndex, resolvedRoleOf } from "./assignment-index.js";
import { PULL_ACTION, PUSH_ACTION, REPO_CONTENT_READ, REPO_CONTENT_WRITE, permissionsGrant, type ResolvedRole } from "./roles.js";

export type AccessAction = "pull" | "push";

export interface Grant {
  assignment: RoleAssignment;
  role: ResolvedRole;
}

export type AccessVerdict =
  | { status: "unknown"; reason: string }
  | { status: "anonymous" }
  | { status: "granted"; grants: Grant[] }
  | { status: "denied"; cause: "deny-assignment"; deny: DenyAssignment; grants: Grant[] }
  | { status: "denied"; cause: "abac-mode"; legacyGrants: Grant[] }
  | { status: "denied"; cause: "condition"; conditioned: Grant[]; repositories: string[] }
  | { status: "denied"; cause: "no-role"; elsewhere: Grant[]; groupGrants: Grant[] };

const EVERYONE = "00000000-0000-0000-0000-000000000000";

/** The management groups above a subscription (lower-case names), or undefined when the snapshot does not say. */
export type ManagementGroupAncestry = (subscriptionId: string) => ReadonlySet<string> | undefined;

const NO_ANCESTRY: ManagementGroupAncestry = () => undefined;
// Keyed on the fact itself: every per-cluster or per-registry view cut from one snapshot shares it.
const ancestryCache = new WeakMap<object, ManagementGroupAncestry>();

/** The snapshot's subscription -> management-group ancestry, built once per snapshot. */
export function managementGroupAncestry(snapshot: Pick<Snapshot, "subscriptions">): ManagementGroupAncestry {
  const fact = snapshot.subscriptions;
  if (fact === undefined || fact.status !== "ok" || fact.value.length === 0) return NO_ANCESTRY;
  let a = ancestryCache.get(fact);
  if (!a) {
    const bySub = new Map<string, ReadonlySet<string>>();
    for (const sub of fact.value) if (sub.subscriptionId && sub.managementGroupAncestors) bySub.set(sub.subscriptionId.toLowerCase(), new Set(sub.managementGroupAncestors.map((m) => m.toLowerCase())));
    a = (subscriptionId) => bySub.get(subscriptionId.toLowerCase());
    ancestryCache.set(fact, a);
  }
  return a;
}

/**
 * Role assignments inherit down the tree MG -> subscription -> RG -> resource. A root-scoped assignment covers every
 * resource. A management-group one covers a resource when the group is above the resource's subscription: the
 * ancestry says so when the snapshot has it (Resource Graph's managementGroupAncestorsChain); without it the
 * assignment is taken as covering, because `az role assignment list --include-inherited` lists only the groups
 * above the subscription it was run for.
 */
export function assignmentCovers(scope: string, resourceId: string, ancestry: ManagementGroupAncestry = NO_ANCESTRY): boolean {
  // normId trims the trailing slash, so the root scope "/" arrives here as "" (tenant-root assignments cover all)
  if (scope.trim() === "/") return true;
  const mg = managementGroupOf(scope);
  if (mg !== undefined) {
    const sub = subscriptionIdOf(resourceId);
    const above = sub === undefined ? undefined : ancestry(sub);
    return above === undefined ? true : above.has(mg);
  }
  return scopeContains(scope, resourceId);
}

/** `assignmentCovers` with the snapshot's ancestry bound, for callers that pass the test along. */
export function coversIn(snapshot: Pick<Snapshot, "subscriptions">): (scope: string, resourceId: string) => boolean {
  const ancestry = managementGroupAncestry(snapshot);
  return (scope, resourceId) => assignmentCovers(scope, resourceId, ancestry);
}

export function isAbacMode(registry: Registry): boolean {
  return /abac/i.test(registry.roleAssignmentMode ?? "");
}

function actionsFor(action: AccessAction): { control: string; data: string } {
  return action === "pull" ? { control: PULL_ACTION, data: REPO_CONTENT_READ } : { control: PUSH_ACTION, data: REPO_CONTENT_WRITE };
}

// Keyed on the role's permission list, which every resolution of one definition shares (the built-in table's, or the
// snapshot's custom definition): a fleet asks the same few roles the same question millions of times.
const roleGrantsMemo = new WeakMap<object, Map<string, boolean>>();

/** Does this role grant the action in this registry mode (ignoring conditions)? */
export function roleGrants(role: ResolvedRole, action: AccessAction, abac: boolean): boolean {
  let memo = roleGrantsMemo.get(role.permissions);
  if (!memo) roleGrantsMemo.set(role.permissions, (memo = new Map()));
  const key = abac ? `${action}:abac` : action;
  let yes = memo.get(key);
  if (yes === undefined) memo.set(key, (yes = computeRoleGrants(role, action, abac)));
  return yes;
}

function computeRoleGrants(role: ResolvedRole, action: AccessAction, abac: boolean): boolean {
  const { control, data } = actionsFor(action);
  const viaData = permissionsGrant(role.permissions, data, "dataAction");
  // ABAC mode honours only repository data actions; AcrPull/AcrPush/Owner/Contributor/Reader lose data-plane access
  // (container-registry-rbac-abac-repository-permissions.md).
  if (abac) return viaData;
  return viaData || permissionsGrant(role.permissions, control, "action");
}

export function resolveGrants(snapshot: Snapshot, assignments: RoleAssignment[]): { resolved: Grant[]; unresolved: RoleAssignment[] } {
  const resolved: Grant[] = [];
  const unresolved: RoleAssignment[] = [];
  for (const a of assignments) {
    const role = resolvedRoleOf(snapshot, a);
    if (role) resolved.push({ assignment: a, role });
    else unresolved.push(a);
  }
  return { resolved, unresolved };
}

export function denyApplies(d: DenyAssignment, principalId: string, resourceId: string, action: AccessAction, ancestry?: ManagementGroupAncestry): boolean {
  const covers = d.doNotApplyToChildScopes ? normId(d.scope) === normId(resourceId) : assignmentCovers(d.scope, resourceId, ancestry);
  if (!covers) return false;
  const pid = principalId.toLowerCase();
  const targeted = d.principals.some((p) => p.id.toLowerCase() === pid || p.id === EVERYONE);
  if (!targeted || d.excludePrincipals.some((p) => p.id.toLowerCase() === pid)) return false;
  const { control, data } = actionsFor(action);
  // A deny on the repository data action blocks pulls in either mode (deny is evaluated before any role).
  return permissionsGrant(d.permissions, control, "action") || permissionsGrant(d.permissions, data, "dataAction");
}

function conditionFor(grant: Grant, action: AccessAction, repositories: string[]): Tri {
  const cond = grant.assignment.condition;
  if (!cond) return true;
  const { data } = actionsFor(action);
  if (repositories.length === 0) return evaluateCondition(cond, { action: data, attributes: { [REPOSITORY_NAME_ATTRIBUTE]: undefined } });
  let all: Tri = true;
  for (const repo of repositories) {
    const r = evaluateCondition(cond, { action: data, attributes: { [REPOSITORY_NAME_ATTRIBUTE]: repo } });
    if (r === false) return false;
    if (r === "unknown") all = "unknown";
  }
  return all;
}

/** Can `principalId` perform `action` on `registry` (for these repositories)? Pure; decides from the evidence only. */
export function evaluateAccess(snapshot: Snapshot, principalId: string | undefined, registry: Registry, action: AccessAction, repositories: string[]): AccessVerdict {
  if (action === "pull" && registry.anonymousPullEnabled) return { status: "anonymous" };
  if (snapshot.roleAssignments.status !== "ok") return { status: "unknown", reason: `role assignments not available: ${factReason(snapshot.roleAssignments)}` };
  if (!principalId) return { status: "unknown", reason: "the pulling principal's object id is not in the evidence" };
  const pid = principalId.toLowerCase();
  const all = snapshot.roleAssignments.value;
  const index = assignmentIndex(all);
  const mine = index.byPrincipal(pid);
  const abac = isAbacMode(registry);
  const { resolved, unresolved } = resolveGrants(snapshot, mine);
  const ancestry = managementGroupAncestry(snapshot);
  const covers = coversIn(snapshot);
  const covering = resolved.filter((g) => covers(g.assignment.scope, registry.id));
  // In legacy mode ABAC conditions on repository roles are not honoured, so only ABAC mode evaluates them.
  const grants = covering.filter((g) => roleGrants(g.role, action, abac));
  const unconditional = abac ? grants.filter((g) => !g.assignment.condition) : grants;
  const conditioned = abac ? grants.filter((g) => !!g.assignment.condition) : [];

  let effective: Grant[] = unconditional;
  if (effective.length === 0 && conditioned.length > 0) {
    const results = conditioned.map((g) => ({ g, r: conditionFor(g, action, repositories) }));
    const allowed = results.filter((x) => x.r === true).map((x) => x.g);
    if (allowed.length > 0) effective = allowed;
    else if (results.some((x) => x.r === "unknown")) {
      return { status: "unknown", reason: repositories.length === 0 ? "a role assignment condition limits repositories, and no repository is known" : "a role assignment condition could not be evaluated" };
    } else return { status: "denied", cause: "condition", conditioned, repositories };
  }

  if (effective.length > 0) {
    if (snapshot.denyAssignments.status === "ok") {
      const deny = snapshot.denyAssignments.value.find((d) => denyApplies(d, pid, registry.id, action, ancestry));
      if (deny) return { status: "denied", cause: "deny-assignment", deny, grants: effective };
    }
    return { status: "granted", grants: effective };
  }

  const coveringUnresolved = unresolved.filter((a) => covers(a.scope, registry.id));
  if (coveringUnresolved.length > 0) {
    const names = coveringUnresolved.map((a) => a.roleDefinitionName ?? a.roleDefinitionId).join(", ");
    return { status: "unknown", reason: `role definition(s) ${names} are not in the evidence (az role definition list --custom-role-only true -o json)` };
  }
  if (abac) {
    const legacyGrants = covering.filter((g) => roleGrants(g.role, action, false));
    if (legacyGrants.length > 0) return { status: "denied", cause: "abac-mode", legacyGrants };
  }
  const elsewhere = resolved.filter((g) => !covers(g.assignment.scope, registry.id) && roleGrantsForRegistry(g.role, action) && isRegistryRelevantScope(g.assignment.scope));
  const groupGrants = resolveGrants(snapshot, index.covering(registry.id, covers).filter((a) => a.principalType === "Group")).resolved.filter((g) => roleGrants(g.role, action, abac));
  return { status: "denied", cause: "no-role", elsewhere, groupGrants };
}

/** A role that grants the action on registries in either mode (AcrPull, Repository Reader, Owner...). */
export function roleGrantsForRegistry(role: ResolvedRole, action: AccessAction): boolean {
  return roleGrants(role, action, false) || roleGrants(role, action, true);
}

/** Scope mismatch only counts scopes that could hold a registry: another registry, a resource group, a subscription,
 *  a management group. An Owner role on a Key Vault is not an attempt to grant registry access. */
function isRegistryRelevantScope(scope: string): boolean {
  const s = normId(scope);
  if (!s.includes("/providers/") || managementGroupOf(s) !== undefined) return true;
  return s.includes("/providers/microsoft.containerregistry/registries/");
}

/** Who else holds the action on the registry (used for RBAC_WRONG_PRINCIPAL and RBAC_ORPHANED_ASSIGNMENT). */
export function holdersOn(snapshot: Snapshot, registry: Registry, action: AccessAction): Grant[] {
  const all = factValue(snapshot.roleAssignments) ?? [];
  const abac = isAbacMode(registry);
  return resolveGrants(snapshot, assignmentIndex(all).covering(registry.id, coversIn(snapshot))).resolved.filter((g) => roleGrants(g.role, action, abac) || (action === "pull" && roleGrants(g.role, action, false)));
}
