// GraphReader over @microsoft/microsoft-graph-client. The last middleware sends the request with undici's fetch,
// so an extra CA (the sandbox's) can be trusted through a normal TLS option of that one dispatcher.

import { Client, type Middleware } from "@microsoft/microsoft-graph-client";
import type { TokenCredential } from "@azure/core-auth";
import type { SecureContext } from "node:tls";
import { Agent, fetch as undiciFetch } from "undici";
import { toLiveCallError, withRetry } from "./errors.js";
import type { CallOptions, GraphReader, LiveResult } from "./types.js";

export interface GraphClientOptions {
  /** Graph endpoint (default https://graph.microsoft.com) */
  endpoint?: string;
  /** PEM bundle to trust (the system CAs plus any extra CA) */
  ca?: string[];
  /** the same bundle, prebuilt */
  secureContext?: SecureContext;
}

type GraphContext = Parameters<Middleware["execute"]>[0];

/** Bearer token + fetch, in one terminal middleware (the library's own handlers would use the global fetch). */
class TokenFetchMiddleware implements Middleware {
  private token: { token: string; expiresOnTimestamp: number } | undefined;

  constructor(
    private readonly credential: TokenCredential,
    private readonly scope: string,
    private readonly dispatcher: Agent | undefined,
  ) {}

  /** Tokens are reused until five minutes before expiry, like the Azure SDKs' bearer-token policy. */
  async getToken(signal: AbortSignal | undefined): Promise<{ token: string }> {
    if (this.token && this.token.expiresOnTimestamp - Date.now() > 300_000) return this.token;
    const token = await this.credential.getToken(this.scope, { abortSignal: signal });
    if (!token) throw Object.assign(new Error("no Microsoft Graph token"), { statusCode: 401 });
    this.token = token;
    return token;
  }

  async execute(context: GraphContext): Promise<void> {
    const options = context.options ?? {};
    const signal = (options.signal ?? undefined) as AbortSignal | undefined;
    const token = await this.getToken(signal);
    const headers: Record<string, string> = {};
    new Headers(options.headers as HeadersInit | undefined).forEach((v, k) => {
      headers[k] = v;
    });
    headers["authorization"] = `Bearer ${token.token}`;
    const url = typeof context.request === "string" ? context.request : context.request.url;
    const response = await undiciFetch(url, {
      method: options.method ?? "GET",
      headers,
      signal,
      ...(this.dispatcher ? { dispatcher: this.dispatcher } : {}),
    });
    context.response = response as unknown as Response;
  }
}

/** Graph error bodies are `{"error":{...}}` on the wire; GraphError keeps only the inner object. */
function wireErrorBody(body: unknown): unknown {
  if (typeof body === "object" && body !== null && !("error" in body) && "code" in body) return { error: body };
  return body;
}

export class SdkGraphReader implements GraphReader {
  private readonly client: Client;
  private readonly auth: TokenFetchMiddleware;

  constructor(credential: TokenCredential, options: GraphClientOptions = {}) {
    const endpoint = (options.endpoint ?? "https://graph.microsoft.com").replace(/\/+$/, "");
    const dispatcher = options.ca ? new Agent({ connect: options.secureContext ? { secureContext: options.secureContext } : { ca: options.ca } }) : undefined;
    this.auth = new TokenFetchMiddleware(credential, "https://graph.microsoft.com/.default", dispatcher);
    this.client = Client.initWithMiddleware({ baseUrl: endpoint, defaultVersion: "v1.0", middleware: this.auth });
  }

  async prepare(o: CallOptions = {}): Promise<void> {
    await this.auth.getToken(o.abortSignal);
  }

  private async get(call: string, path: string, filter: string | undefined, o: CallOptions): Promise<LiveResult> {
    try {
      const body = await withRetry(async () => {
        let req = this.client.api(path).version("v1.0");
        if (filter) req = req.filter(filter);
        if (o.abortSignal) req = req.option("signal", o.abortSignal);
        return (await req.get()) as unknown;
      }, o.abortSignal);
      return { call, body };
    } catch (e) {
      const err = toLiveCallError(e, call, "Microsoft Graph Application.Read.All (or Directory.Read.All)", o.abortSignal);
      if (err.body !== undefined) Object.defineProperty(err, "body", { value: wireErrorBody(err.body) });
      throw err;
    }
  }

  servicePrincipalsByAppId(appId: string, o: CallOptions = {}): Promise<LiveResult> {
    const filter = `appId eq '${appId}'`;
    return this.get(`GET /v1.0/servicePrincipals?$filter=${filter}`, "/servicePrincipals", filter, o);
  }

  applicationsByAppId(appId: string, o: CallOptions = {}): Promise<LiveResult> {
    const filter = `appId eq '${appId}'`;
    return this.get(`GET /v1.0/applications?$filter=${filter}`, "/applications", filter, o);
  }

  directoryObject(id: string, o: CallOptions = {}): Promise<LiveResult> {
    return this.get(`GET /v1.0/directoryObjects/${id}`, `/directoryObjects/${id}`, undefined, o);
  }
}
