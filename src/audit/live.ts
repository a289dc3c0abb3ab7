// Live fleet collection: Azure Resource Graph (server-side KQL across subscriptions, paged with $skipToken) for
// clusters, registries, role assignments, identities, scale sets and the network path; Microsoft Graph `$batch` for
// service principal and application credentials and for the principals of assignments on registries. The collector
// never judges: every page is fed, unchanged, to the evidence reader `--evidence` uses, so both audits agree.
import { SnapshotBuilder } from "../evidence/read.js";
import { normId } from "../snapshot/ids.js";
import type { FactKey, Snapshot } from "../snapshot/types.js";

/** One Resource Graph request, as `client.resources()` takes it. */
export interface ResourceGraphRequest {
  query: string;
  subscriptions?: string[];
  managementGroups?: string[];
  options: { skipToken?: string; top: number; resultFormat: "objectArray"; authorizationScopeFilter?: AuthorizationScopeFilter };
}

/**
 * Resource Graph's default scope filter (AtScopeAndBelow) leaves out role assignments made at the management groups
 * above the queried subscriptions and at the root; AtScopeAboveAndBelow includes them (api-version 2021-06-01-preview
 * and later: https://learn.microsoft.com/rest/api/azureresourcegraph/resourcegraph/resources/resources).
 */
export type AuthorizationScopeFilter = "AtScopeAboveAndBelow";

/** One page, with the throttling headers Resource Graph sends on every answer. */
export interface ResourceGraphPage {
  data: unknown[];
  totalRecords?: number;
  skipToken?: string;
  /** `x-ms-user-quota-remaining` */
  quotaRemaining?: number;
  /** `x-ms-user-quota-resets-after` (hh:mm:ss), in ms */
  quotaResetsAfterMs?: number;
}

/** Thrown by a ResourceGraph implementation for an HTTP error; `retryAfterMs` from Retry-After on 429. */
export class ResourceGraphHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
    /** set by the collector: which FLEET_QUERIES entry failed, after how many attempts */
    readonly query?: string,
    readonly attempts?: number,
  ) {
    super(message);
    this.name = "ResourceGraphHttpError";
  }
}

export type ResourceGraph = (request: ResourceGraphRequest) => Promise<ResourceGraphPage>;

/** One `$batch` sub-request and its answer (https://learn.microsoft.com/graph/json-batching). */
export interface GraphBatchRequest {
  id: string;
  method: "GET";
  url: string;
}
export interface GraphBatchResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}
export type GraphBatch = (requests: GraphBatchRequest[]) => Promise<GraphBatchResponse[]>;

/**
 * Deny assignments that apply at a subscription (ARM `listForScope`: at, above and below it), as `{value: [...]}`.
 * Resource Graph does not serve them, so they are read from ARM, one subscription at a time. Throws on failure.
 */
export type DenyAssignmentsOf = (subscriptionId: string, signal?: AbortSignal) => Promise<unknown>;
/** ARM reads in flight at once: a tenant of hundreds of subscriptions is read in seconds, well inside ARM's read limits. */
const DENY_CONCURRENCY = 8;

export interface LiveAuditScope {
  subscriptions?: string[];
  managementGroups?: string[];
}

export interface LiveOptions {
  /** rows per page (Resource Graph allows at most 1000) */
  pageSize?: number;
  /** attempts per throttled request (429) before giving up */
  maxRetries?: number;
  /** the longest single wait for Retry-After or a quota reset; longer waits are cut to it */
  maxWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: Date;
  abortSignal?: AbortSignal;
  /** after every page and every Graph batch: for a progress line */
  onProgress?: (e: LiveProgress) => void;
}

export interface LiveProgress {
  /** a FLEET_QUERIES name, or "graph" */
  step: string;
  pages: number;
  rows: number;
}

/** Resource Graph recommends at most ~300 subscriptions per request (guidance-for-throttled-requests). */
const SUBSCRIPTIONS_PER_REQUEST = 300;
/** Graph `$batch` takes at most 20 requests (json-batching, "Batch size limitations"). */
export const GRAPH_BATCH_LIMIT = 20;

/**
 * One fleet query: its KQL (`type` is projected so the reader recognises each row by its ARM type, `properties` keeps
 * wire names); the fact it feeds (a query that succeeds with no rows proves there are none, and an empty page names
 * no kind to the reader); and whether it must see what is inherited from above the scope (AtScopeAboveAndBelow).
 */
export interface FleetQuery {
  fact: FactKey;
  aboveAndBelow?: true;
  kql: string;
}

export const FLEET_QUERIES: Record<string, FleetQuery> = {
  clusters: { fact: "clusters", kql: "resources | where type =~ 'microsoft.containerservice/managedclusters' | project id, name, type, location, resourceGroup, subscriptionId, tenantId, identity, sku, properties" },
  registries: { fact: "registries", kql: "resources | where type =~ 'microsoft.containerregistry/registries' | project id, name, type, location, resourceGroup, subscriptionId, identity, sku, properties" },
  roleAssignments: { fact: "roleAssignments", aboveAndBelow: true, kql: "authorizationresources | where type =~ 'microsoft.authorization/roleassignments' | project id, name, type, properties" },
  customRoles: { fact: "roleDefinitions", aboveAndBelow: true, kql: "authorizationresources | where type =~ 'microsoft.authorization/roledefinitions' and tostring(properties.type) =~ 'CustomRole' | project id, name, type, properties" },
  // which management groups are above each subscription, so an assignment made at a group covers only what is below it
  subscriptions: { fact: "subscriptions", kql: "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | project id, name, type, subscriptionId, tenantId, properties" },
  privateEndpoints: { fact: "privateEndpoints", kql: "resources | where type =~ 'microsoft.network/privateendpoints' | project id, name, type, location, resourceGroup, subscriptionId, properties" },
  privateDnsZones: { fact: "privateDnsZones", kql: "resources | where type =~ 'microsoft.network/privatednszones' | project id, name, type, location, resourceGroup, subscriptionId, properties" },
  privateDnsVnetLinks: { fact: "privateDnsVnetLinks", kql: "resources | where type =~ 'microsoft.network/privatednszones/virtualnetworklinks' | project id, name, type, location, resourceGroup, subscriptionId, properties" },
  // the kubelet identity and the node pools' scale sets, for MI_NOT_FOUND / MI_CLIENT_ID_MISMATCH
  userAssignedIdentities: { fact: "userAssignedIdentities", kql: "resources | where type =~ 'microsoft.managedidentity/userassignedidentities' | project id, name, type, location, resourceGroup, subscriptionId, properties" },
  scaleSets: { fact: "vmssIdentities", kql: "resources | where type =~ 'microsoft.compute/virtualmachinescalesets' | project id, name, type, location, resourceGroup, subscriptionId, identity, tags" },
  // the nodes' egress path and addresses, for NET_EGRESS_BLOCKED / NET_FIREWALL_DENIES_CLUSTER
  virtualNetworks: { fact: "virtualNetworks", kql: "resources | where type =~ 'microsoft.network/virtualnetworks' | project id, name, type, location, resourceGroup, subscriptionId, properties" },
  networkSecurityGroups: { fact: "networkSecurityGroups", kql: "resources | where type =~ 'microsoft.network/networksecuritygroups' | project id, name, type, location, resourceGroup, subscriptionId, properties" },
  routeTables: { fact: "routeTables", kql: "resources | where type =~ 'microsoft.network/routetables' | project id, name, type, location, resourceGroup, subscriptionId, properties" },
  natGateways: { fact: "natGateways", kql: "resources | where type =~ 'microsoft.network/natgateways' | project id, name, type, location, resourceGroup, subscriptionId, sku, properties" },
  publicIps: { fact: "publicIps", kql: "resources | where type =~ 'microsoft.network/publicipaddresses' | project id, name, type, location, resourceGroup, subscriptionId, sku, properties" },
};

/** `hh:mm:ss` (Resource Graph's quota reset header) -> ms. */
export function parseResetsAfter(v: string | undefined | null): number | undefined {
  const m = /^(\d+):(\d{2}):(\d{2})(?:\.\d+)?$/.exec((v ?? "").trim());
  return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 : undefined;
}

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(v: string | undefined | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** A real wait that the deadline cuts short, so --timeout holds even during a long Retry-After. */
function realSleep(signal: AbortSignal | undefined): (ms: number) => Promise<void> {
  return (ms) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
}

interface Ctx {
  pageSize: number;
  maxRetries: number;
  maxWaitMs: number;
  sleep: (ms: number) => Promise<void>;
  abortSignal?: AbortSignal;
  /** requests made, waits taken: for the caller's log and tests */
  stats: LiveStats;
  onProgress?: (e: LiveProgress) => void;
  /** the last answer spent the quota: wait this long before the next query, whichever query it is */
  quotaWaitMs?: number;
}

export interface LiveStats {
  requests: number;
  throttled: number;
  waitedMs: number;
  pages: Record<string, number>;
}

async function withRetry<T>(ctx: Ctx, what: string, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    ctx.abortSignal?.throwIfAborted();
    try {
      ctx.stats.requests++;
      return await call();
    } catch (e) {
      if (!(e instanceof ResourceGraphHttpError)) throw e;
      if ((e.status !== 429 && e.status < 500) || attempt >= ctx.maxRetries) throw new ResourceGraphHttpError(e.status, e.message, e.retryAfterMs, what, attempt);
      ctx.stats.throttled += e.status === 429 ? 1 : 0;
      // Retry-After when the service names it, else a short exponential back-off; both capped so a run cannot hang.
      const wait = Math.min(ctx.maxWaitMs, e.retryAfterMs ?? 500 * 2 ** (attempt - 1));
      ctx.stats.waitedMs += wait;
      await ctx.sleep(wait);
    }
  }
}

/** Every row of one query over the scope, page by page; pages are handed to `onPage` as Resource Graph documents. */
export async function queryAll(graph: ResourceGraph, name: string, query: Pick<FleetQuery, "kql" | "aboveAndBelow">, scope: LiveAuditScope, ctx: Ctx, onPage: (doc: object, index: number) => void): Promise<number> {
  const scopes: Omit<ResourceGraphRequest, "query" | "options">[] = [];
  if (scope.managementGroups?.length) scopes.push({ managementGroups: scope.managementGroups });
  for (let i = 0; i < (scope.subscriptions?.length ?? 0); i += SUBSCRIPTIONS_PER_REQUEST) scopes.push({ subscriptions: scope.subscriptions!.slice(i, i + SUBSCRIPTIONS_PER_REQUEST) });
  if (scopes.length === 0) scopes.push({}); // the tenant: every subscription the caller can read
  let rows = 0;
  let index = 0;
  for (const s of scopes) {
    let skipToken: string | undefined;
    do {
      // Out of quota: wait for the window to reset instead of earning a 429 (guidance-for-throttled-requests).
      if (ctx.quotaWaitMs !== undefined) {
        ctx.stats.waitedMs += ctx.quotaWaitMs;
        await ctx.sleep(ctx.quotaWaitMs);
        ctx.quotaWaitMs = undefined;
      }
      const options: ResourceGraphRequest["options"] = { top: ctx.pageSize, resultFormat: "objectArray", ...(skipToken ? { skipToken } : {}), ...(query.aboveAndBelow ? { authorizationScopeFilter: "AtScopeAboveAndBelow" as const } : {}) };
      const request: ResourceGraphRequest = { query: query.kql, ...s, options };
      const page = await withRetry(ctx, name, () => graph(request));
      rows += page.data.length;
      ctx.onProgress?.({ step: name, pages: index + 1, rows });
      // the same container `az graph query` prints, so the evidence reader routes the rows
      onPage({ totalRecords: page.totalRecords ?? page.data.length, count: page.data.length, data: page.data, ...(page.skipToken ? { skip_token: page.skipToken } : {}) }, index++);
      ctx.stats.pages[name] = (ctx.stats.pages[name] ?? 0) + 1;
      skipToken = page.skipToken || undefined;
      if (page.quotaRemaining !== undefined && page.quotaRemaining <= 0) ctx.quotaWaitMs = Math.min(ctx.maxWaitMs, page.quotaResetsAfterMs ?? 5000);
    } while (skipToken);
  }
  return rows;
}

/** GET sub-requests, 20 to a `$batch`; throttled or failed items (429, 5xx) are retried, bounded, then reported as last answered. */
async function batchAll(batch: GraphBatch, pending: GraphBatchRequest[], ctx: Ctx, onResponse: (url: string, r: GraphBatchResponse) => void): Promise<void> {
  let answered = 0;
  for (let start = 0; start < pending.length; start += GRAPH_BATCH_LIMIT) {
    let todo = pending.slice(start, start + GRAPH_BATCH_LIMIT);
    for (let attempt = 1; todo.length > 0; attempt++) {
      ctx.abortSignal?.throwIfAborted();
      ctx.stats.requests++;
      const answers = await batch(todo);
      const byId = new Map(answers.map((a) => [a.id, a]));
      const again: GraphBatchRequest[] = [];
      let wait = 0;
      for (const req of todo) {
        const a = byId.get(req.id);
        if (!a || a.status === 429 || a.status >= 500) {
          again.push(req);
          wait = Math.max(wait, parseRetryAfter(a?.headers?.["Retry-After"] ?? a?.headers?.["retry-after"]) ?? 1000);
        } else {
          answered++;
          onResponse(req.url, a);
        }
      }
      ctx.onProgress?.({ step: "graph", pages: ctx.stats.requests, rows: answered });
      if (again.length === 0) break;
      if (attempt >= ctx.maxRetries) {
        for (const req of again) onResponse(req.url, byId.get(req.id) ?? { id: req.id, status: 429 });
        break;
      }
      ctx.stats.throttled += again.length;
      const capped = Math.min(ctx.maxWaitMs, wait);
      ctx.stats.waitedMs += capped;
      await ctx.sleep(capped);
      todo = again;
    }
  }
}

/** Graph lookups for every app id (its service principal and its application), 20 to a `$batch`. */
export async function lookupApps(batch: GraphBatch, appIds: string[], ctx: Ctx, onResponse: (url: string, r: GraphBatchResponse) => void): Promise<void> {
  const pending: GraphBatchRequest[] = [];
  appIds.forEach((appId, i) => {
    const id = encodeURIComponent(appId);
    // alternate-key addressing answers 404 with a body that names the id when the app is gone
    pending.push({ id: `sp-${i}`, method: "GET", url: `/servicePrincipals(appId='${id}')?$select=id,appId,displayName,accountEnabled,servicePrincipalType,passwordCredentials,keyCredentials,alternativeNames` });
    pending.push({ id: `app-${i}`, method: "GET", url: `/applications(appId='${id}')?$select=id,appId,displayName,passwordCredentials,keyCredentials` });
  });
  await batchAll(batch, pending, ctx, onResponse);
}

/** Graph lookups of directory objects by object id, 20 to a `$batch`: a 404 proves the principal is gone. */
export async function lookupDirectoryObjects(batch: GraphBatch, objectIds: string[], ctx: Ctx, onResponse: (url: string, r: GraphBatchResponse) => void): Promise<void> {
  await batchAll(batch, objectIds.map((id, i) => ({ id: `obj-${i}`, method: "GET", url: `/directoryObjects/${encodeURIComponent(id)}?$select=id` })), ctx, onResponse);
}

export interface LiveCollection {
  snapshot: Snapshot;
  stats: LiveStats;
}

type Row = { id?: unknown; subscriptionId?: unknown; properties?: { scope?: unknown; principalId?: unknown; servicePrincipalProfile?: { clientId?: unknown } } };

/** The Graph error of a failed lookup in one line: `403 Authorization_RequestDenied: Insufficient privileges ...`. */
function graphFailure(r: GraphBatchResponse): string {
  const err = r.body && typeof r.body === "object" ? (r.body as { error?: { code?: unknown; message?: unknown } }).error : undefined;
  const detail = [err?.code, err?.message].filter((x) => typeof x === "string" && x !== "").join(": ");
  return `${r.status === 0 ? "no answer" : `HTTP ${r.status}`}${detail ? ` ${detail}` : ""}`.replace(/\s+/g, " ").slice(0, 300);
}

export interface CollectOptions extends LiveOptions {
  /**
   * Look up (Graph `$batch`, GET /directoryObjects/{id}) the principals of role assignments made on a registry or its
   * resource group, so assignments to deleted principals are found. One lookup per such principal: off unless asked.
   */
  lookUpAssignmentPrincipals?: boolean;
}

/** Collect the fleet into a Snapshot: Resource Graph first, then Graph for the app ids the clusters use. */
export async function collectFleet(clients: { resourceGraph: ResourceGraph; graphBatch?: GraphBatch; denyAssignments?: DenyAssignmentsOf }, scope: LiveAuditScope, options: CollectOptions = {}): Promise<LiveCollection> {
  const ctx: Ctx = {
    pageSize: Math.min(1000, Math.max(1, options.pageSize ?? 1000)),
    maxRetries: options.maxRetries ?? 5,
    maxWaitMs: options.maxWaitMs ?? 60_000,
    sleep: options.sleep ?? realSleep(options.abortSignal),
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    stats: { requests: 0, throttled: 0, waitedMs: 0, pages: {} },
  };
  const builder = new SnapshotBuilder();
  const appIds = new Set<string>();
  const registryScopes = new Set<string>();
  const assignments: { scope: string; principalId: string }[] = [];
  const subscriptionsSeen = new Set<string>();
  const emptyQueries: string[] = [];
  for (const [name, query] of Object.entries(FLEET_QUERIES)) {
    const rows = await queryAll(clients.resourceGraph, name, query, scope, ctx, (doc, i) => {
      for (const row of (doc as { data: Row[] }).data) {
        if (name === "clusters") {
          const cid = row.properties?.servicePrincipalProfile?.clientId;
          if (typeof cid === "string" && cid.toLowerCase() !== "msi" && cid.trim() !== "") appIds.add(cid.toLowerCase());
        } else if (name === "registries" && typeof row.id === "string") {
          // RBAC_ORPHANED_ASSIGNMENT looks at assignments on the registry and on its resource group
          registryScopes.add(normId(row.id));
          registryScopes.add(normId(row.id).split("/").slice(0, 5).join("/"));
        } else if (name === "subscriptions" && typeof row.subscriptionId === "string" && row.subscriptionId !== "") {
          subscriptionsSeen.add(row.subscriptionId.toLowerCase());
        } else if (name === "roleAssignments" && typeof row.properties?.scope === "string" && typeof row.properties.principalId === "string") {
          assignments.push({ scope: row.properties.scope, principalId: row.properties.principalId.toLowerCase() });
        }
      }
      builder.addFile(`live:resourcegraph/${name}/page-${i + 1}.json`, JSON.stringify(doc));
    });
    if (rows === 0) emptyQueries.push(name);
  }
  let n = 0;
  const failed = (file: string, url: string, r: GraphBatchResponse) => builder.addReport({ file, status: "error", kinds: [], reason: `Graph GET ${url.split("?")[0]}: ${graphFailure(r)}` });
  if (clients.graphBatch && appIds.size > 0) {
    await lookupApps(clients.graphBatch, [...appIds].sort(), ctx, (url, r) => {
      n++;
      const set = url.startsWith("/servicePrincipals") ? "servicePrincipals" : "applications";
      const file = `live:graph/${set}/${n}.json`;
      // 200: the object, typed by its entity set; 404: Graph's error body, which names the missing id
      const body = r.status === 200 && r.body && typeof r.body === "object" ? { "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#${set}/$entity`, ...(r.body as object) } : r.body;
      if (body !== undefined && (r.status === 200 || r.status === 404)) builder.addFile(file, JSON.stringify(body));
      else failed(file, url, r);
    });
  }
  const principals = new Set(assignments.filter((a) => registryScopes.has(normId(a.scope))).map((a) => a.principalId));
  if (clients.graphBatch && options.lookUpAssignmentPrincipals && principals.size > 0) {
    await lookupDirectoryObjects(clients.graphBatch, [...principals].sort(), ctx, (url, r) => {
      n++;
      const file = `live:graph/directoryObjects/${n}.json`;
      // only the 404 is evidence: an object that exists is what the snapshot assumes anyway
      if (r.status === 404 && r.body !== undefined) builder.addFile(file, JSON.stringify(r.body));
      else if (r.status !== 200) failed(file, url, r);
    });
  }
  // the subscriptions asked for, or (tenant or management-group scope) those Resource Graph listed
  const denyFailures: string[] = [];
  const denySubscriptions = scope.subscriptions?.length ? [...new Set(scope.subscriptions.map((x) => x.toLowerCase()))] : [...subscriptionsSeen].sort();
  if (clients.denyAssignments) {
    const read = clients.denyAssignments;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < denySubscriptions.length) {
        const sub = denySubscriptions[next++]!;
        ctx.abortSignal?.throwIfAborted();
        const file = `live:arm/subscriptions/${sub}/denyAssignments.json`;
        try {
          ctx.stats.requests++;
          builder.addFile(file, JSON.stringify(await read(sub, ctx.abortSignal)));
        } catch (e) {
          if (ctx.abortSignal?.aborted) throw e;
          const reason = `GET /subscriptions/${sub}/providers/Microsoft.Authorization/denyAssignments: ${String((e as Error)?.message ?? e).split("\n")[0]!.slice(0, 300)}`;
          denyFailures.push(reason);
          builder.addReport({ file, status: "error", kinds: ["denyAssignments"], reason });
        }
        ctx.onProgress?.({ step: "denyAssignments", pages: next, rows: next });
      }
    };
    await Promise.all(Array.from({ length: Math.min(DENY_CONCURRENCY, denySubscriptions.length) }, worker));
  }
  const built = builder.build({ now: options.now ?? new Date() }, "live");
  const snapshot: Snapshot = { ...built, input: { ...built.input, kind: "live" } };
  // A query answered with no rows: the scope has none (no NAT gateway, no custom role), which is a fact, not a gap.
  const facts = snapshot as unknown as Record<FactKey, Snapshot[FactKey]>;
  for (const name of emptyQueries) {
    const k = FLEET_QUERIES[name]!.fact;
    if (facts[k].status !== "ok") facts[k] = { status: "ok", value: [] };
  }
  if (!clients.denyAssignments) {
    snapshot.denyAssignments = { status: "skipped", reason: "deny assignments are not in Resource Graph; this collection read no ARM" };
  } else if (denyFailures.length > 0) {
    // one unread subscription could hide the deny that blocks its clusters: the whole fact is unknown, never partly "ok"
    snapshot.denyAssignments = { status: "error", kind: "other", message: `${denyFailures.length} of ${denySubscriptions.length} subscriptions could not be read: ${denyFailures[0]}` };
  } else if (snapshot.denyAssignments.status !== "ok") {
    // every subscription answered, none with a deny assignment (an empty list names no kind to the reader)
    snapshot.denyAssignments = { status: "ok", value: [] };
  }
  return { snapshot, stats: ctx.stats };
}

// ───────────── the real SDK at the boundary ─────────────

interface SdkHeaders {
  get(name: string): string | undefined;
}
interface SdkQueryResponse {
  data: unknown;
  totalRecords?: number;
  skipToken?: string;
  _response?: { headers?: SdkHeaders };
}
/** ms-rest-js's AbortSignalLike: its `this`-typed handlers are not satisfied by Node's AbortSignal type, hence a view. */
interface SdkAbortSignal {
  readonly aborted: boolean;
  dispatchEvent: (event: Event) => boolean;
  onabort: ((this: SdkAbortSignal, ev: Event) => unknown) | null;
  addEventListener: (type: "abort", listener: (this: SdkAbortSignal, ev: Event) => unknown, options?: AddEventListenerOptions) => void;
  removeEventListener: (type: "abort", listener: (this: SdkAbortSignal, ev: Event) => unknown, options?: EventListenerOptions) => void;
}

function sdkAbortSignal(signal: AbortSignal): SdkAbortSignal {
  // the SDK removes its listener after every request: without removal, one deadline signal would collect a listener per page
  const wrappers = new Map<(this: SdkAbortSignal, ev: Event) => unknown, (ev: Event) => void>();
  const view: SdkAbortSignal = {
    get aborted() {
      return signal.aborted;
    },
    dispatchEvent: (event) => signal.dispatchEvent(event),
    onabort: null,
    addEventListener: (type, listener, options) => {
      const wrapper = (ev: Event) => void listener.call(view, ev);
      wrappers.set(listener, wrapper);
      signal.addEventListener(type, wrapper, options);
    },
    removeEventListener: (type, listener, options) => {
      const wrapper = wrappers.get(listener);
      if (wrapper) signal.removeEventListener(type, wrapper, options);
      wrappers.delete(listener);
    },
  };
  return view;
}

/** The one method of `@azure/arm-resourcegraph`'s ResourceGraphClient the collector uses. */
export interface ResourceGraphSdkClient {
  resources(query: { query: string; subscriptions?: string[]; managementGroups?: string[]; options?: { skipToken?: string; top?: number; resultFormat?: "objectArray" | "table" } }, options?: { abortSignal?: SdkAbortSignal; customHeaders?: Record<string, string> }): Promise<SdkQueryResponse>;
}

const SCOPE_FILTER_HEADER = "x-pulldoctor-authorization-scope-filter";
/** The first api-version with `authorizationScopeFilter` was 2021-06-01-preview; this is the current GA one. */
export const SCOPE_FILTER_API_VERSION = "2024-04-01";

/** What the policy needs of ms-rest-js's WebResource. */
interface SdkWebResource {
  url: string;
  body?: unknown;
  headers: { get(name: string): string | undefined; remove(name: string): boolean };
}
interface SdkPolicy {
  sendRequest(request: SdkWebResource): Promise<unknown>;
}

/**
 * A request policy for the Resource Graph client: @azure/arm-resourcegraph 4.x (the line that runs on Node 20) speaks
 * api-version 2021-03-01 and its serializer drops `authorizationScopeFilter`, so the adapter marks the requests that
 * need it with a header and this policy moves it into the serialized body, on an api-version that knows it.
 */
export function authorizationScopeFilterPolicy(): { create: (next: SdkPolicy, options: unknown) => SdkPolicy } {
  return {
    create: (next) => ({
      sendRequest: (request) => {
        const filter = request.headers.get(SCOPE_FILTER_HEADER);
        if (filter !== undefined) {
          request.headers.remove(SCOPE_FILTER_HEADER);
          const body = JSON.parse(String(request.body)) as { options?: Record<string, unknown> };
          body.options = { ...body.options, authorizationScopeFilter: filter };
          request.body = JSON.stringify(body);
          const url = new URL(request.url);
          url.searchParams.set("api-version", SCOPE_FILTER_API_VERSION);
          request.url = url.toString();
        }
        return next.sendRequest(request);
      },
    }),
  };
}

/** Adapt the SDK client: rows, skip token and the quota headers out; HTTP errors become ResourceGraphHttpError with Retry-After. */
export function resourceGraphFromSdk(client: ResourceGraphSdkClient, options: { abortSignal?: AbortSignal } = {}): ResourceGraph {
  return async (request) => {
    try {
      const { authorizationScopeFilter, ...sdkOptions } = request.options;
      const r = await client.resources(
        { ...request, options: sdkOptions },
        {
          ...(options.abortSignal ? { abortSignal: sdkAbortSignal(options.abortSignal) } : {}),
          // carried to authorizationScopeFilterPolicy, which the client must be built with
          ...(authorizationScopeFilter ? { customHeaders: { [SCOPE_FILTER_HEADER]: authorizationScopeFilter } } : {}),
        },
      );
      const headers = r._response?.headers;
      const remaining = headers?.get("x-ms-user-quota-remaining");
      return {
        data: Array.isArray(r.data) ? r.data : [],
        ...(r.totalRecords !== undefined ? { totalRecords: r.totalRecords } : {}),
        ...(r.skipToken ? { skipToken: r.skipToken } : {}),
        ...(remaining !== undefined && /^\d+$/.test(remaining) ? { quotaRemaining: Number(remaining) } : {}),
        ...(parseResetsAfter(headers?.get("x-ms-user-quota-resets-after")) !== undefined ? { quotaResetsAfterMs: parseResetsAfter(headers?.get("x-ms-user-quota-resets-after")) } : {}),
      };
    } catch (e) {
      const err = e as { statusCode?: number; code?: unknown; message?: string; response?: { headers?: SdkHeaders } };
      if (typeof err.statusCode === "number") {
        const retryAfter = parseRetryAfter(err.response?.headers?.get("retry-after"));
        // ms-rest-js puts the error body's code and message on the RestError
        const code = typeof err.code === "string" && err.code !== "" ? `${err.code}: ` : "";
        throw new ResourceGraphHttpError(err.statusCode, `${code}${(err.message ?? "").split("\n")[0] ?? ""}`, retryAfter);
      }
      throw e;
    }
  };
}

/** ms-rest-js retries 429s itself for as long as Retry-After says; the collector bounds the waits, so that policy is left out. */
export function withoutSdkThrottlingRetry<F extends { create: (next: never, options: never) => object }>(factories: F[]): F[] {
  return factories.map((f) => ({
    ...f,
    create: (next: never, options: never) => {
      const policy = f.create(next, options);
      return policy.constructor.name === "ThrottlingRetryPolicy" ? next : policy;
    },
  }));
}
