// The sandbox: ONE local HTTPS server (127.0.0.1, random port, throwaway CA) that serves a scenario folder as
// Azure Resource Manager, Microsoft Graph, the Entra ID token endpoint (+ OpenID discovery) and the Kubernetes
// API, in their wire formats. It records every request and can inject latency and per-path faults, so the real
// SDK clients can be exercised without Azure.

import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeCerts, type SandboxCerts } from "./certs.js";
import { assignmentsVisibleAt, graphNotFoundBody, loadScenario, type Scenario } from "./scenario.js";
import { normId, parseArmId, scopeContains } from "../snapshot/ids.js";
import type { JsonObject } from "./wire.js";
import { jobsHandler, type SandboxJobs } from "./jobs.js";
import { RESOURCE_GRAPH_PATH, rateLimitedBody, resourceGraphEndpoint, type ResourceGraphQuota, type ResourceGraphRequestSummary } from "./resource-graph.js";
import { alternateKeyLookup, answerBatch, GRAPH_BATCH_PATH, type GraphAnswer } from "./graph-batch.js";

export type FaultKind = "status" | "reset" | "stall" | "malformed" | "truncated";

export interface Fault {
  /** matched against `METHOD /path?query` (a RegExp, or a case-insensitive substring) */
  match: RegExp | string;
  kind: FaultKind;
  /** for kind "status" */
  status?: number;
  /** seconds, sent as Retry-After with a status fault */
  retryAfter?: number;
  /** how many matching requests get the fault (default: all) */
  times?: number;
}

export interface SandboxOptions {
  scenarioDir: string;
  latencyMs?: number;
  faults?: Fault[];
  /** items per ARM/Graph list page before a nextLink (default 2, so paging is exercised) */
  pageSize?: number;
  /** Resource Graph's per-user quota (default 15 queries per 5 s, as in Azure) */
  resourceGraphQuota?: ResourceGraphQuota;
}

export interface RecordedRequest {
  method: string;
  /** path with query, decoded */
  path: string;
  status: number;
  /** what the server did instead of answering, if a fault fired */
  fault?: FaultKind;
  /** ms since the sandbox started */
  start: number;
  end: number;
  api: "arm" | "graph" | "token" | "kube" | "other";
  /** a Resource Graph POST: its query and paging state, which travel in the body */
  resourceGraph?: ResourceGraphRequestSummary;
}

export interface Sandbox {
  url: string;
  port: number;
  caFile: string;
  kubeconfigPath: string;
  tenantId: string;
  subscriptionId: string;
  resourceGroup: string;
  clusterName: string;
  /** environment variables that point pulldoctor's live clients at the sandbox */
  env: Record<string, string>;
  requests: RecordedRequest[];
  /** the probe Jobs `diagnose --probe` created and deleted (the only writes the sandbox accepts) */
  jobs: SandboxJobs;
  setFaults(faults: Fault[]): void;
  setLatency(ms: number): void;
  stop(): Promise<void>;
}

/** A client secret and bearer token the sandbox hands out; they guard nothing real. */
export const SANDBOX_CLIENT_ID = "5a4d6c1e-0000-4000-8000-5a4d6c1e0000";
const KUBE_TOKEN = "pulldoctor-sandbox";

/** What `send` needs of a response: a ServerResponse, or a capture of one `$batch` sub-request's answer. */
interface Reply {
  writeHead(status: number, headers: Record<string, string | number>): unknown;
  end(text: string): unknown;
}

function send(res: Reply, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function armError(code: string, message: string): JsonObject {
  return { error: { code, message } };
}

function kubeStatus(code: number, reason: string, message: string): JsonObject {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code };
}

/** The ARM action a GET of `path` needs, for realistic AuthorizationFailed bodies. */
export function armReadAction(path: string): string {
  const segs = path.split("?")[0]!.split("/").filter(Boolean);
  const i = segs.map((s) => s.toLowerCase()).lastIndexOf("providers");
  if (i < 0 || i + 2 > segs.length) return "Microsoft.Resources/subscriptions/resourceGroups/read";
  const ns = segs[i + 1]!;
  const types: string[] = [];
  for (let j = i + 2; j < segs.length; j += 2) types.push(segs[j]!);
  return `${ns}/${types.join("/")}/read`;
}

function apiOf(path: string): RecordedRequest["api"] {
  const p = path.toLowerCase();
  if (p.startsWith("/subscriptions") || p.startsWith("/providers")) return "arm";
  if (p.startsWith("/v1.0/") || p.startsWith("/beta/")) return "graph";
  if (p.startsWith("/api") || p.startsWith("/version")) return "kube";
  if (/\/oauth2\/|openid-configuration|discovery\/instance/.test(p)) return "token";
  return "other";
}

function fakeJwt(aud: string): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  return `${b64({ alg: "none", typ: "JWT" })}.${b64({ aud, iat: now, nbf: now, exp: now + 3600, iss: "pulldoctor-sandbox" })}.${randomBytes(8).toString("base64url")}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(""));
  });
}

/** The plural Kubernetes resources the sandbox serves, and their list kinds. */
const KUBE_RESOURCES: Record<string, { kind: string; namespaced: boolean; pick: (s: Scenario) => JsonObject[] }> = {
  events: { kind: "Event", namespaced: true, pick: (s) => s.kube.events },
  pods: { kind: "Pod", namespaced: true, pick: (s) => s.kube.pods },
  nodes: { kind: "Node", namespaced: false, pick: (s) => s.kube.nodes },
  secrets: { kind: "Secret", namespaced: true, pick: (s) => s.kube.secrets },
  serviceaccounts: { kind: "ServiceAccount", namespaced: true, pick: (s) => s.kube.serviceAccounts },
  namespaces: { kind: "Namespace", namespaced: false, pick: (s) => namespacesOf(s) },
};

function namespacesOf(s: Scenario): JsonObject[] {
  const names = new Set<string>(["default", "kube-system"]);
  for (const list of [s.kube.events, s.kube.pods, s.kube.secrets, s.kube.serviceAccounts]) {
    for (const o of list) {
      const ns = (o["metadata"] as JsonObject | undefined)?.["namespace"];
      if (typeof ns === "string") names.add(ns);
    }
  }
  return [...names].sort().map((name) => ({ metadata: { name, uid: `ns-${name}`, resourceVersion: "1" }, spec: { finalizers: ["kubernetes"] }, status: { phase: "Active" } }));
}

function nsOf(o: JsonObject): string | undefined {
  const ns = (o["metadata"] as JsonObject | undefined)?.["namespace"];
  return typeof ns === "string" ? ns : undefined;
}

function nameOf(o: JsonObject): string | undefined {
  const n = (o["metadata"] as JsonObject | undefined)?.["name"];
  return typeof n === "string" ? n : undefined;
}

/** List items as the API server sends them: no per-item `kind`/`apiVersion` (kubectl adds them in `-o json`). */
function asListItem(o: JsonObject): JsonObject {
  const { kind: _k, apiVersion: _a, ...rest } = o;
  return rest;
}

function apiResourceList(): JsonObject {
  return {
    kind: "APIResourceList",
    groupVersion: "v1",
    resources: Object.entries(KUBE_RESOURCES).map(([name, r]) => ({
      name,
      singularName: r.kind.toLowerCase(),
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: ["get", "list"],
      ...(name === "events" ? { shortNames: ["ev"] } : name === "pods" ? { shortNames: ["po"] } : name === "nodes" ? { shortNames: ["no"] } : name === "serviceaccounts" ? { shortNames: ["sa"] } : name === "namespaces" ? { shortNames: ["ns"] } : {}),
    })),
  };
}

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const scenario = loadScenario(options.scenarioDir);
  const certs: SandboxCerts = makeCerts();
  const started = Date.now();
  const requests: RecordedRequest[] = [];
  let faults: (Fault & { used: number })[] = (options.faults ?? []).map((f) => ({ ...f, used: 0 }));
  let latencyMs = options.latencyMs ?? 0;
  const pageSize = Math.max(1, options.pageSize ?? 2);
  const sockets = new Set<Socket>();
  let base = "";
  const probeJobs = jobsHandler(options.scenarioDir);
  const resourceGraph = resourceGraphEndpoint(scenario, options.resourceGraphQuota);

  const pickFault = (line: string): Fault | undefined => {
    for (const f of faults) {
      const hit = typeof f.match === "string" ? line.toLowerCase().includes(f.match.toLowerCase()) : f.match.test(line);
      if (!hit) continue;
      if (f.times !== undefined && f.used >= f.times) continue;
      f.used++;
      return f;
    }
    return undefined;
  };

  /** `{"value":[...]}` with a `nextLink` when more than one page remains (ARM and Graph use the same idea). */
  const page = (url: URL, items: unknown[], nextKey: "nextLink" | "@odata.nextLink", extra: JsonObject = {}): JsonObject => {
    const skip = Number(url.searchParams.get("$skiptoken") ?? "0") || 0;
    const slice = items.slice(skip, skip + pageSize);
    const out: JsonObject = { ...extra, value: slice as JsonObject[] };
    if (skip + pageSize < items.length) {
      const next = new URL(url.toString());
      next.searchParams.set("$skiptoken", String(skip + pageSize));
      out[nextKey] = `${base}${next.pathname}${next.search}`;
    }
    return out;
  };

  const handleToken = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<number> => {
    const p = url.pathname;
    const tenantMatch = /^\/([^/]+)\//.exec(p);
    const tenant = tenantMatch?.[1] ?? scenario.tenantId;
    if (/\/v2\.0\/\.well-known\/openid-configuration$/i.test(p) || /\/\.well-known\/openid-configuration$/i.test(p)) {
      send(res, 200, {
        token_endpoint: `${base}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/authorize`,
        end_session_endpoint: `${base}/${tenant}/oauth2/v2.0/logout`,
        device_authorization_endpoint: `${base}/${tenant}/oauth2/v2.0/devicecode`,
        issuer: `${base}/${tenant}/v2.0`,
        jwks_uri: `${base}/${tenant}/discovery/v2.0/keys`,
        response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
        token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        scopes_supported: ["openid", "profile", "email", "offline_access"],
        tenant_region_scope: "EU",
        cloud_instance_name: "sandbox",
      });
      return 200;
    }
    if (/discovery\/instance/i.test(p)) {
      const host = new URL(base).host;
      send(res, 200, { tenant_discovery_endpoint: `${base}/${tenant}/v2.0/.well-known/openid-configuration`, "api-version": "1.1", metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }] });
      return 200;
    }
    if (req.method === "POST" && /\/oauth2\/v2\.0\/token$/i.test(p)) {
      const form = new URLSearchParams(await readBody(req));
      const scope = form.get("scope") ?? "";
      send(res, 200, { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: fakeJwt(scope.split(" ")[0] ?? "") });
      return 200;
    }
    send(res, 404, { error: "not_found", error_description: `AADSTS90002: sandbox has no ${p}` });
    return 404;
  };

  const handleGraph = (res: Reply, url: URL): number => {
    const p = url.pathname.replace(/\/+$/, "");
    const ctx = `${base}/v1.0/$metadata`;
    const filter = url.searchParams.get("$filter") ?? "";
    const appId = /appId\s+eq\s+'([^']+)'/i.exec(filter)?.[1]?.toLowerCase();
    const listOf = (set: "servicePrincipals" | "applications", all: JsonObject[]): number => {
      const items = appId ? all.filter((o) => String(o["appId"] ?? "").toLowerCase() === appId) : all;
      send(res, 200, page(url, items.map((o) => stripOdata(o)), "@odata.nextLink", { "@odata.context": `${ctx}#${set}` }));
      return 200;
    };
    if (/^\/v1\.0\/servicePrincipals$/i.test(p)) return listOf("servicePrincipals", scenario.graph.servicePrincipals);
    if (/^\/v1\.0\/applications$/i.test(p)) return listOf("applications", scenario.graph.applications);
    const one = /^\/v1\.0\/(servicePrincipals|applications|directoryObjects)\/([^/]+)$/i.exec(p);
    if (one) {
      const set = one[1]!.toLowerCase();
      const id = decodeURIComponent(one[2]!).toLowerCase();
      const sp = scenario.graph.servicePrincipals.find((o) => String(o["id"]).toLowerCase() === id);
      const app = scenario.graph.applications.find((o) => String(o["id"]).toLowerCase() === id);
      if (set !== "applications" && sp) {
        send(res, 200, { "@odata.context": `${ctx}#${set === "directoryobjects" ? "directoryObjects" : "servicePrincipals"}/$entity`, "@odata.type": "#microsoft.graph.servicePrincipal", ...stripOdata(sp) });
        return 200;
      }
      if (set !== "serviceprincipals" && app) {
        send(res, 200, { "@odata.context": `${ctx}#${set === "directoryobjects" ? "directoryObjects" : "applications"}/$entity`, "@odata.type": "#microsoft.graph.application", ...stripOdata(app) });
        return 200;
      }
      const gone = scenario.graph.notFound.get(id);
      if (gone || set !== "directoryobjects") {
        send(res, 404, gone ?? graphNotFoundBody(id));
        return 404;
      }
      // the scenario does not say this principal is gone (az resolved it, or it is never mentioned): it exists
      send(res, 200, { "@odata.context": `${ctx}#directoryObjects/$entity`, "@odata.type": "#microsoft.graph.servicePrincipal", id });
      return 200;
    }
    send(res, 400, { error: { code: "BadRequest", message: `Resource not found for the segment '${p.split("/").pop() ?? ""}'.` } });
    return 400;
  };

  const handleArm = (res: ServerResponse, url: URL): number => {
    const path = url.pathname.replace(/\/+$/, "");
    const lower = path.toLowerCase();
    const notFound = (): number => {
      const p = parseArmId(path);
      send(res, 404, armError("ResourceNotFound", `The Resource '${p.type ?? "resource"}/${p.name ?? ""}' under resource group '${p.resourceGroup ?? ""}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`));
      return 404;
    };
    const list = (items: JsonObject[]): number => {
      send(res, 200, page(url, items, "nextLink"));
      return 200;
    };
    const byType = (type: string, under: string): JsonObject[] =>
      [...scenario.arm.values()].filter((e) => e.type === type && scopeContains(under, e.id)).map((e) => e.body);

    // role and deny assignments: `{scope}/providers/Microsoft.Authorization/{role|deny}Assignments`
    const assign = /^(.*)\/providers\/microsoft\.authorization\/(roleassignments|denyassignments)$/.exec(lower);
    if (assign) {
      const scope = path.slice(0, assign[1]!.length) || "/";
      const all = assign[2] === "roleassignments" ? scenario.roleAssignments : scenario.denyAssignments;
      const filter = url.searchParams.get("$filter") ?? "";
      const principal = /principalId\s+eq\s+'([^']+)'/i.exec(filter)?.[1]?.toLowerCase();
      let items = principal
        ? all.filter((a) => a.principalId?.toLowerCase() === principal && (scopeContains(a.scope, scope) || scopeContains(scope, a.scope)))
        : assignmentsVisibleAt(all, scope, /atScope\(\)/i.test(filter) ? "atScope" : "all");
      // a subscription-wide principal query also returns assignments at management-group and root scope
      if (principal) items = items.concat(all.filter((a) => a.principalId?.toLowerCase() === principal && !items.includes(a) && !normId(a.scope).startsWith("/subscriptions/")));
      return list(items.map((a) => a.body));
    }
    const roleDef = /\/providers\/microsoft\.authorization\/roledefinitions\/([^/]+)$/.exec(lower);
    if (roleDef) {
      const def = [...scenario.arm.values()].find((e) => e.type === "microsoft.authorization/roledefinitions" && normId(e.id).endsWith(`/${roleDef[1]}`));
      if (def) {
        send(res, 200, def.body);
        return 200;
      }
      send(res, 404, armError("RoleDefinitionDoesNotExist", "The specified role definition with ID '" + roleDef[1] + "' does not exist."));
      return 404;
    }
    const sub = /^\/subscriptions\/([^/]+)/.exec(lower)?.[1];
    const subScope = sub ? `/subscriptions/${sub}` : "/";
    const rgScope = /^(\/subscriptions\/[^/]+\/resourcegroups\/[^/]+)/.exec(lower)?.[1];
    const listTypes: [RegExp, string][] = [
      [/\/providers\/microsoft\.containerregistry\/registries$/, "microsoft.containerregistry/registries"],
      [/\/providers\/microsoft\.compute\/virtualmachinescalesets$/, "microsoft.compute/virtualmachinescalesets"],
      [/\/providers\/microsoft\.network\/privateendpoints$/, "microsoft.network/privateendpoints"],
      [/\/providers\/microsoft\.network\/privatednszones$/, "microsoft.network/privatednszones"],
      [/\/providers\/microsoft\.containerservice\/managedclusters$/, "microsoft.containerservice/managedclusters"],
      [/\/providers\/microsoft\.managedidentity\/userassignedidentities$/, "microsoft.managedidentity/userassignedidentities"],
    ];
    for (const [re, type] of listTypes) {
      if (re.test(lower)) {
        const under = rgScope && lower.startsWith(`${rgScope}/providers/`) ? rgScope : subScope;
        return list(byType(type, under));
      }
    }
    const zoneChild = /^(.*\/providers\/microsoft\.network\/privatednszones\/[^/]+)\/(virtualnetworklinks|a)$/.exec(lower);
    if (zoneChild) {
      if (!scenario.arm.has(normId(zoneChild[1]))) return notFound();
      const type = zoneChild[2] === "a" ? "microsoft.network/privatednszones/a" : "microsoft.network/privatednszones/virtualnetworklinks";
      return list(byType(type, zoneChild[1]!));
    }
    const hit = scenario.arm.get(normId(path));
    if (hit) {
      send(res, 200, hit.body);
      return 200;
    }
    if (/\/providers\/microsoft\.network\/virtualnetworks\/[^/]+\/subnets\/[^/]+$/.test(lower)) {
      const subnet = subnetOf(scenario, path);
      if (subnet) {
        send(res, 200, subnet);
        return 200;
      }
    }
    return notFound();
  };

  /** One Graph GET answered as its direct route answers it, captured for a `$batch` sub-request. */
  const graphGet = (url: URL): GraphAnswer => {
    const alternate = alternateKeyLookup(scenario, url, base);
    if (alternate) return alternate;
    let text = "{}";
    const status = handleGraph({ writeHead: () => undefined, end: (t: string) => (text = t) }, url);
    return { status, body: JSON.parse(text) as JsonObject };
  };

  const handleKube = (res: ServerResponse, url: URL): number => {
    const p = url.pathname.replace(/\/+$/, "");
    if (p === "/version") {
      send(res, 200, { major: "1", minor: "31", gitVersion: "v1.31.2", platform: "linux/amd64" });
      return 200;
    }
    if (p === "/api") {
      send(res, 200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: new URL(base).host }] });
      return 200;
    }
    if (p === "/apis") {
      send(res, 200, { kind: "APIGroupList", apiVersion: "v1", groups: [] });
      return 200;
    }
    if (p === "/api/v1") {
      send(res, 200, apiResourceList());
      return 200;
    }
    const m = /^\/api\/v1\/(?:namespaces\/([^/]+)\/)?([a-z]+)(?:\/([^/]+))?$/.exec(p);
    const resource = m ? KUBE_RESOURCES[m[2]!] : undefined;
    if (!m || !resource || (m[1] !== undefined && !resource.namespaced)) {
      send(res, 404, kubeStatus(404, "NotFound", "the server could not find the requested resource"));
      return 404;
    }
    const ns = m[1] ? decodeURIComponent(m[1]) : undefined;
    const name = m[3] ? decodeURIComponent(m[3]) : undefined;
    let items = resource.pick(scenario).filter((o) => ns === undefined || nsOf(o) === ns);
    const fieldSel = url.searchParams.get("fieldSelector");
    const byName = fieldSel ? /metadata\.name=([^,]+)/.exec(fieldSel)?.[1] : undefined;
    if (byName) items = items.filter((o) => nameOf(o) === byName);
    if (name !== undefined) {
      const one = items.find((o) => nameOf(o) === name);
      if (!one) {
        send(res, 404, kubeStatus(404, "NotFound", `${m[2]} "${name}" not found`));
        return 404;
      }
      send(res, 200, { apiVersion: "v1", kind: resource.kind, ...asListItem(one) });
      return 200;
    }
    // `limit` + `continue`: the continue token is opaque to clients; here it is the next offset
    const limit = Number(url.searchParams.get("limit") ?? "0") || 0;
    const cont = url.searchParams.get("continue");
    const from = cont ? Number(Buffer.from(cont, "base64url").toString("utf8")) || 0 : 0;
    const slice = limit > 0 ? items.slice(from, from + limit) : items.slice(from);
    const more = limit > 0 && from + limit < items.length;
    const metadata: JsonObject = { resourceVersion: "424242" };
    if (more) {
      metadata["continue"] = Buffer.from(String(from + limit)).toString("base64url");
      metadata["remainingItemCount"] = items.length - from - limit;
    }
    send(res, 200, { kind: `${resource.kind}List`, apiVersion: "v1", metadata, items: slice.map(asListItem) });
    return 200;
  };

  const authorised = (req: IncomingMessage, api: RecordedRequest["api"]): boolean => {
    const auth = req.headers.authorization ?? "";
    if (api === "kube") return auth === `Bearer ${KUBE_TOKEN}`;
    return /^Bearer \S+/.test(auth);
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const start = Date.now() - started;
    const url = new URL(req.url ?? "/", base);
    const pathQ = decodeURIComponent(url.pathname) + (url.search ? decodeURIComponent(url.search) : "");
    const api = apiOf(url.pathname);
    const rec: RecordedRequest = { method: req.method ?? "GET", path: pathQ, status: 0, start, end: start, api };
    requests.push(rec);
    // Resource Graph and `$batch` carry the request (query, paging) in the body: read it first, for the log and fault matching
    const isResourceGraph = req.method === "POST" && RESOURCE_GRAPH_PATH.test(url.pathname);
    const postBody = isResourceGraph || (req.method === "POST" && GRAPH_BATCH_PATH.test(url.pathname)) ? await readBody(req) : undefined;
    const summary = isResourceGraph && postBody !== undefined ? resourceGraph.summarise(postBody) : undefined;
    if (summary) rec.resourceGraph = summary;
    const finish = (status: number, fault?: FaultKind) => {
      rec.status = status;
      if (fault) rec.fault = fault;
      rec.end = Date.now() - started;
    };
    if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
    const fault = pickFault(postBody === undefined ? `${rec.method} ${pathQ}` : `${rec.method} ${pathQ} ${postBody}`);
    if (fault) {
      switch (fault.kind) {
        case "reset":
          finish(0, "reset");
          req.socket.destroy();
          return;
        case "stall":
          finish(0, "stall");
          return; // never answers; stop() destroys the socket
        case "malformed":
          res.writeHead(200, { "content-type": "application/json" });
          res.end('{"value": [ {"id": "/subscriptions/');
          finish(200, "malformed");
          return;
        case "truncated": {
          const text = JSON.stringify({ value: [{ id: "x".repeat(200) }] });
          res.writeHead(200, { "content-type": "application/json", "content-length": String(text.length) });
          res.write(text.slice(0, 40));
          finish(200, "truncated");
          setTimeout(() => res.socket?.destroy(), 5);
          return;
        }
        case "status": {
          const status = fault.status ?? 500;
          const headers: Record<string, string> = { ...(isResourceGraph ? resourceGraph.quotaHeaders(Date.now()) : {}), ...(fault.retryAfter !== undefined ? { "retry-after": String(fault.retryAfter) } : {}) };
          let body: JsonObject;
          if (api === "kube") body = kubeStatus(status, status === 403 ? "Forbidden" : status === 429 ? "TooManyRequests" : status === 404 ? "NotFound" : "InternalError", status === 403 ? `forbidden: User "pulldoctor" cannot get path "${url.pathname}"` : `sandbox fault ${status}`);
          else if (api === "graph") body = { error: { code: status === 403 ? "Authorization_RequestDenied" : status === 429 ? "TooManyRequests" : status === 404 ? "Request_ResourceNotFound" : "UnknownError", message: status === 403 ? "Insufficient privileges to complete the operation." : status === 404 ? `Resource '${url.pathname.split("/").pop()}' does not exist or one of its queried reference-property objects are not present.` : `sandbox fault ${status}` } };
          else if (status === 403) body = armError("AuthorizationFailed", `The client '${SANDBOX_CLIENT_ID}' with object id '${SANDBOX_CLIENT_ID}' does not have authorization to perform action '${armReadAction(url.pathname)}' over scope '${url.pathname.replace(/\/providers\/Microsoft\.Authorization\/\w+$/i, "")}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
          else if (status === 429 && isResourceGraph) body = rateLimitedBody();
          else if (status === 429) body = armError("TooManyRequests", "The request is being throttled as the limit has been reached for operation type - Read.");
          else if (status === 404) body = armError("ResourceNotFound", `The Resource '${url.pathname}' was not found.`);
          else body = armError("InternalServerError", `sandbox fault ${status}`);
          send(res, status, body, headers);
          finish(status, "status");
          return;
        }
      }
    }
    let status: number;
    let jobAnswer: ReturnType<typeof probeJobs.handle>;
    try {
      if (api === "token") status = await handleToken(req, res, url);
      else if (!authorised(req, api)) {
        status = 401;
        if (api === "kube") send(res, 401, kubeStatus(401, "Unauthorized", "Unauthorized"));
        else send(res, 401, { error: { code: "AuthenticationFailed", message: "Authentication failed. The 'Authorization' header is missing." } });
      } else if (api === "kube" && (jobAnswer = probeJobs.handle(req.method ?? "GET", url, req.method === "GET" ? "" : await readBody(req))) !== undefined) {
        status = jobAnswer.status;
        if (jobAnswer.text !== undefined) {
          res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(jobAnswer.text) });
          res.end(jobAnswer.text);
        } else send(res, status, jobAnswer.body);
      } else if (isResourceGraph && postBody !== undefined) {
        const answer = resourceGraph.answer(postBody, Date.now());
        send(res, answer.status, answer.body, answer.headers);
        status = answer.status;
      } else if (postBody !== undefined) {
        const answer = answerBatch(postBody, base, graphGet);
        send(res, answer.status, answer.body);
        status = answer.status;
      } else if (req.method !== "GET") {
        status = 405;
        send(res, 405, armError("MethodNotAllowed", `The sandbox is read-only: ${req.method} is not served`));
      } else if (api === "graph") {
        const alternate = alternateKeyLookup(scenario, url, base);
        if (alternate) send(res, alternate.status, alternate.body);
        status = alternate ? alternate.status : handleGraph(res, url);
      } else if (api === "arm") status = handleArm(res, url);
      else if (api === "kube") status = handleKube(res, url);
      else {
        status = 404;
        send(res, 404, { error: { code: "NotFound", message: `nothing at ${url.pathname}` } });
      }
    } catch (e) {
      status = 500;
      send(res, 500, armError("InternalServerError", `sandbox bug: ${(e as Error).message}`));
    }
    finish(status);
  };

  const server: Server = createServer({ cert: certs.certPem, key: certs.keyPem }, (req, res) => {
    handler(req, res).catch(() => res.destroy());
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  base = `https://127.0.0.1:${port}`;

  const cl = scenario.cluster ?? { subscriptionId: "00000000-0000-0000-0000-000000000000", resourceGroup: "rg", name: "cluster" };
  const kubeconfigPath = join(certs.dir, "kubeconfig");
  writeFileSync(kubeconfigPath, kubeconfig(base, certs.caPem, cl.name), { mode: 0o600 });

  return {
    url: base,
    port,
    caFile: certs.caFile,
    kubeconfigPath,
    tenantId: scenario.tenantId,
    subscriptionId: cl.subscriptionId,
    resourceGroup: cl.resourceGroup,
    clusterName: cl.name,
    env: {
      PULLDOCTOR_ARM_ENDPOINT: base,
      PULLDOCTOR_GRAPH_ENDPOINT: base,
      PULLDOCTOR_AUTHORITY_HOST: base,
      PULLDOCTOR_CA_FILE: certs.caFile,
      KUBECONFIG: kubeconfigPath,
      AZURE_TENANT_ID: scenario.tenantId,
      AZURE_CLIENT_ID: SANDBOX_CLIENT_ID,
      AZURE_CLIENT_SECRET: "sandbox-not-a-secret",
      AZURE_SUBSCRIPTION_ID: cl.subscriptionId,
    },
    requests,
    jobs: probeJobs.jobs,
    setFaults(f) {
      faults = f.map((x) => ({ ...x, used: 0 }));
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(certs.dir, { recursive: true, force: true });
    },
  };
}

function isObj(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function refId(v: unknown): string | undefined {
  return isObj(v) && typeof v["id"] === "string" ? v["id"] : undefined;
}

/**
 * GET of a subnet (`.../virtualNetworks/<v>/subnets/<s>`): the VNet document's copy when the scenario has the VNet;
 * otherwise synthesised from the NSG / route table / NAT gateway documents whose `subnets[]` list it. That is the
 * sandbox emulating ARM's association: in Azure the subnet and those resources name each other
 * (https://learn.microsoft.com/rest/api/virtualnetwork/subnets/get).
 */
export function subnetOf(scenario: Scenario, path: string): JsonObject | undefined {
  const id = normId(path);
  const vnetId = id.replace(/\/subnets\/[^/]+$/, "");
  const vnet = scenario.arm.get(vnetId);
  if (vnet) {
    const props = isObj(vnet.body["properties"]) ? vnet.body["properties"] : {};
    const subnets = Array.isArray(props["subnets"]) ? props["subnets"] : [];
    const found = subnets.find((x) => normId(refId(x)) === id);
    // a VNet document is authoritative: a subnet it does not list does not exist
    return isObj(found) ? { type: "Microsoft.Network/virtualNetworks/subnets", ...found } : undefined;
  }
  const properties: JsonObject = { provisioningState: "Succeeded" };
  const associations: [string, string][] = [
    ["microsoft.network/networksecuritygroups", "networkSecurityGroup"],
    ["microsoft.network/routetables", "routeTable"],
    ["microsoft.network/natgateways", "natGateway"],
  ];
  for (const [type, key] of associations) {
    for (const e of scenario.arm.values()) {
      if (e.type !== type) continue;
      const props = isObj(e.body["properties"]) ? e.body["properties"] : {};
      const subnets = Array.isArray(props["subnets"]) ? props["subnets"] : Array.isArray(e.body["subnets"]) ? e.body["subnets"] : [];
      if (subnets.some((x) => normId(refId(x)) === id)) properties[key] = { id: e.id };
    }
  }
  // nothing associated: the subnet still exists if a cluster's node pool sits in it
  if (Object.keys(properties).length === 1 && !nodeSubnetIds(scenario).has(id)) return undefined;
  const original = path.replace(/\/+$/, "");
  return { id: original, name: original.split("/").pop() ?? "", type: "Microsoft.Network/virtualNetworks/subnets", properties };
}

function nodeSubnetIds(scenario: Scenario): Set<string> {
  const out = new Set<string>();
  for (const e of scenario.arm.values()) {
    if (e.type !== "microsoft.containerservice/managedclusters") continue;
    const props = isObj(e.body["properties"]) ? e.body["properties"] : {};
    for (const p of Array.isArray(props["agentPoolProfiles"]) ? props["agentPoolProfiles"] : []) {
      if (isObj(p) && typeof p["vnetSubnetID"] === "string") out.add(normId(p["vnetSubnetID"]));
    }
  }
  return out;
}

function stripOdata(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (!k.startsWith("@odata.")) out[k] = v;
  return out;
}

function kubeconfig(server: string, caPem: string, cluster: string): string {
  const ca = Buffer.from(caPem).toString("base64");
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: cluster, cluster: { server, "certificate-authority-data": ca } }],
      users: [{ name: "sandbox-user", user: { token: KUBE_TOKEN } }],
      contexts: [{ name: cluster, context: { cluster, user: "sandbox-user" } }],
      "current-context": cluster,
    },
    null,
    2,
  );
}
