// The sandbox's Azure Resource Graph: `POST /providers/Microsoft.ResourceGraph/resources` over the scenario's ARM
// documents, as rows of the `resources` and `authorizationresources` tables. NOT a KQL engine: it understands the
// subset the fleet collector sends (`<table> | where type =~ '...' [and tostring(properties.type) =~ '...'] |
// project a, b`, over `resources`, `authorizationresources` and `resourcecontainers`) and answers anything else with Resource Graph's own InvalidQuery error, so a query the sandbox
// cannot really answer fails loudly instead of returning plausible rows.

import { createHash } from "node:crypto";
import { managementGroupOf, normId, parseArmId } from "../snapshot/ids.js";
import type { Scenario } from "./scenario.js";
import type { Json, JsonObject } from "./wire.js";

export const RESOURCE_GRAPH_PATH = /^\/providers\/microsoft\.resourcegraph\/resources\/?$/i;

/** Resource Graph's page limit (https://learn.microsoft.com/azure/governance/resource-graph/concepts/work-with-data#paging-results). */
const MAX_TOP = 1000;

export interface ResourceGraphQuota {
  /** queries allowed per window; Resource Graph's default is 15 per 5 s per user (guidance-for-throttled-requests) */
  perWindow: number;
  windowMs: number;
}

export interface ResourceGraphAnswer {
  status: number;
  body: JsonObject;
  headers: Record<string, string>;
}

/** What the request log keeps of one Resource Graph POST (the paging state lives in the body, not the URL). */
export interface ResourceGraphRequestSummary {
  query: string;
  skipToken?: string;
  top?: number;
  subscriptions?: string[];
  managementGroups?: string[];
  authorizationScopeFilter?: string;
}

/** The columns of both tables, in Resource Graph's order; missing strings are "" and missing dynamics null, as ARG prints them. */
const COLUMNS = ["id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId", "managedBy", "sku", "plan", "properties", "tags", "identity", "zones", "extendedLocation"] as const;
const STRING_COLUMNS = new Set<string>(["id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId", "managedBy"]);

type Table = "resources" | "authorizationresources" | "resourcecontainers";
const TABLES = new Set<string>(["resources", "authorizationresources", "resourcecontainers"]);
const CONTAINER_TYPES = new Set(["microsoft.resources/subscriptions"]);
const AUTHORIZATION_TYPES = new Set(["microsoft.authorization/roleassignments", "microsoft.authorization/roledefinitions"]);

function isObj(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `hh:mm:ss`, the format of `x-ms-user-quota-resets-after`. */
function hhmmss(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}

/** One ARM document as a Resource Graph row: lower-case `type` and `resourceGroup` (ARG lower-cases both), placement columns from the id. */
function toRow(body: JsonObject, tenantId: string): JsonObject {
  const id = typeof body["id"] === "string" ? body["id"] : "";
  const p = parseArmId(id);
  // placement comes from the id, so an assignment made at a resource group sits in that group's row, as in ARG
  const row: JsonObject = {
    ...body,
    type: String(body["type"] ?? "").toLowerCase(),
    tenantId,
    resourceGroup: (p.resourceGroup ?? "").toLowerCase(),
    subscriptionId: p.subscriptionId ?? "",
  };
  for (const c of COLUMNS) if (row[c] === undefined) row[c] = STRING_COLUMNS.has(c) ? "" : null;
  return row;
}

export interface ParsedQuery {
  table: Table;
  /** lower-case ARM types the row's `type` must equal (=~ is case-insensitive equality) */
  types: string[];
  /** `tostring(properties.type) =~ '...'`, lower-case */
  propertiesType?: string;
  project?: string[];
}

const WHERE = /^where\s+type\s*=~\s*'([^'|]+)'(?:\s+and\s+tostring\(\s*properties\.type\s*\)\s*=~\s*'([^'|]+)')?$/i;
const PROJECT = /^project\s+([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*[A-Za-z_][A-Za-z0-9_]*)*)$/i;

/** The collector's KQL subset, or the stage the sandbox does not understand. */
export function parseQuery(query: string): { ok: true; value: ParsedQuery } | { ok: false; token: string } {
  const stages = query.split("|").map((s) => s.trim());
  const table = (stages[0] ?? "").toLowerCase();
  if (!TABLES.has(table)) return { ok: false, token: stages[0] ?? "" };
  const out: ParsedQuery = { table: table as Table, types: [] };
  for (const stage of stages.slice(1)) {
    const w = WHERE.exec(stage);
    if (w && !out.project) {
      out.types.push(w[1]!.toLowerCase());
      if (w[2]) out.propertiesType = w[2].toLowerCase();
      continue;
    }
    const p = PROJECT.exec(stage);
    if (p && !out.project) {
      out.project = p[1]!.split(",").map((c) => c.trim());
      continue;
    }
    return { ok: false, token: stage.split(/\s+/)[0] ?? stage };
  }
  return { ok: true, value: out };
}

/** Resource Graph's 400 for a query it cannot run (the shape `az graph query` and Search-AzGraph print). */
export function invalidQueryBody(token: string): JsonObject {
  return {
    error: {
      code: "BadRequest",
      message: `Please provide below info when asking for support: timestamp = 2026-11-28T12:00:00.0000000Z, correlationId = 00000000-0000-0000-0000-000000000000.`,
      details: [
        { code: "InvalidQuery", message: "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying." },
        { code: "ParserFailure", message: `ParserFailure: the pulldoctor sandbox does not understand '${token}'`, line: 1, characterPositionInLine: 0, token },
      ],
    },
  };
}

function badRequest(message: string, detailCode: string): JsonObject {
  return { error: { code: "BadRequest", message, details: [{ code: detailCode, message }] } };
}

/** The throttled answer: Resource Graph's RateLimiting body. */
export function rateLimitedBody(): JsonObject {
  return { error: { code: "RateLimiting", message: "Please provide below info when asking for support: timestamp = 2026-11-28T12:00:00.0000000Z, correlationId = 00000000-0000-0000-0000-000000000000." } };
}

interface SkipToken {
  /** fingerprint of query + scope: a token only continues the request it came from */
  k: string;
  /** offset of the next row */
  o: number;
}

function fingerprint(query: string, subscriptions: string[] | undefined, managementGroups: string[] | undefined): string {
  const scope = JSON.stringify([query, [...(subscriptions ?? [])].map((s) => s.toLowerCase()).sort(), [...(managementGroups ?? [])].map((s) => s.toLowerCase()).sort()]);
  return createHash("sha256").update(scope).digest("hex").slice(0, 16);
}

function encodeToken(t: SkipToken): string {
  return Buffer.from(JSON.stringify(t)).toString("base64url");
}

function decodeToken(s: string): SkipToken | undefined {
  try {
    const v = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as unknown;
    return isObj(v) && typeof v["k"] === "string" && typeof v["o"] === "number" ? { k: v["k"], o: v["o"] } : undefined;
  } catch {
    return undefined;
  }
}

function strings(v: Json | undefined): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === "string") ? (v as string[]) : undefined;
}

export interface ResourceGraphEndpoint {
  /** answer one POST body; `now` is the sandbox clock in ms */
  answer(bodyText: string, now: number): ResourceGraphAnswer;
  /** the quota headers as they stand, for answers the sandbox's fault injection writes */
  quotaHeaders(now: number): Record<string, string>;
  /** what the log keeps of a body (undefined when it is not JSON) */
  summarise(bodyText: string): ResourceGraphRequestSummary | undefined;
}

export function resourceGraphEndpoint(scenario: Scenario, quota: ResourceGraphQuota = { perWindow: 15, windowMs: 5000 }): ResourceGraphEndpoint {
  const tables: Record<Table, JsonObject[]> = { resources: [], authorizationresources: [], resourcecontainers: [] };
  for (const e of scenario.arm.values()) {
    const table: Table = AUTHORIZATION_TYPES.has(e.type) ? "authorizationresources" : CONTAINER_TYPES.has(e.type) ? "resourcecontainers" : "resources";
    tables[table].push(toRow(e.body, scenario.tenantId));
  }
  for (const a of scenario.roleAssignments) tables.authorizationresources.push(toRow({ type: "Microsoft.Authorization/roleAssignments", ...a.body }, scenario.tenantId));
  // rows in a stable order, so a skip token's offset means the same row on every call
  for (const t of Object.values(tables)) t.sort((a, b) => (normId(String(a["id"])) < normId(String(b["id"])) ? -1 : 1));
  // The management-group tree, from the scenario's subscription rows (managementGroupAncestorsChain). A scenario
  // without them has no tree: then every management group holds every subscription.
  const ancestors = new Map<string, Set<string>>();
  for (const r of tables.resourcecontainers) {
    const chain = isObj(r["properties"]) ? r["properties"]["managementGroupAncestorsChain"] : undefined;
    if (!Array.isArray(chain)) continue;
    ancestors.set(String(r["subscriptionId"]).toLowerCase(), new Set(chain.flatMap((m) => (isObj(m) && typeof m["name"] === "string" ? [m["name"].toLowerCase()] : []))));
  }
  const hasTree = ancestors.size > 0;
  const subscriptionsUnder = (groups: string[]): Set<string> | undefined => {
    if (!hasTree) return undefined;
    const want = groups.map((g) => g.toLowerCase());
    return new Set([...ancestors].filter(([, chain]) => want.some((g) => chain.has(g))).map(([sub]) => sub));
  };
  /** AtScopeAboveAndBelow: the root and the management groups above any of the subscriptions (all of them without a tree). */
  const aboveAny = (subs: Set<string>, scope: string): boolean => {
    if (scope.trim() === "/" || scope.trim() === "") return true;
    const mg = managementGroupOf(scope);
    if (mg === undefined) return false;
    return !hasTree || [...subs].some((sub) => ancestors.get(sub)?.has(mg) === true);
  };

  let windowStart = Number.NEGATIVE_INFINITY; // the first query opens the first window
  let used = 0;
  const tick = (now: number) => {
    if (now - windowStart >= quota.windowMs) {
      windowStart = now;
      used = 0;
    }
  };
  const quotaHeaders = (now: number): Record<string, string> => {
    tick(now);
    return { "x-ms-user-quota-remaining": String(Math.max(0, quota.perWindow - used)), "x-ms-user-quota-resets-after": hhmmss(windowStart + quota.windowMs - now) };
  };

  const parseBody = (bodyText: string): JsonObject | undefined => {
    try {
      const v = JSON.parse(bodyText) as unknown;
      return isObj(v) ? v : undefined;
    } catch {
      return undefined;
    }
  };

  return {
    quotaHeaders,
    summarise(bodyText) {
      const body = parseBody(bodyText);
      if (!body) return undefined;
      const options = isObj(body["options"]) ? body["options"] : {};
      const subscriptions = strings(body["subscriptions"]);
      const managementGroups = strings(body["managementGroups"]);
      return {
        query: String(body["query"] ?? ""),
        ...(typeof options["authorizationScopeFilter"] === "string" ? { authorizationScopeFilter: options["authorizationScopeFilter"] } : {}),
        ...(typeof options["$skipToken"] === "string" ? { skipToken: options["$skipToken"] } : {}),
        ...(typeof options["$top"] === "number" ? { top: options["$top"] } : {}),
        ...(subscriptions ? { subscriptions } : {}),
        ...(managementGroups ? { managementGroups } : {}),
      };
    },
    answer(bodyText, now) {
      tick(now);
      used++;
      if (used > quota.perWindow) {
        // out of quota: 429 until the window resets (the client should have waited on x-ms-user-quota-resets-after)
        const wait = windowStart + quota.windowMs - now;
        return { status: 429, body: rateLimitedBody(), headers: { ...quotaHeaders(now), "retry-after": String(Math.max(1, Math.ceil(wait / 1000))) } };
      }
      const headers = quotaHeaders(now);
      const body = parseBody(bodyText);
      if (!body || typeof body["query"] !== "string") return { status: 400, body: badRequest("The request body must be a JSON object with a `query` string.", "InvalidRequestContent"), headers };
      const query = body["query"];
      const parsed = parseQuery(query);
      if (!parsed.ok) return { status: 400, body: invalidQueryBody(parsed.token), headers };
      const options = isObj(body["options"]) ? body["options"] : {};
      if (options["resultFormat"] !== undefined && options["resultFormat"] !== "objectArray") {
        return { status: 400, body: badRequest("The pulldoctor sandbox answers resultFormat objectArray only.", "InvalidResultFormat"), headers };
      }
      const subscriptions = strings(body["subscriptions"]);
      const managementGroups = strings(body["managementGroups"]);
      const top = typeof options["$top"] === "number" ? Math.min(MAX_TOP, Math.max(1, Math.floor(options["$top"]))) : MAX_TOP;
      const key = fingerprint(query, subscriptions, managementGroups);
      let offset = 0;
      if (typeof options["$skipToken"] === "string") {
        const token = decodeToken(options["$skipToken"]);
        if (!token || token.k !== key) return { status: 400, body: badRequest("The skip token is invalid for this query and scope.", "InvalidSkipToken"), headers };
        offset = token.o;
      }

      const q = parsed.value;
      const filter = options["authorizationScopeFilter"];
      if (filter !== undefined && filter !== "AtScopeAndBelow" && filter !== "AtScopeAboveAndBelow") {
        return { status: 400, body: badRequest(`The pulldoctor sandbox does not answer authorizationScopeFilter ${JSON.stringify(filter)}.`, "InvalidAuthorizationScopeFilter"), headers };
      }
      // no subscriptions and no management groups: the tenant (every subscription the caller can read)
      const subs = managementGroups?.length ? subscriptionsUnder(managementGroups) : subscriptions ? new Set(subscriptions.map((s) => s.toLowerCase())) : undefined;
      const rows = tables[q.table].filter((r) => {
        const type = String(r["type"]);
        if (q.types.some((t) => t !== type)) return false;
        if (q.propertiesType !== undefined) {
          const props = isObj(r["properties"]) ? r["properties"] : {};
          if (String(props["type"] ?? "").toLowerCase() !== q.propertiesType) return false;
        }
        if (!subs || subs.has(String(r["subscriptionId"]).toLowerCase())) return true;
        // rows above the scope (assignments at management groups or the root) only when asked for
        const scope = isObj(r["properties"]) && typeof r["properties"]["scope"] === "string" ? r["properties"]["scope"] : undefined;
        return filter === "AtScopeAboveAndBelow" && String(r["subscriptionId"]) === "" && scope !== undefined && aboveAny(subs, scope);
      });
      const page = rows.slice(offset, offset + top).map((r) => {
        if (!q.project) return r;
        const out: JsonObject = {};
        // a projected column that is not a table column would be a KQL error; the collector projects columns only
        for (const c of q.project) out[c] = r[c] === undefined ? null : r[c]!;
        return out;
      });
      const more = offset + top < rows.length;
      return {
        status: 200,
        headers,
        body: {
          totalRecords: rows.length,
          count: page.length,
          resultTruncated: "false",
          ...(more ? { $skipToken: encodeToken({ k: key, o: offset + top }) } : {}),
          data: page,
          facets: [],
        },
      };
    },
  };
}
