import type { RoleAssignment, Snapshot } from "../../snapshot/types.js";
import { isUnderSubscriptions, normId, normIdUnmemoised } from "../../snapshot/ids.js";
import { resolveRole, type ResolvedRole } from "./roles.js";

// Role assignments indexed by principal and by scope, so fleet-sized snapshots (hundreds of thousands of
// assignments) are never scanned once per (principal, registry). Lists keep the snapshot's original order, so a
// caller that switches from `all.filter(...)` to the index sees the same elements in the same order.

export interface AssignmentIndex {
  /** assignments whose principalId equals `principalId` (case-insensitive), in snapshot order */
  byPrincipal(principalId: string | undefined): RoleAssignment[];
  /** assignments whose principalName equals `name` (case-insensitive; az prints an SP's appId there), in snapshot order */
  byPrincipalName(name: string | undefined): RoleAssignment[];
  /** assignments made exactly at `scope` (ids compare case-insensitively), in snapshot order */
  atScope(scope: string): RoleAssignment[];
  /**
   * Every assignment that may cover `resourceId`, in snapshot order: those at the id itself or any of its ancestor
   * scopes (inheritance runs down MG -> subscription -> RG -> resource), plus every assignment whose scope is not
   * under /subscriptions (root, management groups), whose membership the snapshot cannot place. A superset by
   * design: callers keep their exact `assignmentCovers` test on it.
   */
  coveringCandidates(resourceId: string): RoleAssignment[];
  /**
   * Exactly the assignments for which `covers(scope, resourceId)` holds, in snapshot order, calling `covers` only for
   * scopes outside /subscriptions: for the rest, being the id or one of its ancestors is what covering means.
   */
  covering(resourceId: string, covers: (scope: string, resourceId: string) => boolean): RoleAssignment[];
}

const EMPTY: readonly number[] = [];

// Most principals and scopes hold one assignment: a bare index until a second one arrives saves 500k small arrays.
type Slot = number | number[];

function push(map: Map<string, Slot>, key: string, i: number): void {
  const slot = map.get(key);
  if (slot === undefined) map.set(key, i);
  else if (typeof slot === "number") map.set(key, [slot, i]);
  else slot.push(i);
}

function slot(map: Map<string, Slot>, key: string): readonly number[] {
  const v = map.get(key);
  return v === undefined ? EMPTY : typeof v === "number" ? [v] : v;
}

/** `/a/b/c` -> `/a/b/c`, `/a/b`, `/a` (whole path segments only: rg1 is not an ancestor of rg10). */
export function selfAndAncestorScopes(resourceId: string): string[] {
  const id = normId(resourceId);
  if (id === "") return [];
  const out = [id];
  for (let i = id.lastIndexOf("/"); i > 0; i = id.lastIndexOf("/", i - 1)) out.push(id.slice(0, i));
  return out;
}

/** A map from key to assignment indices, built on first use: a tenant's 500k assignments cost ~0.5 s per map. */
function lazyMap(all: readonly RoleAssignment[], key: (a: RoleAssignment) => string | undefined): () => Map<string, Slot> {
  let map: Map<string, Slot> | undefined;
  return () => {
    if (!map) {
      map = new Map();
      for (let i = 0; i < all.length; i++) {
        const k = key(all[i]!);
        if (k !== undefined) push(map, k, i);
      }
    }
    return map;
  };
}

/**
 * Lists this short are always scanned; longer ones (up to INDEX_FROM) are scanned for their first few queries and
 * indexed only when asked more: a fleet audit cuts thousands of per-cluster and per-registry views of ~100
 * assignments, each queried once or twice, where building the maps costs more than the scans they would save.
 */
const SCAN_BELOW = 48;
const SCANS_BEFORE_INDEXING = 4;
/** Lists this long (a tenant's) are indexed at once: even one scan of them costs more than the maps. */
const INDEX_FROM = 2048;

function scanIndex(all: readonly RoleAssignment[]): AssignmentIndex {
  const anchored = (a: RoleAssignment) => isUnderSubscriptions(a.scope);
  const candidates = (resourceId: string): RoleAssignment[] => {
    const ancestors = new Set(selfAndAncestorScopes(resourceId));
    return all.filter((a) => !anchored(a) || ancestors.has(normId(a.scope)));
  };
  return {
    byPrincipal: (id) => (id ? all.filter((a) => a.principalId.toLowerCase() === id.toLowerCase()) : []),
    byPrincipalName: (name) => (name ? all.filter((a) => !!a.principalName && a.principalName.toLowerCase() === name.toLowerCase()) : []),
    atScope: (s) => {
      const n = normId(s);
      return all.filter((a) => normId(a.scope) === n);
    },
    coveringCandidates: candidates,
    covering: (resourceId, covers) => candidates(resourceId).filter((a) => anchored(a) || covers(a.scope, resourceId)),
  };
}

/** Two maps built in one pass, on first use. */
function lazyMaps(all: readonly RoleAssignment[], key1: (a: RoleAssignment) => string, key2: (a: RoleAssignment) => string): () => [Map<string, Slot>, Map<string, Slot>] {
  let maps: [Map<string, Slot>, Map<string, Slot>] | undefined;
  return () => {
    if (!maps) {
      maps = [new Map(), new Map()];
      for (let i = 0; i < all.length; i++) {
        const a = all[i]!;
        push(maps[0], key1(a), i);
        push(maps[1], key2(a), i);
      }
    }
    return maps;
  };
}

function build(all: readonly RoleAssignment[]): AssignmentIndex {
  const scan = scanIndex(all);
  if (all.length < SCAN_BELOW) return scan;
  if (all.length >= INDEX_FROM) return mapIndex(all);
  let queries = 0;
  let mapped: AssignmentIndex | undefined;
  const pick = (): AssignmentIndex => (++queries <= SCANS_BEFORE_INDEXING ? scan : (mapped ??= mapIndex(all)));
  return {
    byPrincipal: (id) => pick().byPrincipal(id),
    byPrincipalName: (name) => pick().byPrincipalName(name),
    atScope: (s) => pick().atScope(s),
    coveringCandidates: (resourceId) => pick().coveringCandidates(resourceId),
    covering: (resourceId, covers) => pick().covering(resourceId, covers),
  };
}

function mapIndex(all: readonly RoleAssignment[]): AssignmentIndex {
  // By principal and by scope in one pass: a tenant's assignments are scattered over the heap, and reading each once
  // costs less than reading them twice. The scope goes unmemoised: every assignment passes here once.
  const byPrincipalAndScope = lazyMaps(all, (a) => a.principalId.toLowerCase(), (a) => normIdUnmemoised(a.scope));
  const principal = () => byPrincipalAndScope()[0];
  const scope = () => byPrincipalAndScope()[1];
  const principalName = lazyMap(all, (a) => (a.principalName ? a.principalName.toLowerCase() : undefined));
  let unanchoredList: number[] | undefined;
  const unanchored = (): number[] => {
    if (!unanchoredList) {
      unanchoredList = [];
      for (const [s, v] of scope()) if (!s.startsWith("/subscriptions/")) for (const i of typeof v === "number" ? [v] : v) unanchoredList.push(i);
      unanchoredList.sort((x, y) => x - y);
    }
    return unanchoredList;
  };
  const pick = (indices: readonly number[]): RoleAssignment[] => indices.map((i) => all[i]!);
  const anchoredHits = (resourceId: string): number[] => {
    const hits: number[] = [];
    for (const s of selfAndAncestorScopes(resourceId)) {
      if (!s.startsWith("/subscriptions/")) continue; // those are in `unanchored`
      for (const i of slot(scope(), s)) hits.push(i);
    }
    return hits;
  };
  const inOrder = (indices: number[]): RoleAssignment[] => pick(indices.sort((x, y) => x - y));
  return {
    byPrincipal: (id) => (id ? pick(slot(principal(), id.toLowerCase())) : []),
    byPrincipalName: (name) => (name ? pick(slot(principalName(), name.toLowerCase())) : []),
    atScope: (s) => pick(slot(scope(), normId(s))),
    coveringCandidates: (resourceId) => inOrder([...anchoredHits(resourceId), ...unanchored()]),
    covering: (resourceId, covers) => inOrder([...anchoredHits(resourceId), ...unanchored().filter((i) => covers(all[i]!.scope, resourceId))]),
  };
}

// Keyed on the fact's array itself: a snapshot is immutable once built, and a new snapshot (or a per-cluster view
// with its own array) gets its own index; nothing is kept alive after the snapshot is dropped.
const cache = new WeakMap<readonly RoleAssignment[], AssignmentIndex>();

export function assignmentIndex(all: readonly RoleAssignment[]): AssignmentIndex {
  let idx = cache.get(all);
  if (!idx) {
    idx = build(all);
    cache.set(all, idx);
  }
  return idx;
}

// A role definition resolves the same way for every check of a snapshot; fleets ask for the same few roles millions
// of times. Keyed on the snapshot's roleDefinitions fact (shared by every view cut from one snapshot), then the assignment.
const roleCache = new WeakMap<object, WeakMap<RoleAssignment, ResolvedRole | null>>();

/** `resolveRole` for an assignment, memoised per (role definitions, assignment). */
export function resolvedRoleOf(snapshot: Snapshot, a: RoleAssignment): ResolvedRole | undefined {
  let byAssignment = roleCache.get(snapshot.roleDefinitions);
  if (!byAssignment) roleCache.set(snapshot.roleDefinitions, (byAssignment = new WeakMap()));
  let role = byAssignment.get(a);
  if (role === undefined) {
    role = resolveRole(snapshot, a.roleDefinitionId, a.roleDefinitionName) ?? null;
    byAssignment.set(a, role);
  }
  return role ?? undefined;
}
