// `pulldoctor audit` live: builds the Resource Graph client (@azure/arm-resourcegraph) and a Microsoft Graph `$batch`
// function with the same credential, endpoints and trusted CAs as live `diagnose`, runs the fleet collector under one
// deadline, and turns what cannot be worked around into one-line usage errors (exit 2).

import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import type { TokenCredential } from "@azure/core-auth";
import { Client, type Middleware } from "@microsoft/microsoft-graph-client";
import { Agent as UndiciAgent, fetch as undiciFetch } from "undici";
import { authorizationScopeFilterPolicy, collectFleet, resourceGraphFromSdk, ResourceGraphHttpError, withoutSdkThrottlingRetry, type DenyAssignmentsOf, type GraphBatch, type GraphBatchRequest, type GraphBatchResponse, type LiveProgress, type ResourceGraph } from "../audit/live.js";
import type { Snapshot } from "../snapshot/types.js";
import { UsageError } from "./errors.js";
import { buildCredential, trustedCas, trustSettings } from "./credential.js";
import { parseTimeout } from "./timeout.js";
import { SdkArmReader } from "../clients/arm.js";

export interface LiveAuditOptions {
  subscriptions: string[];
  managementGroups: string[];
  /** seconds for the whole collection */
  timeout?: string;
  now?: Date;
}

export interface LiveAuditIO {
  stderr: (s: string) => void;
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

/** A tenant takes many pages: a longer default than diagnose's 30 s. */
export const DEFAULT_AUDIT_TIMEOUT_S = 300;
const GRAPH_SCOPE = "https://graph.microsoft.com/.default";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Tuning knobs read from the environment (tests force small pages and short waits with them). */
function envInt(env: NodeJS.ProcessEnv, name: string, min: number, max: number): number | undefined {
  const v = env[name];
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${name} must be a whole number from ${min} to ${max}, got "${v}"`);
  return n;
}

type GraphContext = Parameters<Middleware["execute"]>[0];

/** Bearer token + undici fetch, body included (the `$batch` POST), in one terminal Graph client middleware. */
class GraphTransport implements Middleware {
  private token: { token: string; expiresOnTimestamp: number } | undefined;

  constructor(
    private readonly credential: TokenCredential,
    private readonly dispatcher: UndiciAgent | undefined,
  ) {}

  async execute(context: GraphContext): Promise<void> {
    const options = context.options ?? {};
    const signal = (options.signal ?? undefined) as AbortSignal | undefined;
    // reuse the token until five minutes before expiry: az-backed credentials spawn a process per getToken
    if (!this.token || this.token.expiresOnTimestamp - Date.now() < 300_000) {
      const token = await this.credential.getToken(GRAPH_SCOPE, { abortSignal: signal });
      if (!token) throw Object.assign(new Error("no Microsoft Graph token"), { statusCode: 401 });
      this.token = token;
    }
    const headers: Record<string, string> = {};
    new Headers(options.headers as HeadersInit | undefined).forEach((v, k) => {
      headers[k] = v;
    });
    headers["authorization"] = `Bearer ${this.token.token}`;
    const url = typeof context.request === "string" ? context.request : context.request.url;
    const response = await undiciFetch(url, {
      method: options.method ?? "GET",
      headers,
      ...(typeof options.body === "string" ? { body: options.body } : {}),
      signal,
      ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
    });
    context.response = response as unknown as Response;
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `$batch` over the Microsoft Graph client. A failed batch never throws: every lookup in it gets the batch's status. */
function graphBatchOver(client: Client, signal: AbortSignal): GraphBatch {
  return async (requests: GraphBatchRequest[]): Promise<GraphBatchResponse[]> => {
    try {
      const answer = (await client.api("/$batch").version("v1.0").option("signal", signal).post({ requests })) as unknown;
      const responses = isObj(answer) && Array.isArray(answer["responses"]) ? answer["responses"] : [];
      return responses.filter(isObj).map((r) => ({
        id: String(r["id"]),
        status: typeof r["status"] === "number" ? r["status"] : 0,
        ...(isObj(r["headers"]) ? { headers: Object.fromEntries(Object.entries(r["headers"]).map(([k, v]) => [k, String(v)])) } : {}),
        ...(r["body"] !== undefined ? { body: r["body"] } : {}),
      }));
    } catch (e) {
      signal.throwIfAborted();
      const err = e as { statusCode?: unknown; code?: unknown; message?: unknown; headers?: Headers };
      // the Graph client reports transport failures as statusCode -1: recorded as "no answer" (status 0)
      const status = typeof err.statusCode === "number" && err.statusCode > 0 ? err.statusCode : 0;
      const retryAfter = err.headers?.get?.("retry-after");
      const body = { error: { code: typeof err.code === "string" ? err.code : "Unknown", message: String(err.message ?? "").split("\n")[0] } };
      return requests.map((r) => ({ id: r.id, status, body, ...(retryAfter ? { headers: { "retry-after": retryAfter } } : {}) }));
    }
  };
}

export interface FleetClients {
  resourceGraph: ResourceGraph;
  graphBatch: GraphBatch;
  /** ARM, for the deny assignments Resource Graph does not serve */
  denyAssignments?: DenyAssignmentsOf;
  /** closes the keep-alive connections, so the process can exit */
  close(): void;
}

/** The real clients, pointed where live diagnose points its own (PULLDOCTOR_ARM_ENDPOINT, PULLDOCTOR_GRAPH_ENDPOINT, ...). */
export function buildFleetClients(env: NodeJS.ProcessEnv, signal: AbortSignal): FleetClients {
  const trusted = trustSettings(trustedCas(env));
  const credential = buildCredential(env, trusted);
  // agentSettings replace the SDK's proxy handling, so they are set only when an extra CA must be trusted
  const agents = trusted ? { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true, secureContext: trusted.secureContext }) } : undefined;
  const sdk = new ResourceGraphClient(credential, {
    ...(env.PULLDOCTOR_ARM_ENDPOINT ? { baseUri: env.PULLDOCTOR_ARM_ENDPOINT.replace(/\/+$/, "") } : {}),
    ...(agents ? { agentSettings: agents } : {}),
    // ms-rest-js's retry policies wait 30-90 s per retry and as long as Retry-After says; the collector retries, bounded
    noRetryPolicy: true,
    // the collector's bounded retry instead of the SDK's; authorizationScopeFilter moved into the body the SDK serialized
    requestPolicyFactories: (defaults) => [...withoutSdkThrottlingRetry(defaults), authorizationScopeFilterPolicy() as (typeof defaults)[number]],
  });
  const dispatcher = trusted ? new UndiciAgent({ connect: { secureContext: trusted.secureContext } }) : undefined;
  const graph = Client.initWithMiddleware({ baseUrl: (env.PULLDOCTOR_GRAPH_ENDPOINT ?? "https://graph.microsoft.com").replace(/\/+$/, ""), defaultVersion: "v1.0", middleware: new GraphTransport(credential, dispatcher) });
  // the same ARM reader live diagnose uses (its own bounded retries and one-line errors)
  const arm = new SdkArmReader(credential, { endpoint: env.PULLDOCTOR_ARM_ENDPOINT, tlsOptions: trusted });
  return {
    resourceGraph: resourceGraphFromSdk(sdk, { abortSignal: signal }),
    graphBatch: graphBatchOver(graph, signal),
    denyAssignments: async (sub, abortSignal) => (await arm.listDenyAssignments(`/subscriptions/${sub}`, abortSignal ? { abortSignal } : {})).body,
    close() {
      agents?.http.destroy();
      agents?.https.destroy();
      void dispatcher?.close();
    },
  };
}

/** Why Resource Graph refused, in one line, with what to do about the usual causes. */
function resourceGraphFailure(e: ResourceGraphHttpError): string {
  const call = `Resource Graph query "${e.query ?? "?"}" (POST /providers/Microsoft.ResourceGraph/resources)`;
  const detail = e.message ? `: ${e.message.replace(/\.\s*$/, "")}` : "";
  if (e.status === 429) return `${call} is still throttled (HTTP 429) after ${e.attempts ?? 1} attempts${detail}; wait a minute or narrow --subscription`;
  if (e.status === 401) return `${call} was refused: HTTP 401${detail}; sign in again (az login)`;
  if (e.status === 403) return `${call} was refused: HTTP 403${detail}; the identity needs Reader on the subscriptions or management groups`;
  return `${call} failed: HTTP ${e.status}${e.attempts && e.attempts > 1 ? ` after ${e.attempts} attempts` : ""}${detail}`;
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split("\n")[0]!.slice(0, 300);
}

/** Collect the fleet through Resource Graph and Graph into a Snapshot (the caller audits and renders it). */
export async function liveAuditSnapshot(opts: LiveAuditOptions, io: LiveAuditIO, clients?: FleetClients): Promise<Snapshot> {
  for (const s of opts.subscriptions) if (!GUID.test(s)) throw new UsageError(`--subscription must be a subscription id (a GUID), got "${s}"`);
  for (const m of opts.managementGroups) if (m.trim() === "") throw new UsageError("--management-group must not be empty");
  const timeoutS = parseTimeout(opts.timeout, DEFAULT_AUDIT_TIMEOUT_S, 86_400);
  const pageSize = envInt(io.env, "PULLDOCTOR_RG_PAGE_SIZE", 1, 1000);
  const maxWaitMs = envInt(io.env, "PULLDOCTOR_RG_MAX_WAIT_MS", 0, 3_600_000);
  const deadline = AbortSignal.timeout(timeoutS * 1000);
  const fleet = clients ?? buildFleetClients(io.env, deadline);
  let shown = false;
  const progress = (e: LiveProgress) => {
    if (!io.stderrIsTTY) return;
    const what = e.step === "graph" ? `Microsoft Graph: ${e.rows} lookups` : e.step === "denyAssignments" ? `deny assignments (ARM): ${e.rows} subscriptions` : `${e.step}: page ${e.pages}, ${e.rows} rows`;
    io.stderr(`\r\x1b[2K  reading ${what}`);
    shown = true;
  };
  try {
    const { snapshot } = await collectFleet(
      fleet,
      { ...(opts.subscriptions.length ? { subscriptions: opts.subscriptions } : {}), ...(opts.managementGroups.length ? { managementGroups: opts.managementGroups } : {}) },
      {
        lookUpAssignmentPrincipals: true,
        abortSignal: deadline,
        onProgress: progress,
        ...(pageSize ? { pageSize } : {}),
        ...(maxWaitMs !== undefined ? { maxWaitMs } : {}),
        ...(opts.now ? { now: opts.now } : {}),
      },
    );
    return snapshot;
  } catch (e) {
    if (deadline.aborted) throw new UsageError(`live audit gave up after --timeout ${timeoutS}s; raise --timeout or narrow --subscription`);
    if (e instanceof ResourceGraphHttpError) throw new UsageError(resourceGraphFailure(e));
    const name = (e as Error)?.name ?? "";
    if (/Credential|Authentication/.test(name)) throw new UsageError(`cannot get an Azure token (${name}): ${firstLine(e)}; sign in with az login, or set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET`);
    // a transport failure (ms-rest-js RestError REQUEST_SEND_ERROR, ECONNREFUSED, ...) carries a string code; anything else is a bug
    if (typeof (e as { code?: unknown })?.code === "string") throw new UsageError(`Resource Graph could not be reached: ${firstLine(e)}`);
    throw e;
  } finally {
    if (shown) io.stderr("\r\x1b[2K");
    if (!clients) fleet.close();
  }
}
