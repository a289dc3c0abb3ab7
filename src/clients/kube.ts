// KubeReader over @kubernetes/client-node 1.x (current kubeconfig context, or --context / --kubeconfig).
// The abort signal reaches the HTTP request through a per-call middleware (RequestContext.setSignal).

import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import {
  CoreV1Api,
  KubeConfig,
  Observable,
  ResponseContext,
  SelfDecodingBody,
  wrapHttpLibrary,
  type ConfigurationOptions,
  type HttpLibrary,
  type RequestContext,
} from "@kubernetes/client-node";
import { toLiveCallError, withRetry } from "./errors.js";
import type { CallOptions, KubeReader, LiveResult } from "./types.js";

export interface KubeClientOptions {
  kubeconfig?: string;
  context?: string;
}

/** Follow `continue` tokens: the API server pages large lists when asked to (`limit`). */
const PAGE_LIMIT = 500;

function plain(v: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(v)) as Record<string, unknown>;
}

function abortError(): Error {
  return Object.assign(new Error("The operation was aborted"), { name: "AbortError" });
}

/**
 * client-node's default HTTP library (node-fetch 2) never settles when the connection drops in the middle of a
 * Content-Length body (it pipes the socket without forwarding the error), so a truncated answer would look like a
 * stall until the deadline. This one sends the same request (URL, headers, TLS agent, signal) with node:https and
 * rejects a cut-off body at once, with the status that did arrive.
 */
export const truncationAwareHttp: HttpLibrary = wrapHttpLibrary({
  send(ctx: RequestContext): Promise<ResponseContext> {
    return new Promise((resolve, reject) => {
      const url = new URL(ctx.getUrl());
      const signal = ctx.getSignal();
      const send = url.protocol === "http:" ? httpRequest : httpsRequest;
      const req = send(url, { method: ctx.getHttpMethod().toString(), headers: ctx.getHeaders(), agent: ctx.getAgent(), signal }, (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const body = new Promise<Buffer>((ok, fail) => {
          const chunks: Buffer[] = [];
          let ended = false;
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            ended = true;
            ok(Buffer.concat(chunks));
          });
          const cutOff = () => {
            if (ended) return;
            ended = true;
            fail(signal?.aborted ? abortError() : Object.assign(new Error("terminated: the connection closed before the whole body arrived"), { statusCode: status }));
          };
          res.on("error", cutOff);
          res.on("close", cutOff);
        });
        body.catch(() => undefined); // the reader of the body sees the rejection
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
        resolve(new ResponseContext(status, headers, new SelfDecodingBody(body)));
      });
      req.on("error", (e) => reject(signal?.aborted ? abortError() : e));
      const payload = ctx.getBody();
      if (typeof payload === "string" || Buffer.isBuffer(payload)) req.write(payload);
      req.end();
    });
  },
});

/** The kubeconfig the user chose (file and context), for the reader and the writer alike. */
export function loadKubeConfig(options: KubeClientOptions): KubeConfig {
  const kc = new KubeConfig();
  if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  if (options.context) kc.setCurrentContext(options.context);
  return kc;
}

/** Per-request options: the truncation-aware HTTP layer, and the caller's abort signal when there is one. */
export function requestOptions(signal: AbortSignal | undefined): ConfigurationOptions {
  if (!signal) return { httpApi: truncationAwareHttp };
  return {
    httpApi: truncationAwareHttp,
    middleware: [
      {
        pre: (ctx: RequestContext) => {
          ctx.setSignal(signal);
          return new Observable(Promise.resolve(ctx));
        },
        post: (rsp: ResponseContext) => new Observable(Promise.resolve(rsp)),
      },
    ],
    middlewareMergeStrategy: "append",
  };
}

export class ClientNodeKubeReader implements KubeReader {
  private readonly api: CoreV1Api;
  readonly contextName: string;

  constructor(options: KubeClientOptions = {}) {
    const kc = loadKubeConfig(options);
    this.contextName = kc.getCurrentContext();
    this.api = kc.makeApiClient(CoreV1Api);
  }

  private async run(call: string, permission: string, o: CallOptions, f: (opts: ConfigurationOptions | undefined) => Promise<unknown>): Promise<LiveResult> {
    try {
      const body = await withRetry(async () => plain(await f(requestOptions(o.abortSignal))), o.abortSignal);
      return { call, body };
    } catch (e) {
      throw toLiveCallError(e, call, permission, o.abortSignal);
    }
  }

  /** A list, all pages merged into one `<Kind>List`. */
  private async list(call: string, permission: string, o: CallOptions, page: (cont: string | undefined, opts: ConfigurationOptions | undefined) => Promise<unknown>): Promise<LiveResult> {
    let merged: Record<string, unknown> | undefined;
    let cont: string | undefined;
    for (let i = 0; i < 1000; i++) {
      const { body } = await this.run(call, permission, o, (opts) => page(cont, opts));
      const b = body as Record<string, unknown>;
      const items = Array.isArray(b["items"]) ? (b["items"] as unknown[]) : [];
      if (!merged) merged = { ...b, items: [...items] };
      else (merged["items"] as unknown[]).push(...items);
      const meta = (b["metadata"] ?? {}) as Record<string, unknown>;
      cont = typeof meta["_continue"] === "string" && meta["_continue"] ? meta["_continue"] : typeof meta["continue"] === "string" && meta["continue"] ? meta["continue"] : undefined;
      if (!cont) break;
    }
    return { call, body: merged ?? { items: [] } };
  }

  listEvents(ns: string | undefined, o: CallOptions = {}): Promise<LiveResult> {
    const call = ns ? `GET /api/v1/namespaces/${ns}/events` : "GET /api/v1/events";
    return this.list(call, "list events (RBAC verb list on events)", o, (cont, opts) =>
      ns ? this.api.listNamespacedEvent({ namespace: ns, limit: PAGE_LIMIT, _continue: cont }, opts) : this.api.listEventForAllNamespaces({ limit: PAGE_LIMIT, _continue: cont }, opts),
    );
  }

  listPods(ns: string | undefined, o: CallOptions = {}): Promise<LiveResult> {
    const call = ns ? `GET /api/v1/namespaces/${ns}/pods` : "GET /api/v1/pods";
    return this.list(call, "list pods (RBAC verb list on pods)", o, (cont, opts) =>
      ns ? this.api.listNamespacedPod({ namespace: ns, limit: PAGE_LIMIT, _continue: cont }, opts) : this.api.listPodForAllNamespaces({ limit: PAGE_LIMIT, _continue: cont }, opts),
    );
  }

  listNodes(o: CallOptions = {}): Promise<LiveResult> {
    return this.list("GET /api/v1/nodes", "list nodes (RBAC verb list on nodes, cluster scope)", o, (cont, opts) => this.api.listNode({ limit: PAGE_LIMIT, _continue: cont }, opts));
  }

  listServiceAccounts(ns: string | undefined, o: CallOptions = {}): Promise<LiveResult> {
    const call = ns ? `GET /api/v1/namespaces/${ns}/serviceaccounts` : "GET /api/v1/serviceaccounts";
    return this.list(call, "list serviceaccounts (RBAC verb list on serviceaccounts)", o, (cont, opts) =>
      ns
        ? this.api.listNamespacedServiceAccount({ namespace: ns, limit: PAGE_LIMIT, _continue: cont }, opts)
        : this.api.listServiceAccountForAllNamespaces({ limit: PAGE_LIMIT, _continue: cont }, opts),
    );
  }

  readSecret(ns: string, name: string, o: CallOptions = {}): Promise<LiveResult> {
    const call = `GET /api/v1/namespaces/${ns}/secrets/${name}`;
    return this.run(call, `get secret ${ns}/${name} (RBAC verb get on secrets)`, o, async (opts) => {
      const s = plain(await this.api.readNamespacedSecret({ namespace: ns, name }, opts));
      // a typed read omits nothing we need; make the kind explicit so the recogniser knows it is a Secret
      return { apiVersion: "v1", kind: "Secret", ...s };
    });
  }
}
