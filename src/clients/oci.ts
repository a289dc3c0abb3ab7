// OCI distribution client for the node-side probe: ping, auth challenges, Docker and ACR token flows, manifests,
// platform match and one blob fetch on the data path. Every call has its own timeout and honours an outer signal.
// Nothing here logs or returns a credential: tokens are handed back to the caller only as opaque strings.

import { Agent, request, type Dispatcher } from "undici";
import type { LookupFunction } from "node:net";

export const MEDIA_TYPES = {
  ociIndex: "application/vnd.oci.image.index.v1+json",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  dockerList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
} as const;

export const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest].join(", ");

const INDEX_MEDIA_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList]);

/** What went wrong on the wire or in the answer, in words the rules can map to cause codes. */
export type OciErrorKind =
  | "timeout" // no answer in time (connect, headers or body)
  | "refused"
  | "unreachable"
  | "dns"
  | "tls-verify" // certificate not trusted / wrong name: an intercepting proxy, usually
  | "tls" // other handshake failures
  | "network" // reset, closed, other transport errors
  | "http" // the server answered with an error status
  | "malformed" // the answer could not be understood
  | "aborted"; // the whole probe ran out of time

export interface OciError {
  kind: OciErrorKind;
  message: string;
  httpStatus?: number;
  /** registry error code (`NAME_UNKNOWN`...) or Node/undici error code (`ECONNREFUSED`...) */
  code?: string;
}

export type OciResult<T> = { ok: true; value: T } | { ok: false; error: OciError };

export interface HttpOptions {
  dispatcher?: Dispatcher;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface DispatcherOptions {
  /** extra CA certificates (PEM), on top of Node's bundle when `replaceCa` is not set */
  ca?: string | Buffer | (string | Buffer)[];
  connectTimeoutMs?: number;
  /** resolve names the probe's way (custom DNS server, `--resolve` overrides) instead of the system resolver */
  lookup?: LookupFunction;
}

/** An undici Agent for probe traffic: custom CA, custom lookup, bounded connect time, no connection reuse surprises. */
export function createDispatcher(options: DispatcherOptions = {}): Agent {
  const connect: Record<string, unknown> = { timeout: options.connectTimeoutMs ?? 5000 };
  if (options.ca !== undefined) connect.ca = options.ca;
  if (options.lookup) connect.lookup = options.lookup;
  return new Agent({ connect, keepAliveTimeout: 1000, keepAliveMaxTimeout: 2000 });
}

// ───────────── transport error mapping ─────────────

const TLS_VERIFY_CODES = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID", "ERR_TLS_CERT_ALTNAME_INVALID", "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE", "CERT_REVOKED",
]);

function errorCodeOf(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && typeof cur === "object" && cur !== null; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_SOCKET") return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Maps a thrown Node/undici error to a probe error; never includes request headers (they may carry a token). */
export function transportError(e: unknown, outer?: AbortSignal): OciError {
  const code = errorCodeOf(e);
  const name = e instanceof Error ? e.name : "";
  const message = e instanceof Error ? e.message.split("\n")[0] ?? "" : String(e);
  if (outer?.aborted) return { kind: "aborted", message: "the probe's overall --timeout was reached", code: "ABORTED" };
  if (name === "TimeoutError" || code === "UND_ERR_CONNECT_TIMEOUT" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" || code === "ETIMEDOUT") {
    return { kind: "timeout", message: `timed out (${code ?? "request timeout"})`, code: code ?? "TIMEOUT" };
  }
  if (name === "AbortError" || code === "ABORT_ERR" || code === "UND_ERR_ABORTED") return { kind: "timeout", message: "request aborted after its timeout", code: code ?? "ABORT_ERR" };
  if (code === "ECONNREFUSED") return { kind: "refused", message: "connection refused", code };
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH") return { kind: "unreachable", message: code === "EHOSTUNREACH" ? "host unreachable" : "network unreachable", code };
  if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "ESERVFAIL" || code === "ENODATA" || code === "ETIMEOUT") return { kind: "dns", message: `name resolution failed (${code})`, code };
  if (code && TLS_VERIFY_CODES.has(code)) return { kind: "tls-verify", message: `TLS certificate verification failed: ${message}`, code };
  if (code && (code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL") || code === "EPROTO")) return { kind: "tls", message: `TLS handshake failed: ${message}`, code };
  return { kind: "network", message: message || "network error", ...(code ? { code } : {}) };
}

// ───────────── HTTP ─────────────

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

function signalFor(opts: HttpOptions): AbortSignal {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  return opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
}

/** One HTTP exchange; redirects are never followed here (the blob check follows them itself, without auth). */
export async function httpRequest(
  url: string,
  init: { method?: "GET" | "HEAD" | "POST"; headers?: Record<string, string>; body?: string; maxBodyBytes?: number },
  opts: HttpOptions,
): Promise<OciResult<HttpResponse>> {
  try {
    const res = await request(url, {
      method: init.method ?? "GET",
      headers: init.headers ?? {},
      body: init.body ?? null,
      signal: signalFor(opts),
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      ...(opts.dispatcher ? { dispatcher: opts.dispatcher } : {}),
    });
    let body = "";
    if (init.method === "HEAD") await res.body.dump();
    else {
      const limit = init.maxBodyBytes ?? MAX_BODY_BYTES;
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        const buf = chunk as Buffer;
        size += buf.length;
        if (size > limit) {
          // A blob or a huge error page: enough is read to prove the path works.
          res.body.destroy();
          break;
        }
        chunks.push(buf);
      }
      body = Buffer.concat(chunks).toString("utf8");
    }
    return { ok: true, value: { status: res.statusCode, headers: res.headers, body } };
  } catch (e) {
    return { ok: false, error: transportError(e, opts.signal) };
  }
}

export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(", ") : v;
}

// ───────────── WWW-Authenticate ─────────────

export interface Challenge {
  scheme: "bearer" | "basic" | string;
  params: Record<string, string>;
}

/**
 * Parses `WWW-Authenticate`, which may hold several challenges and quoted values with commas inside
 * (`scope="repository:a:pull,push"`), per RFC 9110 section 11.6.1.
 */
export function parseChallenges(headerValue: string | undefined): Challenge[] {
  if (!headerValue) return [];
  const out: Challenge[] = [];
  let i = 0;
  const s = headerValue;
  const skipWs = () => {
    while (i < s.length && (s[i] === " " || s[i] === "\t" || s[i] === ",")) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(s[i] ?? "")) i++;
    return s.slice(start, i);
  };
  let current: Challenge | undefined;
  while (i < s.length) {
    skipWs();
    const token = readToken();
    if (token === "") {
      i++;
      continue;
    }
    let j = i;
    while (j < s.length && (s[j] === " " || s[j] === "\t")) j++;
    if (s[j] === "=" && current) {
      // auth-param: name=value or name="quoted, value"
      i = j + 1;
      while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
      let value = "";
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === "\\" && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        i++;
      } else {
        const start = i;
        while (i < s.length && s[i] !== "," && s[i] !== " ") i++;
        value = s.slice(start, i);
      }
      current.params[token.toLowerCase()] = value;
      continue;
    }
    current = { scheme: token.toLowerCase(), params: {} };
    out.push(current);
  }
  return out;
}

// ───────────── registry error bodies ─────────────

export const REGISTRY_ERROR_CODES = [
  "UNAUTHORIZED", "DENIED", "NAME_UNKNOWN", "MANIFEST_UNKNOWN", "BLOB_UNKNOWN", "TOOMANYREQUESTS", "NAME_INVALID",
  "TAG_INVALID", "UNSUPPORTED", "MANIFEST_INVALID", "UNKNOWN",
] as const;

export interface RegistryErrorBody {
  code?: string;
  message?: string;
}

/** Reads `{"errors":[{"code","message"}]}` (distribution) or `{"error","error_description"}` (OAuth). */
export function parseRegistryError(body: string): RegistryErrorBody {
  try {
    const json = JSON.parse(body) as unknown;
    if (typeof json === "object" && json !== null) {
      const errors = (json as { errors?: unknown }).errors;
      if (Array.isArray(errors) && errors.length > 0 && typeof errors[0] === "object" && errors[0] !== null) {
        const first = errors[0] as { code?: unknown; message?: unknown };
        return { code: typeof first.code === "string" ? first.code.toUpperCase() : undefined, message: typeof first.message === "string" ? first.message : undefined };
      }
      const oauth = json as { error?: unknown; error_description?: unknown; details?: unknown };
      if (typeof oauth.error === "string") {
        return { code: oauth.error.toUpperCase(), message: typeof oauth.error_description === "string" ? oauth.error_description : oauth.error };
      }
    }
  } catch {
    // not JSON: an HTML page from a proxy, or empty
  }
  return {};
}

function statusText(status: number): string {
  const names: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable" };
  return names[status] ?? "";
}

/** An HTTP error status as an OciError, with the registry's error code when the body has one. */
export function httpError(res: HttpResponse, what: string): OciError {
  const parsed = parseRegistryError(res.body);
  let code = parsed.code;
  if (!code && res.status === 429) code = "TOOMANYREQUESTS";
  const challenge = parseChallenges(header(res, "www-authenticate"))[0];
  // Distribution says why a bearer token was refused only in the challenge: error="insufficient_scope".
  if (challenge?.params.error === "insufficient_scope") code = code === "UNAUTHORIZED" || !code ? "INSUFFICIENT_SCOPE" : code;
  const detail = parsed.message ? `: ${parsed.message.slice(0, 300)}` : "";
  return { kind: "http", httpStatus: res.status, message: `${what} returned ${res.status} ${statusText(res.status)}${code ? ` ${code}` : ""}${detail}`.replace(/\s+/g, " ").trim(), ...(code ? { code } : {}) };
}

// ───────────── ping and token flows ─────────────

export interface PingResult {
  status: number;
  challenges: Challenge[];
}

/** `GET /v2/`: 200 (anonymous allowed) or 401 with the challenge that says how to authenticate. */
export async function ping(baseUrl: string, opts: HttpOptions): Promise<OciResult<PingResult>> {
  const r = await httpRequest(`${baseUrl}/v2/`, { method: "GET" }, opts);
  if (!r.ok) return r;
  const { status } = r.value;
  if (status === 200 || status === 401) return { ok: true, value: { status, challenges: parseChallenges(header(r.value, "www-authenticate")) } };
  return { ok: false, error: httpError(r.value, "GET /v2/") };
}

export interface BasicCredentials {
  username: string;
  password: string;
}

export function basicAuthHeader(c: BasicCredentials): string {
  return `Basic ${Buffer.from(`${c.username}:${c.password}`, "utf8").toString("base64")}`;
}

function tokenFromBody(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as { token?: unknown; access_token?: unknown; refresh_token?: unknown };
    if (typeof json.token === "string" && json.token !== "") return json.token;
    if (typeof json.access_token === "string" && json.access_token !== "") return json.access_token;
  } catch {
    // fall through
  }
  return undefined;
}

/** Docker token auth: `GET realm?service=&scope=`, anonymous or with Basic credentials. */
export async function fetchDockerToken(
  challenge: Challenge,
  scope: string,
  credentials: BasicCredentials | undefined,
  opts: HttpOptions,
): Promise<OciResult<{ token: string; realm: string }>> {
  const realm = challenge.params.realm;
  if (!realm) return { ok: false, error: { kind: "malformed", message: "the Bearer challenge has no realm" } };
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    return { ok: false, error: { kind: "malformed", message: "the Bearer challenge's realm is not a URL" } };
  }
  if (challenge.params.service) url.searchParams.set("service", challenge.params.service);
  url.searchParams.set("scope", scope);
  const headers: Record<string, string> = {};
  if (credentials) headers.authorization = basicAuthHeader(credentials);
  const r = await httpRequest(url.toString(), { method: "GET", headers }, opts);
  if (!r.ok) return r;
  if (r.value.status !== 200) return { ok: false, error: httpError(r.value, `token request to ${url.origin}${url.pathname}`) };
  const token = tokenFromBody(r.value.body);
  if (!token) return { ok: false, error: { kind: "malformed", message: "the token server answered 200 without a token" } };
  return { ok: true, value: { token, realm: `${url.origin}${url.pathname}` } };
}

/** ACR's token endpoints live beside the realm: `https://<login server>/oauth2/{exchange,token}`. */
export function acrOAuthBase(challenge: Challenge | undefined, loginBaseUrl: string): string {
  const realm = challenge?.params.realm;
  if (realm) {
    try {
      return new URL(realm).origin;
    } catch {
      // fall back to the login server
    }
  }
  return loginBaseUrl;
}

/**
 * ACR `/oauth2/exchange`: an Entra access token for a registry refresh token.
 * https://github.com/Azure/acr/blob/main/docs/AAD-OAuth.md
 */
export async function acrExchange(
  oauthBase: string,
  args: { service: string; accessToken: string; tenant?: string },
  opts: HttpOptions,
): Promise<OciResult<{ refreshToken: string }>> {
  const form = new URLSearchParams({ grant_type: "access_token", service: args.service, access_token: args.accessToken });
  if (args.tenant) form.set("tenant", args.tenant);
  const r = await httpRequest(`${oauthBase}/oauth2/exchange`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() }, opts);
  if (!r.ok) return r;
  if (r.value.status !== 200) return { ok: false, error: httpError(r.value, "POST /oauth2/exchange") };
  try {
    const json = JSON.parse(r.value.body) as { refresh_token?: unknown };
    if (typeof json.refresh_token === "string" && json.refresh_token !== "") return { ok: true, value: { refreshToken: json.refresh_token } };
  } catch {
    // fall through
  }
  return { ok: false, error: { kind: "malformed", message: "/oauth2/exchange answered 200 without a refresh_token" } };
}

/** ACR `/oauth2/token`: a registry refresh token (or a password) for an access token with a repository scope. */
export async function acrAccessToken(
  oauthBase: string,
  args: { service: string; scope: string; refreshToken: string },
  opts: HttpOptions,
): Promise<OciResult<{ token: string }>> {
  const form = new URLSearchParams({ grant_type: "refresh_token", service: args.service, scope: args.scope, refresh_token: args.refreshToken });
  const r = await httpRequest(`${oauthBase}/oauth2/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() }, opts);
  if (!r.ok) return r;
  if (r.value.status !== 200) return { ok: false, error: httpError(r.value, "POST /oauth2/token") };
  const token = tokenFromBody(r.value.body);
  if (!token) return { ok: false, error: { kind: "malformed", message: "/oauth2/token answered 200 without an access_token" } };
  return { ok: true, value: { token } };
}

// ───────────── JWT ─────────────

export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

/** Decodes a JWT's payload without checking its signature: the probe only reads what it was granted. */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split(".");
  if (parts.length < 2 || !parts[1]) return undefined;
  try {
    const json = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as unknown;
    return typeof json === "object" && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function tokenAccess(payload: Record<string, unknown> | undefined): TokenAccess[] {
  const access = payload?.access;
  if (!Array.isArray(access)) return [];
  return access.flatMap((a): TokenAccess[] => {
    if (typeof a !== "object" || a === null) return [];
    const o = a as { type?: unknown; name?: unknown; actions?: unknown };
    return [{
      type: typeof o.type === "string" ? o.type : "",
      name: typeof o.name === "string" ? o.name : "",
      actions: Array.isArray(o.actions) ? o.actions.filter((x): x is string => typeof x === "string") : [],
    }];
  });
}

/**
 * The actions a registry token grants on a repository. ACR (and Docker Hub) answer a scope the caller may not
 * have with a token whose `access[].actions` is empty, not with an error.
 */
export function grantedActions(token: string, repository: string): { decodable: boolean; actions: string[] } {
  const payload = decodeJwtPayload(token);
  if (!payload) return { decodable: false, actions: [] };
  const actions = new Set<string>();
  for (const a of tokenAccess(payload)) {
    if (a.type === "repository" && (a.name === repository || a.name === "*")) for (const x of a.actions) actions.add(x);
  }
  return { decodable: true, actions: [...actions] };
}

// ───────────── manifests and platforms ─────────────

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  "os.version"?: string;
}

export interface ManifestDescriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: Platform;
}

export interface FetchedManifest {
  mediaType: string;
  digest?: string;
  isIndex: boolean;
  /** index entries */
  manifests: ManifestDescriptor[];
  config?: ManifestDescriptor;
  layers: ManifestDescriptor[];
}

function descriptorOf(v: unknown): ManifestDescriptor | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as { mediaType?: unknown; digest?: unknown; size?: unknown; platform?: unknown };
  if (typeof o.digest !== "string") return undefined;
  const d: ManifestDescriptor = { digest: o.digest };
  if (typeof o.mediaType === "string") d.mediaType = o.mediaType;
  if (typeof o.size === "number") d.size = o.size;
  if (typeof o.platform === "object" && o.platform !== null) {
    const p = o.platform as Record<string, unknown>;
    d.platform = { os: String(p.os ?? ""), architecture: String(p.architecture ?? "") };
    if (typeof p.variant === "string") d.platform.variant = p.variant;
    if (typeof p["os.version"] === "string") d.platform["os.version"] = p["os.version"];
  }
  return d;
}

export function parseManifest(body: string, contentType: string | undefined, digest: string | undefined): FetchedManifest | undefined {
  let json: Record<string, unknown>;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
    json = parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const mediaType = (typeof json.mediaType === "string" ? json.mediaType : undefined) ?? contentType?.split(";")[0]?.trim() ?? "";
  const manifests = Array.isArray(json.manifests) ? json.manifests.map(descriptorOf).filter((d): d is ManifestDescriptor => d !== undefined) : [];
  const layers = Array.isArray(json.layers) ? json.layers.map(descriptorOf).filter((d): d is ManifestDescriptor => d !== undefined) : [];
  const config = descriptorOf(json.config);
  const isIndex = INDEX_MEDIA_TYPES.has(mediaType) || (Array.isArray(json.manifests) && !Array.isArray(json.layers));
  return { mediaType, isIndex, manifests, layers, ...(config ? { config } : {}), ...(digest ? { digest } : {}) };
}

/** `GET /v2/<repo>/manifests/<ref>` (or HEAD) with every manifest media type a node's runtime accepts. */
export async function getManifest(
  baseUrl: string,
  repository: string,
  reference: string,
  authorization: string | undefined,
  opts: HttpOptions,
  method: "GET" | "HEAD" = "GET",
): Promise<OciResult<FetchedManifest>> {
  const headers: Record<string, string> = { accept: MANIFEST_ACCEPT };
  if (authorization) headers.authorization = authorization;
  const r = await httpRequest(`${baseUrl}/v2/${repository}/manifests/${reference}`, { method, headers }, opts);
  if (!r.ok) return r;
  if (r.value.status !== 200) return { ok: false, error: httpError(r.value, `${method} manifest ${repository}:${reference}`) };
  const contentType = header(r.value, "content-type");
  const digest = header(r.value, "docker-content-digest");
  if (method === "HEAD") return { ok: true, value: { mediaType: contentType ?? "", isIndex: INDEX_MEDIA_TYPES.has(contentType ?? ""), manifests: [], layers: [], ...(digest ? { digest } : {}) } };
  const parsed = parseManifest(r.value.body, contentType, digest);
  if (!parsed) return { ok: false, error: { kind: "malformed", message: `manifest ${repository}:${reference} is not JSON` } };
  return { ok: true, value: parsed };
}

/** `GET /v2/<repo>/tags/list?n=1`: tells a missing repository (NAME_UNKNOWN) from a missing tag on registries that say MANIFEST_UNKNOWN for both. */
export async function repositoryExists(baseUrl: string, repository: string, authorization: string | undefined, opts: HttpOptions): Promise<OciResult<boolean>> {
  const headers: Record<string, string> = {};
  if (authorization) headers.authorization = authorization;
  const r = await httpRequest(`${baseUrl}/v2/${repository}/tags/list?n=1`, { method: "GET", headers }, opts);
  if (!r.ok) return r;
  if (r.value.status === 200) return { ok: true, value: true };
  const err = httpError(r.value, `GET tags of ${repository}`);
  if (r.value.status === 404 && err.code === "NAME_UNKNOWN") return { ok: true, value: false };
  return { ok: false, error: err };
}

export interface NodePlatform {
  os: string;
  architecture: string;
  variant?: string;
  /** Windows build, e.g. 10.0.20348: Windows images only run on the same build */
  osVersion?: string;
}

/** Default variants the way containerd normalises them: arm64 means v8, arm means v7. */
function normalisedVariant(architecture: string, variant: string | undefined): string | undefined {
  if (variant) return variant;
  if (architecture === "arm64") return "v8";
  if (architecture === "arm") return "v7";
  return undefined;
}

function windowsBuild(version: string | undefined): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version ?? "");
  return m ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
}

/**
 * The index entry a node would pull, following containerd's matcher: same os and architecture, compatible
 * variant, and on Windows the same build (the first three parts of `os.version`).
 */
export function matchPlatform(entries: ManifestDescriptor[], node: NodePlatform): ManifestDescriptor | undefined {
  const wantVariant = normalisedVariant(node.architecture, node.variant);
  const candidates = entries.filter((e) => {
    const p = e.platform;
    if (!p || p.os !== node.os || p.architecture !== node.architecture) return false;
    const variant = normalisedVariant(p.architecture, p.variant);
    if (wantVariant && variant && variant !== wantVariant) {
      // arm64 nodes run v8 only; 32-bit arm v7 nodes can run v6 and v5 images too
      if (!(node.architecture === "arm" && variant < wantVariant)) return false;
    }
    if (node.os === "windows") {
      const want = windowsBuild(node.osVersion);
      const have = windowsBuild(p["os.version"]);
      if (want && have && want !== have) return false;
    }
    return true;
  });
  // an exact variant beats a compatible one
  return candidates.find((c) => normalisedVariant(c.platform?.architecture ?? "", c.platform?.variant) === wantVariant) ?? candidates[0];
}

export function platformString(p: Platform | NodePlatform): string {
  const variant = "variant" in p ? p.variant : undefined;
  const version = "osVersion" in p ? p.osVersion : (p as Platform)["os.version"];
  return [p.os, p.architecture, variant].filter((x) => x).join("/") + (version ? ` (${version})` : "");
}

// ───────────── blobs ─────────────

export interface BlobCheck {
  /** where the bytes came from: the login server itself, or the redirect target (data endpoint / storage) */
  servedBy: "registry" | "redirect";
  status: number;
  /** redirect target origin, without its signed query string */
  redirectOrigin?: string;
  redirectHost?: string;
}

export type BlobResult = { ok: true; value: BlobCheck } | { ok: false; error: OciError; redirectHost?: string; redirectOrigin?: string; stage: "registry" | "redirect" };

/**
 * `GET /v2/<repo>/blobs/<digest>` and, on a 307, one GET of the redirect target without the registry's
 * Authorization header (the target URL carries its own signature), as containerd does. Only the first bytes are
 * read: the point is to prove the data path is reachable.
 */
export async function checkBlob(
  baseUrl: string,
  repository: string,
  digest: string,
  authorization: string | undefined,
  opts: HttpOptions,
  /** runs before the redirect target is fetched (DNS/TCP/TLS checks of the data host); an error stops there */
  beforeRedirect?: (target: URL) => Promise<OciError | undefined>,
): Promise<BlobResult> {
  const headers: Record<string, string> = {};
  if (authorization) headers.authorization = authorization;
  const first = await httpRequest(`${baseUrl}/v2/${repository}/blobs/${digest}`, { method: "GET", headers, maxBodyBytes: 64 * 1024 }, opts);
  if (!first.ok) return { ok: false, error: first.error, stage: "registry" };
  const status = first.value.status;
  if (status === 200) return { ok: true, value: { servedBy: "registry", status } };
  if (status >= 300 && status < 400) {
    const location = header(first.value, "location");
    if (!location) return { ok: false, error: { kind: "malformed", message: `blob answered ${status} without a Location` }, stage: "registry" };
    let target: URL;
    try {
      target = new URL(location, `${baseUrl}/`);
    } catch {
      return { ok: false, error: { kind: "malformed", message: "blob redirect Location is not a URL" }, stage: "registry" };
    }
    const where = { redirectOrigin: target.origin, redirectHost: target.host };
    const blocked = beforeRedirect ? await beforeRedirect(target) : undefined;
    if (blocked) return { ok: false, error: blocked, stage: "redirect", ...where };
    const second = await httpRequest(target.toString(), { method: "GET", headers: { range: "bytes=0-1023" }, maxBodyBytes: 64 * 1024 }, opts);
    if (!second.ok) return { ok: false, error: second.error, stage: "redirect", ...where };
    if (second.value.status !== 200 && second.value.status !== 206) {
      return { ok: false, error: httpError(second.value, `GET ${target.origin}${target.pathname}`), stage: "redirect", ...where };
    }
    return { ok: true, value: { servedBy: "redirect", status: second.value.status, ...where } };
  }
  return { ok: false, error: httpError(first.value, `GET blob ${digest.slice(0, 19)}`), stage: "registry" };
}
