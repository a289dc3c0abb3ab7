// Live fleet collection: Azure Resource Graph (server-side KQL across subscriptions, paged with $skipToken) for
// clusters, registries, role assignments, private endpoints and DNS links; Microsoft Graph `$batch` for service
// principal and application credentials. The collector never judges: every page is fed, unchanged, to the same
// evidence reader `--evidence` uses, so live and offline audits agree by construction.
import { SnapshotBuilder } from "../evidence/read.js";
import type { Snapshot } from "../snapshot/types.js";

/** One Resource Graph request, as `client.resources()` takes it. */
export interface ResourceGraphRequest {
  query: string;
  subscriptions?: string[];
  managementGroups?: string[];
  options: { skipToken?: string; top: number; resultFormat: "objectArray" };
}

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
}

/** Resource Graph recommends at most ~300 subscriptions per request (guidance-for-throttled-requests). */
const SUBSCRIPTIONS_PER_REQUEST = 300;
/** Graph `$batch` takes at most 20 requests (json-batching, "Batch size limitations"). */
export const GRAPH_BATCH_LIMIT = 20;

// `type` is projected so the reader recognises each row by its ARM type, `properties` keeps wire names.
export const FLEET_QUERIES: Record<string, string> = {
  clusters: "resources | where type =~ 'microsoft.containerservice/managedclusters' | project id, name, type, location, resourceGroup, subscriptionId, tenantId, identity, sku, properties",
  registries: "resources | where type =~ 'microsoft.containerregistry/registries' | project id, name, type, location, resourceGroup, subscriptionId, identity, sku, properties",
  roleAssignments: "authorizationresources | where type =~ 'microsoft.authorization/roleassignments' | project id, name, type, properties",
  customRoles: "authorizationresources | where type =~ 'microsoft.authorization/roledefinitions' and tostring(properties.type) =~ 'CustomRole' | project id, name, type, properties",
  privateEndpoints: "resources | where type =~ 'microsoft.network/privateendpoints' | project id, name, type, location, resourceGroup, subscriptionId, properties",
  privateDnsZones: "resources | where type =~ 'microsoft.network/privatednszones' | project id, name, type, location, resourceGroup, subscriptionId, properties",
  privateDnsVnetLinks: "resources | where type =~ 'microsoft.network/privatednszones/virtualnetworklinks' | project id, name, type, location, resourceGroup, subscriptionId, properties",
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

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Ctx {
  pageSize: number;
  maxRetries: number;
  maxWaitMs: number;
  sleep: (ms: number) => Promise<void>;
  abortSignal?: AbortSignal;
  /** requests made, waits taken: for the caller's log and tests */
  stats: LiveStats;
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
      if (!(e instanceof ResourceGraphHttpError) || (e.status !== 429 && e.status < 500) || attempt >= ctx.maxRetries) throw e;
      ctx.stats.throttled += e.status === 429 ? 1 : 0;
      // Retry-After when the service names it, else a short exponential back-off; both capped so a run cannot hang.
      const wait = Math.min(ctx.maxWaitMs, e.retryAfterMs ?? 500 * 2 ** (attempt - 1));
      ctx.stats.waitedMs += wait;
      await ctx.sleep(wait);
      void what;
    }
  }
}

/** Every row of one query over the scope, page by page; pages are handed to `onPage` as Resource Graph documents. */
export async function queryAll(graph: ResourceGraph, name: string, query: string, scope: LiveAuditScope, ctx: Ctx, onPage: (doc: object, index: number) => void): Promise<number> {
  const scopes: Omit<ResourceGraphRequest, "query" | "options">[] = [];
  if (scope.managementGroups?.length) scopes.push({ managementGroups: scope.managementGroups });
  for (let i = 0; i < (scope.subscriptions?.length ?? 0); i += SUBSCRIPTIONS_PER_REQUEST) scopes.push({ subscriptions: scope.subscriptions!.slice(i, i + SUBSCRIPTIONS_PER_REQUEST) });
  if (scopes.length === 0) scopes.push({}); // the tenant: every subscription the caller can read
  let rows = 0;
  let index = 0;
  for (const s of scopes) {
    let skipToken: string | undefined;
    do {
      const request: ResourceGraphRequest = { query, ...s, options: { top: ctx.pageSize, resultFormat: "objectArray", ...(skipToken ? { skipToken } : {}) } };
      const page = await withRetry(ctx, name, () => graph(request));
      rows += page.data.length;
      // the same container `az graph query` prints, so the evidence reader routes the rows
      onPage({ totalRecords: page.totalRecords ?? page.data.length, count: page.data.length, data: page.data, ...(page.skipToken ? { skip_token: page.skipToken } : {}) }, index++);
      ctx.stats.pages[name] = (ctx.stats.pages[name] ?? 0) + 1;
      skipToken = page.skipToken || undefined;
      // Out of quota: wait for the window to reset instead of earning a 429 (guidance-for-throttled-requests).
      if (skipToken && page.quotaRemaining !== undefined && page.quotaRemaining <= 0) {
        const wait = Math.min(ctx.maxWaitMs, page.quotaResetsAfterMs ?? 5000);
        ctx.stats.waitedMs += wait;
        await ctx.sleep(wait);
      }
    } while (skipToken);
  }
  return rows;
}

/** Graph lookups for every app id, 20 to a `$batch`; throttled items (429) are retried, bounded. */
export async function lookupApps(batch: GraphBatch, appIds: string[], ctx: Ctx, onResponse: (url: string, r: GraphBatchResponse) => void): Promise<void> {
  const pending: GraphBatchRequest[] = [];
  appIds.forEach((appId, i) => {
    const id = encodeURIComponent(appId);
    // alternate-key addressing answers 404 with a body that names the id when the app is gone
    pending.push({ id: `sp-${i}`, method: "GET", url: `/servicePrincipals(appId='${id}')?$select=id,appId,displayName,accountEnabled,servicePrincipalType,passwordCredentials,keyCredentials,alternativeNames` });
    pending.push({ id: `app-${i}`, method: "GET", url: `/applications(appId='${id}')?$select=id,appId,displayName,passwordCredentials,keyCredentials` });
  });
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
        } else onResponse(req.url, a);
      }
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

export interface LiveCollection {
  snapshot: Snapshot;
  stats: LiveStats;
}

/** Collect the fleet into a Snapshot: Resource Graph first, then Graph for the app ids the clusters use. */
export async function collectFleet(clients: { resourceGraph: ResourceGraph; graphBatch?: GraphBatch }, scope: LiveAuditScope, options: LiveOptions = {}): Promise<LiveCollection> {
  const ctx: Ctx = {
    pageSize: Math.min(1000, Math.max(1, options.pageSize ?? 1000)),
    maxRetries: options.maxRetries ?? 5,
    maxWaitMs: options.maxWaitMs ?? 60_000,
    sleep: options.sleep ?? realSleep,
    ...(options.abortSignal ? { abortSignal: options.abortSignal } : {}),
    stats: { requests: 0, throttled: 0, waitedMs: 0, pages: {} },
  };
  const builder = new SnapshotBuilder();
  const appIds = new Set<string>();
  for (const [name, query] of Object.entries(FLEET_QUERIES)) {
    await queryAll(clients.resourceGraph, name, query, scope, ctx, (doc, i) => {
      if (name === "clusters") {
        for (const row of (doc as { data: unknown[] }).data) {
          const cid = (row as { properties?: { servicePrincipalProfile?: { clientId?: unknown } } }).properties?.servicePrincipalProfile?.clientId;
          if (typeof cid === "string" && cid.toLowerCase() !== "msi" && cid.trim() !== "") appIds.add(cid.toLowerCase());
        }
      }
      builder.addFile(`live:resourcegraph/${name}/page-${i + 1}.json`, JSON.stringify(doc));
    });
  }
  if (clients.graphBatch && appIds.size > 0) {
    let n = 0;
    await lookupApps(clients.graphBatch, [...appIds].sort(), ctx, (url, r) => {
      n++;
      const set = url.startsWith("/servicePrincipals") ? "servicePrincipals" : "applications";
      // 200: the object, typed by its entity set; 404: Graph's error body, which names the missing id
      const body = r.status === 200 && r.body && typeof r.body === "object" ? { "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#${set}/$entity`, ...(r.body as object) } : r.body;
      if (body !== undefined && (r.status === 200 || r.status === 404)) builder.addFile(`live:graph/${set}/${n}.json`, JSON.stringify(body));
    });
  }
  const snapshot = builder.build({ now: options.now ?? new Date() }, "live");
  return { snapshot: { ...snapshot, input: { ...snapshot.input, kind: "live" } }, stats: ctx.stats };
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
/** The one method of `@azure/arm-resourcegraph`'s ResourceGraphClient the collector uses. */
export interface ResourceGraphSdkClient {
  resources(query: { query: string; subscriptions?: string[]; managementGroups?: string[]; options?: { skipToken?: string; top?: number; resultFormat?: "objectArray" | "table" } }): Promise<SdkQueryResponse>;
}

/** Adapt the SDK client: rows, skip token and the quota headers out; HTTP errors become ResourceGraphHttpError with Retry-After. */
export function resourceGraphFromSdk(client: ResourceGraphSdkClient): ResourceGraph {
  return async (request) => {
    try {
      const r = await client.resources(request);
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
      const err = e as { statusCode?: number; message?: string; response?: { headers?: SdkHeaders } };
      if (typeof err.statusCode === "number") {
        const retryAfter = parseRetryAfter(err.response?.headers?.get("retry-after"));
        throw new ResourceGraphHttpError(err.statusCode, (err.message ?? "").split("\n")[0] ?? "", retryAfter);
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
