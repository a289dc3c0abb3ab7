// Fleet audit: every cluster x registry pair of a (possibly tenant-sized) snapshot, judged by the same rules as
// `diagnose`, each cluster on its own view of the snapshot. Views are cut with indexes (assignments by principal
// and scope, registries by scope, directory objects by id), so the work grows with the number of pairs, never
// with clusters x assignments.
import type { CauseCode, Severity } from "../codes/causes.js";
import { evaluate } from "../engine/evaluate.js";
import { STAGES, type EngineOptions, type Finding, type Rule, type RuleContext, type Unknown } from "../engine/types.js";
import { RULES } from "../rules/index.js";
import { assignmentIndex, selfAndAncestorScopes } from "../rules/lib/assignment-index.js";
import { pullPrincipal } from "../rules/lib/principals.js";
import { workloadImages } from "../rules/lib/targets.js";
import { normId, subscriptionIdOf } from "../snapshot/ids.js";
import type { Fact, ManagedCluster, Registry, RoleAssignment, Snapshot } from "../snapshot/types.js";
import { coversIn, roleGrantsForRegistry } from "../rules/lib/rbac.js";
import { resolveRole } from "../rules/lib/roles.js";
import { VERSION } from "../version.js";
import { attribute, CLUSTER_LOCAL_FACTS, localFactsOf, type LocalFacts } from "./attribute.js";
import { credentialExpiries, type CredentialExpiry } from "./expiries.js";
import type { BaselineComparison } from "./baseline.js";

export const AUDIT_SCHEMA_VERSION = 1;

/** Codes a fleet audit reports: those the Azure configuration alone decides (not the ones read from pull errors). */
export const AUDIT_CODES: readonly CauseCode[] = [
  "SP_NOT_FOUND", "SP_DISABLED", "SP_SECRET_EXPIRED", "SP_SECRET_EXPIRING", "MI_NOT_FOUND", "MI_CLIENT_ID_MISMATCH",
  "RBAC_PULL_ROLE_MISSING", "RBAC_SCOPE_MISMATCH", "RBAC_WRONG_PRINCIPAL", "RBAC_DENY_ASSIGNMENT", "RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE",
  "RBAC_CONDITION_EXCLUDES_REPOSITORY", "RBAC_OVERPRIVILEGED", "RBAC_ORPHANED_ASSIGNMENT",
  "NET_PUBLIC_ACCESS_DISABLED", "NET_FIREWALL_DENIES_CLUSTER", "NET_PRIVATE_ENDPOINT_NOT_APPROVED", "NET_PRIVATE_DNS_MISCONFIGURED", "NET_EGRESS_BLOCKED",
  "CFG_AUTH_AS_ARM_DISABLED", "CFG_SKU_FEATURE_MISMATCH", "CFG_ADMIN_USER_ENABLED", "CFG_ANONYMOUS_PULL_ENABLED",
];
const AUDIT_CODE_SET = new Set<string>(AUDIT_CODES);

/** Codes about a registry alone: reported once per registry, whatever clusters pull from it. */
export const REGISTRY_CODES: readonly CauseCode[] = ["CFG_ADMIN_USER_ENABLED", "CFG_ANONYMOUS_PULL_ENABLED", "RBAC_ORPHANED_ASSIGNMENT", "CFG_SKU_FEATURE_MISMATCH"];
const REGISTRY_CODE_SET = new Set<string>(REGISTRY_CODES);

/** Is this code about a registry alone (reported once per registry, whichever clusters list it)? */
export function isRegistryOnlyCode(code: string): boolean {
  return REGISTRY_CODE_SET.has(code);
}

/** What makes two registry-only findings one: the code and the registry (ids compared case-insensitively). */
export function registryFindingKey(f: Pick<Finding, "code" | "subject">): string {
  return `${f.code}\u0000${normId(f.subject) || f.subject}`;
}

export const AUDIT_RULES: readonly Rule[] = RULES.filter((r) => r.codes.some((c) => AUDIT_CODE_SET.has(c)));
const REGISTRY_RULES: readonly Rule[] = AUDIT_RULES.filter((r) => r.codes.every((c) => REGISTRY_CODE_SET.has(c)));
/** The rule whose pass outcomes are the pull verdicts of the cluster's pairs. */
const PULL_VERDICT_RULE = "rbac-pull-role-missing";
const CLUSTER_RULES: readonly Rule[] = AUDIT_RULES.filter((r) => !REGISTRY_RULES.includes(r));

export interface AuditOptions {
  expiringWithinDays: number;
}

export interface ClusterAudit {
  id: string;
  name: string;
  subscriptionId?: string;
  /** registry ids paired with this cluster: its workloads pull from them, its identities hold a role on them, or (when nothing else names one) they share its subscription */
  registries: string[];
  /** pull verdict per paired registry: granted (a role or anonymous pull), denied (the findings say why), unknown (`unknown` says why); `pairedBy` says why the pair is judged */
  access: { registry: string; verdict: "granted" | "denied" | "unknown"; pairedBy: PairedBy }[];
  findings: Finding[];
  unknown: Unknown[];
}

export interface RegistryAudit {
  id: string;
  loginServer: string;
  /** clusters paired with it */
  pairedWith: string[];
  /** clusters whose pulling identity is granted pull (or anonymous pull is on) */
  pullableBy: string[];
  /** paired with at least one cluster, and none of them can pull */
  nobodyCanPull: boolean;
  /** the registry-only practices (admin user, anonymous pull, orphaned assignments, SKU) */
  findings: Finding[];
}

export interface AuditResult {
  schemaVersion: typeof AUDIT_SCHEMA_VERSION;
  kind: "audit";
  tool: { name: "pulldoctor"; version: string };
  generatedAt: string;
  options: AuditOptions;
  clusters: ClusterAudit[];
  registries: RegistryAudit[];
  /** every credential of the service-principal clusters' apps, soonest end first: metadata only, never secret text */
  expiries: CredentialExpiry[];
  summary: {
    clusters: number;
    registries: number;
    /** distinct findings: registry-only codes once per registry, the rest once per cluster and subject */
    byCode: Partial<Record<CauseCode, number>>;
    bySeverity: Record<Severity, number>;
    registriesNobodyCanPull: string[];
  };
  /** with `--baseline`: what changed since that audit (each finding then carries its `baselineState`) */
  baseline?: BaselineComparison;
  /** cluster-local evidence (kubectl output, VMSS identities) that no single cluster claims */
  unattributed: { file: string; reason: string; count: number }[];
  inputs: { kind: string; location?: string; files: number; used: number; errors: { file: string; reason?: string }[] };
}

/** The RuleContext `evaluate` builds, for analyses (verdicts, images) the audit reads directly. */
function contextOf(snapshot: Snapshot, options: EngineOptions): RuleContext {
  const cache = new Map<string, unknown>();
  return {
    snapshot,
    options,
    memo<T>(key: string, compute: () => T): T {
      if (!cache.has(key)) cache.set(key, compute());
      return cache.get(key) as T;
    },
  };
}

function ok<T>(value: T[]): Fact<T[]> {
  return { status: "ok", value };
}

/** A subset of a fact, in the fact's own order; a fact that is not `ok` stays as it is (its reason is data too). */
function subset<T>(fact: Fact<T[]>, order: Map<T, number>, items: Iterable<T>): Fact<T[]> {
  if (fact.status !== "ok") return fact;
  const list = [...new Set(items)];
  // index queries already answer in snapshot order: sort only when the pieces came from several of them
  for (let i = 1; i < list.length; i++) if (order.get(list[i - 1]!)! > order.get(list[i]!)!) return ok(list.sort((a, b) => order.get(a)! - order.get(b)!));
  return ok(list);
}

function orderOf<T>(fact: Fact<T[]>): Map<T, number> {
  const m = new Map<T, number>();
  if (fact.status === "ok") fact.value.forEach((v, i) => m.set(v, i));
  return m;
}

function multiMap<T>(items: readonly T[], keys: (t: T) => (string | undefined)[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    for (const k of keys(it)) {
      if (!k) continue;
      const key = k.toLowerCase();
      const list = m.get(key);
      if (list) {
        if (list[list.length - 1] !== it) list.push(it);
      } else m.set(key, [it]);
    }
  }
  return m;
}

const val = <T>(f: Fact<T[]>): T[] => (f.status === "ok" ? f.value : []);

function subscriptionOf(id: string, explicit?: string): string | undefined {
  return (explicit ?? subscriptionIdOf(id))?.toLowerCase();
}

/** Pull-capable assignments covering one registry: those every view keeps (groups, user-assigned identities), and the rest by holder and by service principal display name (lower-cased). */
interface PullCapable {
  always: RoleAssignment[];
  byPrincipal: Map<string, RoleAssignment[]>;
  byServicePrincipalName: Map<string, RoleAssignment[]>;
}

const pushTo = <T>(m: Map<string, T[]>, k: string, v: T) => {
  const l = m.get(k);
  if (l) l.push(v);
  else m.set(k, [v]);
};

/** Fleet indexes over the whole snapshot, built once. */
function indexes(s: Snapshot) {
  const registries = val(s.registries);
  const registryOrder = orderOf(s.registries);
  // a registry is covered by an assignment at its id, its resource group or its subscription
  const registriesByScope = multiMap(registries, (r) => selfAndAncestorScopes(r.id).filter((x) => x.startsWith("/subscriptions/")));
  const registriesByLogin = multiMap(registries, (r) => [r.loginServer]);
  const registriesBySubscription = multiMap(registries, (r) => [subscriptionOf(r.id, r.subscriptionId)]);
  const sps = val(s.servicePrincipals);
  const uais = val(s.userAssignedIdentities);
  const lookups = val(s.directoryLookups).filter((l) => l.id);
  // role definition id -> role definition name ("" when absent) -> can pull; two levels so no key string is built per call
  const pullRoles = new Map<string, Map<string, boolean>>();
  /** Does the assignment's role grant pull in either registry mode? One resolution per role definition, not per assignment. */
  const canPull = (a: RoleAssignment): boolean => {
    let byName = pullRoles.get(a.roleDefinitionId);
    if (!byName) pullRoles.set(a.roleDefinitionId, (byName = new Map()));
    const name = a.roleDefinitionName ?? "";
    let yes = byName.get(name);
    if (yes === undefined) {
      const role = resolveRole(s, a.roleDefinitionId, a.roleDefinitionName);
      yes = role !== undefined && roleGrantsForRegistry(role, "pull");
      byName.set(name, yes);
    }
    return yes;
  };
  const spIds = new Set(sps.map((x) => x.id.toLowerCase()));
  const uaiPrincipals = new Set(uais.map((u) => u.principalId?.toLowerCase()).filter((x): x is string => !!x));
  const spNameById = new Map(sps.filter((x) => x.displayName).map((x) => [x.id.toLowerCase(), x.displayName!.toLowerCase()]));
  const assignments = assignmentIndex(val(s.roleAssignments));
  const candidates = new Map<Registry, RoleAssignment[]>();
  const covers = coversIn(s);
  /**
   * Assignments that cover a registry, once per registry: the registry pass and the pull-capable split both read them.
   * Exactly those (not the index's superset): a tenant's management-group assignments would otherwise join every
   * registry's list, including the groups that are not above the registry's subscription.
   */
  const coveringCandidates = (r: Registry): RoleAssignment[] => {
    let c = candidates.get(r);
    if (!c) candidates.set(r, (c = assignments.covering(r.id, covers)));
    return c;
  };
  const covering = new Map<Registry, PullCapable>();
  /** Pull-capable assignments that may cover a registry, split by who holds them; computed once per registry, shared by its clusters. */
  const pullCapableOn = (r: Registry): PullCapable => {
    let c = covering.get(r);
    if (!c) {
      c = { always: [], byPrincipal: new Map(), byServicePrincipalName: new Map() };
      for (const a of coveringCandidates(r)) {
        if (!canPull(a)) continue;
        const pid = a.principalId.toLowerCase();
        if (a.principalType === "Group" || uaiPrincipals.has(pid)) c.always.push(a);
        else {
          pushTo(c.byPrincipal, pid, a);
          const name = spIds.has(pid) ? spNameById.get(pid) : undefined;
          if (name !== undefined) pushTo(c.byServicePrincipalName, name, a);
        }
      }
      covering.set(r, c);
    }
    return c;
  };
  return {
    canPull,
    pullCapableOn,
    registryOrder,
    registriesByScope,
    registriesByLogin,
    registriesBySubscription,
    assignments,
    coveringCandidates,
    assignmentOrder: orderOf(s.roleAssignments),
    spByAppId: multiMap(sps, (x) => [x.appId]),
    spById: multiMap(sps, (x) => [x.id]),
    appByAppId: multiMap(val(s.applications), (x) => [x.appId]),
    uaiByRef: multiMap(uais, (u) => [normId(u.id), u.clientId]),
    uaiByPrincipal: multiMap(uais, (u) => [u.principalId]),
    spOrder: orderOf(s.servicePrincipals),
    appOrder: orderOf(s.applications),
    uaiOrder: orderOf(s.userAssignedIdentities),
    lookupById: multiMap(lookups, (l) => [l.id]),
    lookupOrder: orderOf(s.directoryLookups),
  };
}
type Indexes = ReturnType<typeof indexes>;

const get = <T>(m: Map<string, T[]>, k: string | undefined): T[] => (k ? (m.get(k.toLowerCase()) ?? []) : []);

function localFact<K extends (typeof CLUSTER_LOCAL_FACTS)[number]>(s: Snapshot, k: K, local: LocalFacts): Snapshot[K] {
  const items = local[k];
  // The whole fact is missing (not collected): keep its reason. Collected for other clusters only: this cluster has none.
  if (s[k].status !== "ok") return s[k];
  if (k === "directoryLookups") return s[k];
  return { status: "ok", value: items } as Snapshot[K];
}

/** Why a registry is judged for a cluster: its workloads pull from it, its identities hold a role on it, or (only when neither names any registry) it is in the cluster's subscription. */
export type PairedBy = "workload" | "role" | "subscription";

interface ClusterView {
  view: Snapshot;
  paired: Registry[];
  pairedBy: Map<Registry, PairedBy>;
}

/** The snapshot as `diagnose` would see it for this cluster alone: its Kubernetes facts, the registries paired with it, and the Azure facts that can bear on those pairs. */
function clusterView(s: Snapshot, ix: Indexes, cluster: ManagedCluster, local: LocalFacts, engine: EngineOptions): ClusterView {
  const appId = cluster.servicePrincipalClientId && cluster.servicePrincipalClientId.toLowerCase() !== "msi" ? cluster.servicePrincipalClientId : undefined;
  const k = cluster.kubeletIdentity;
  const base: Snapshot = {
    ...s,
    clusters: ok([cluster]),
    events: localFact(s, "events", local),
    pods: localFact(s, "pods", local),
    nodes: localFact(s, "nodes", local),
    pullSecrets: localFact(s, "pullSecrets", local),
    serviceAccounts: localFact(s, "serviceAccounts", local),
    podDescriptions: localFact(s, "podDescriptions", local),
    probeResults: localFact(s, "probeResults", local),
    vmssIdentities: localFact(s, "vmssIdentities", local),
    servicePrincipals: subset(s.servicePrincipals, ix.spOrder, get(ix.spByAppId, appId)),
    applications: subset(s.applications, ix.appOrder, get(ix.appByAppId, appId)),
    userAssignedIdentities: subset(s.userAssignedIdentities, ix.uaiOrder, [...get(ix.uaiByRef, normId(k?.resourceId)), ...get(ix.uaiByRef, k?.clientId)]),
    // pullPrincipal reads az's principalName (the appId) only when no service principal object names the app
    roleAssignments: subset(s.roleAssignments, ix.assignmentOrder, appId && get(ix.spByAppId, appId).length === 0 ? ix.assignments.byPrincipalName(appId) : []),
  };
  // Who pulls: the rules' own derivation, on the facts that can name it.
  const puller = pullPrincipal(base, cluster);
  const principals = new Set<string>();
  const addPrincipal = (id: string | undefined) => id && principals.add(id.toLowerCase());
  addPrincipal(puller.objectId);
  addPrincipal(cluster.identity?.principalId);
  for (const v of Object.values(cluster.identity?.userAssignedIdentities ?? {})) addPrincipal(v.principalId);

  // Pairs: registries the workloads pull from and registries the cluster's identities hold any role on. Only a cluster
  // with neither (no kubectl evidence, no role anywhere: the typical cluster whose AcrPull was removed) is paired with
  // the registries of its own subscription, so its missing role is still reported without every cluster of a busy
  // subscription being judged against registries it never meant to use.
  const pairedBy = new Map<Registry, PairedBy>();
  const pair = (r: Registry, by: PairedBy) => {
    if (!pairedBy.has(r)) pairedBy.set(r, by);
  };
  // (most clusters of a Resource Graph export have no kubectl evidence: then there is no workload image to read)
  const hasWorkloads = local.pods.length + local.events.length + local.podDescriptions.length + s.targets.images.length > 0;
  const images = hasWorkloads ? workloadImages(contextOf(base, engine)) : [];
  for (const i of images) if (i.valid) for (const r of get(ix.registriesByLogin, i.host)) pair(r, "workload");
  for (const p of principals) for (const a of ix.assignments.byPrincipal(p)) for (const r of get(ix.registriesByScope, normId(a.scope))) pair(r, "role");
  if (pairedBy.size === 0) for (const r of get(ix.registriesBySubscription, subscriptionOf(cluster.id, cluster.subscriptionId))) pair(r, "subscription");
  const registries = [...pairedBy.keys()].sort((a, b) => ix.registryOrder.get(a)! - ix.registryOrder.get(b)!);

  // Assignments that can bear on this cluster's pairs: the puller's own (scope mismatches, over-privilege), and of those
  // covering a paired registry, the ones held by groups (named in RBAC_PULL_ROLE_MISSING) or by principals the rules treat
  // as related-but-wrong (relatedWrongPrincipals: control-plane identities, the client id, user-assigned identities,
  // same-name service principals). Anyone else's role on the registry changes no cluster verdict, and leaving them out
  // keeps each view as small as the cluster's own pairs; registry-wide practices run on the registry pass instead.
  const assignments = [...val(base.roleAssignments), ...ix.assignments.byPrincipal(puller.objectId)];
  const names = new Set([...val(base.servicePrincipals).map((x) => x.displayName), ...val(base.applications).map((x) => x.displayName)].filter((x): x is string => !!x).map((x) => x.toLowerCase()));
  const own = new Set([...principals, k?.clientId?.toLowerCase(), appId?.toLowerCase()].filter((x): x is string => !!x));
  // Only roles that can pull matter there (holdersOn and the group grants keep nothing else; unresolvable roles are dropped by them too).
  // Related identities: the cluster's own principals, any user-assigned identity, and service principals named like its own.
  for (const r of registries) {
    const c = ix.pullCapableOn(r);
    assignments.push(...c.always);
    for (const p of own) assignments.push(...(c.byPrincipal.get(p) ?? []));
    for (const n of names) assignments.push(...(c.byServicePrincipalName.get(n) ?? []));
  }
  const holders = new Set(assignments.map((a) => a.principalId.toLowerCase()));
  const lookupIds = [appId, puller.objectId, k?.objectId, k?.clientId, ...holders];

  const view: Snapshot = {
    ...base,
    targets: { ...s.targets, registries: registries.map((r) => r.id) },
    registries: subset(s.registries, ix.registryOrder, registries),
    roleAssignments: subset(s.roleAssignments, ix.assignmentOrder, assignments),
    servicePrincipals: subset(s.servicePrincipals, ix.spOrder, [...val(base.servicePrincipals), ...[...holders].flatMap((h) => get(ix.spById, h))]),
    userAssignedIdentities: subset(s.userAssignedIdentities, ix.uaiOrder, [...val(base.userAssignedIdentities), ...[...holders].flatMap((h) => get(ix.uaiByPrincipal, h))]),
    directoryLookups:
      s.directoryLookups.status === "ok"
        ? ok([...local.directoryLookups, ...[...new Set(lookupIds.flatMap((id) => get(ix.lookupById, id)))].sort((a, b) => ix.lookupOrder.get(a)! - ix.lookupOrder.get(b)!)])
        : s.directoryLookups,
  };
  return { view, paired: registries, pairedBy };
}

function registryView(s: Snapshot, ix: Indexes, registry: Registry): Snapshot {
  const assignments = ix.coveringCandidates(registry);
  const ids = new Set(assignments.map((a) => a.principalId.toLowerCase()));
  return {
    ...s,
    targets: { ...s.targets, registries: [registry.id] },
    clusters: { status: "skipped", reason: "registry-only audit" },
    registries: ok([registry]),
    roleAssignments: subset(s.roleAssignments, ix.assignmentOrder, assignments),
    directoryLookups: subset(s.directoryLookups, ix.lookupOrder, [...ids].flatMap((id) => get(ix.lookupById, id))),
    events: { status: "skipped", reason: "registry-only audit" },
    pods: { status: "skipped", reason: "registry-only audit" },
    podDescriptions: { status: "skipped", reason: "registry-only audit" },
  };
}

const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const satisfies Record<Severity, number>;

/** The engine's order: troubleshooting stage, then severity, code and subject. */
function sortFindings(list: Finding[]): Finding[] {
  const stage = (f: Finding) => STAGES.indexOf(f.stage);
  return list.sort((a, b) => stage(a) - stage(b) || SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.code.localeCompare(b.code) || a.subject.localeCompare(b.subject));
}

/** Audit every cluster and registry of the snapshot. Pure, like `evaluate`. */
export function audit(snapshot: Snapshot, options: Partial<AuditOptions> = {}): AuditResult {
  const opts: AuditOptions = { expiringWithinDays: options.expiringWithinDays ?? 30 };
  const engine: EngineOptions = { expiringWithinDays: opts.expiringWithinDays };
  const ix = indexes(snapshot);
  const attribution = attribute(snapshot);
  const registries = val(snapshot.registries);
  const reg = new Map<Registry, RegistryAudit>(registries.map((r) => [r, { id: r.id, loginServer: r.loginServer, pairedWith: [], pullableBy: [], nobodyCanPull: false, findings: [] }]));

  // Registry-only practices first: every cluster paired with a registry inherits them, as `diagnose` would report them.
  for (const r of registries) reg.get(r)!.findings = evaluate(registryView(snapshot, ix, r), REGISTRY_RULES, engine).findings.filter((f) => REGISTRY_CODE_SET.has(f.code));

  const clusters: ClusterAudit[] = [];
  for (const cluster of val(snapshot.clusters)) {
    const { view, paired, pairedBy } = clusterView(snapshot, ix, cluster, localFactsOf(attribution, cluster), engine);
    const report = evaluate(view, CLUSTER_RULES, engine);
    const clusterId = cluster.id || cluster.name;
    // rbac-pull-role-missing passes exactly the pairs whose verdict is granted (or anonymous pull): read them off the report
    // rather than evaluating access a second time.
    const pullable = new Set(report.passed.filter((p) => p.rule === PULL_VERDICT_RULE && p.subject).map((p) => normId(p.subject)));
    const unknown = new Set(report.unknown.filter((u) => u.rule === PULL_VERDICT_RULE && u.subject).map((u) => normId(u.subject)));
    const access: ClusterAudit["access"] = [];
    for (const r of paired) {
      const key = normId(r.id);
      const verdict = pullable.has(key) ? "granted" : unknown.has(key) ? "unknown" : "denied";
      access.push({ registry: r.id, verdict, pairedBy: pairedBy.get(r)! });
      if (verdict === "granted") reg.get(r)?.pullableBy.push(clusterId);
    }
    for (const r of paired) reg.get(r)?.pairedWith.push(clusterId);
    clusters.push({
      id: clusterId,
      name: cluster.name,
      ...(cluster.subscriptionId ? { subscriptionId: cluster.subscriptionId } : {}),
      registries: paired.map((r) => r.id),
      access,
      findings: sortFindings([...report.findings.filter((f) => AUDIT_CODE_SET.has(f.code)), ...paired.flatMap((r) => reg.get(r)?.findings ?? [])]),
      unknown: report.unknown,
    });
  }

  for (const entry of reg.values()) entry.nobodyCanPull = entry.pairedWith.length > 0 && entry.pullableBy.length === 0;

  // worst clusters first: most errors, then warnings, then infos
  const tally = new Map<ClusterAudit, [number, number, number]>();
  for (const c of clusters) {
    const t: [number, number, number] = [0, 0, 0];
    for (const f of c.findings) t[SEVERITY_RANK[f.severity] as 0 | 1 | 2] += 1;
    tally.set(c, t);
  }
  clusters.sort((a, b) => {
    const x = tally.get(a)!;
    const y = tally.get(b)!;
    return y[0] - x[0] || y[1] - x[1] || y[2] - x[2] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  });

  const byCode: Partial<Record<CauseCode, number>> = {};
  const bySeverity: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  const count = (f: Finding) => {
    byCode[f.code] = (byCode[f.code] ?? 0) + 1;
    bySeverity[f.severity]++;
  };
  for (const c of clusters) for (const f of c.findings) if (!REGISTRY_CODE_SET.has(f.code)) count(f);
  const registryFindings = new Map<string, Finding>();
  // registry-only codes: once per registry, whether a cluster view or the registry pass found them
  for (const f of [...[...reg.values()].flatMap((r) => r.findings), ...clusters.flatMap((c) => c.findings.filter((x) => REGISTRY_CODE_SET.has(x.code)))]) {
    const key = registryFindingKey(f);
    const prev = registryFindings.get(key);
    if (!prev || SEVERITY_RANK[f.severity] < SEVERITY_RANK[prev.severity]) registryFindings.set(key, f);
  }
  for (const f of registryFindings.values()) count(f);

  const files = snapshot.input.files;
  const registryList = [...reg.values()];
  return {
    schemaVersion: AUDIT_SCHEMA_VERSION,
    kind: "audit",
    tool: { name: "pulldoctor", version: VERSION },
    generatedAt: snapshot.now,
    options: opts,
    clusters,
    registries: registryList,
    expiries: credentialExpiries(snapshot, val(snapshot.clusters), new Date(snapshot.now)),
    summary: {
      clusters: clusters.length,
      registries: registryList.length,
      byCode,
      bySeverity,
      registriesNobodyCanPull: registryList.filter((r) => r.nobodyCanPull).map((r) => r.id),
    },
    unattributed: attribution.unattributed,
    inputs: {
      kind: snapshot.input.kind,
      ...(snapshot.input.location ? { location: snapshot.input.location } : {}),
      files: files.length,
      used: files.filter((f) => f.status === "used").length,
      errors: files.filter((f) => f.status === "error").map((f) => ({ file: f.file, ...(f.reason ? { reason: f.reason } : {}) })),
    },
  };
}

/** Every finding of the audit, cluster findings first, then registry-only ones. */
export function allFindings(result: AuditResult): Finding[] {
  return [...result.clusters.flatMap((c) => c.findings), ...result.registries.flatMap((r) => r.findings)];
}

/** The worst severity among the findings that gate: all of them, or with a baseline only the new ones. */
export function worstSeverity(result: AuditResult): Severity | undefined {
  let worst: Severity | undefined;
  for (const f of allFindings(result)) {
    if (result.baseline && f.baselineState !== "new") continue;
    if (!worst || SEVERITY_RANK[f.severity] < SEVERITY_RANK[worst]) worst = f.severity;
  }
  return worst;
}

/** `--fail-on`: a finding at or above `threshold` (with a baseline: a new one) exists. */
export function failsAt(result: AuditResult, threshold: Severity): boolean {
  const w = worstSeverity(result);
  return w !== undefined && SEVERITY_RANK[w] <= SEVERITY_RANK[threshold];
}

