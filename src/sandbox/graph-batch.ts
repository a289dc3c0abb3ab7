// The sandbox's Microsoft Graph extras for the fleet audit: alternate-key addressing
// (`/servicePrincipals(appId='...')`, `/applications(appId='...')`) and JSON batching (`POST /v1.0/$batch`, at most
// 20 requests, each answered with id/status/headers/body: https://learn.microsoft.com/graph/json-batching).

import { graphNotFoundBody, type Scenario } from "./scenario.js";
import type { Json, JsonObject } from "./wire.js";

export const GRAPH_BATCH_PATH = /^\/v1\.0\/\$batch\/?$/i;
/** Graph refuses a batch of more than 20 requests ("Batch size limitations"). */
export const GRAPH_BATCH_MAX = 20;

export interface GraphAnswer {
  status: number;
  body: JsonObject;
}

const ALTERNATE_KEY = /^\/v1\.0\/(servicePrincipals|applications)\(appId='([^']*)'\)$/i;

function isObj(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function withoutOdata(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (!k.startsWith("@odata.")) out[k] = v;
  return out;
}

/**
 * `GET /v1.0/servicePrincipals(appId='X')` / `applications(appId='X')` with an optional `$select`, or undefined
 * when the path is not an alternate key. An absent object is Graph's 404, whose message names the id looked up.
 */
export function alternateKeyLookup(scenario: Scenario, url: URL, base: string): GraphAnswer | undefined {
  const m = ALTERNATE_KEY.exec(decodeURIComponent(url.pathname).replace(/\/+$/, ""));
  if (!m) return undefined;
  const set = m[1]!.toLowerCase() === "serviceprincipals" ? "servicePrincipals" : "applications";
  const appId = m[2]!.toLowerCase();
  const all = set === "servicePrincipals" ? scenario.graph.servicePrincipals : scenario.graph.applications;
  const hit = all.find((o) => String(o["appId"] ?? "").toLowerCase() === appId);
  if (!hit) return { status: 404, body: scenario.graph.notFound.get(appId) ?? graphNotFoundBody(m[2]!) };
  const select = (url.searchParams.get("$select") ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  const plain = withoutOdata(hit);
  const body: JsonObject = {};
  if (select.length > 0) for (const k of select) if (plain[k] !== undefined) body[k] = plain[k]!;
  return {
    status: 200,
    body: {
      "@odata.context": `${base}/v1.0/$metadata#${set}${select.length ? `(${select.join(",")})` : ""}/$entity`,
      ...(select.length > 0 ? body : plain),
    },
  };
}

function batchError(message: string): GraphAnswer {
  return { status: 400, body: { error: { code: "BadRequest", message } } };
}

/**
 * One `$batch` body -> its answer. `get` answers one sub-request URL (already prefixed with `/v1.0`) the way the
 * sandbox answers a direct GET; only GET sub-requests are served (the sandbox is read-only).
 */
export function answerBatch(bodyText: string, base: string, get: (url: URL) => GraphAnswer): GraphAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bodyText) as unknown;
  } catch {
    return batchError("Invalid batch payload format.");
  }
  const requests = isObj(parsed) && Array.isArray(parsed["requests"]) ? parsed["requests"] : undefined;
  if (!requests) return batchError("Invalid batch payload format.");
  if (requests.length === 0 || requests.length > GRAPH_BATCH_MAX) return batchError(`Number of requests in the batch must be between 1 and ${GRAPH_BATCH_MAX}.`);
  const ids = new Set<string>();
  const responses: Json[] = [];
  for (const r of requests) {
    if (!isObj(r) || typeof r["id"] !== "string" || typeof r["url"] !== "string" || typeof r["method"] !== "string") return batchError("Each request needs an id, a method and a url.");
    if (ids.has(r["id"])) return batchError(`Batch request ids must be unique: '${r["id"]}' appears twice.`);
    ids.add(r["id"]);
    const headers = { "content-type": "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8" };
    if (r["method"].toUpperCase() !== "GET") {
      responses.push({ id: r["id"], status: 405, headers, body: { error: { code: "Request_BadRequest", message: `The sandbox is read-only: ${r["method"]} is not served.` } } });
      continue;
    }
    // sub-request urls are relative to the version: `/servicePrincipals(...)` or `servicePrincipals(...)`
    const relative = r["url"].startsWith("/") ? r["url"] : `/${r["url"]}`;
    const answer = get(new URL(`/v1.0${relative}`, base));
    responses.push({ id: r["id"], status: answer.status, headers, body: answer.body });
  }
  return { status: 200, body: { responses } };
}
