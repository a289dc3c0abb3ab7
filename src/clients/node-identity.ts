// The identity a node pulls with: read /etc/kubernetes/azure.json, then get Entra tokens the way the kubelet's
// credential provider does (IMDS for a managed identity, the client-credentials grant for a service principal).
// The client secret is held in memory only; nothing returned for output contains it.

import { readFile } from "node:fs/promises";
import type { Dispatcher } from "undici";
import { httpRequest, type OciError } from "./oci.js";

export const DEFAULT_AZURE_JSON = "/etc/kubernetes/azure.json";
export const IMDS_TOKEN_ENDPOINT = "http://169.254.169.254/metadata/identity/oauth2/token";
export const ENTRA_AUTHORITY = "https://login.microsoftonline.com";
export const ARM_AUDIENCE = "https://management.azure.com/";
export const ACR_AUDIENCE = "https://containerregistry.azure.net";

export interface NodeIdentity {
  kind: "managedIdentity" | "servicePrincipal";
  /** the kubelet identity's client id (MI) or the service principal's app id */
  clientId?: string;
  tenantId?: string;
  cloud?: string;
  /** the SP secret, never serialised: non-enumerable, so JSON.stringify and spreads leave it out */
  readonly secret?: string;
}

export type IdentityRead = { ok: true; value: NodeIdentity } | { ok: false; kind: "missing" | "unreadable" | "malformed"; message: string };

function str(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}

/** Parses azure.json: `aadClientId: "msi"` (+ `userAssignedIdentityID`) on MI clusters, an app id + secret on SP clusters. */
export function parseAzureJson(text: string): IdentityRead {
  let json: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { ok: false, kind: "malformed", message: "azure.json is not a JSON object" };
    json = parsed as Record<string, unknown>;
  } catch {
    return { ok: false, kind: "malformed", message: "azure.json is not valid JSON" };
  }
  const aadClientId = str(json.aadClientId);
  const tenantId = str(json.tenantId);
  const cloud = str(json.cloud);
  const base = { ...(tenantId ? { tenantId } : {}), ...(cloud ? { cloud } : {}) };
  if (aadClientId?.toLowerCase() === "msi" || json.useManagedIdentityExtension === true) {
    const clientId = str(json.userAssignedIdentityID);
    return { ok: true, value: { kind: "managedIdentity", ...base, ...(clientId ? { clientId } : {}) } };
  }
  if (!aadClientId) return { ok: false, kind: "malformed", message: "azure.json has neither aadClientId nor a managed identity" };
  const identity: NodeIdentity = { kind: "servicePrincipal", clientId: aadClientId, ...base };
  const secret = str(json.aadClientSecret);
  if (secret) Object.defineProperty(identity, "secret", { value: secret, enumerable: false });
  return { ok: true, value: identity };
}

export async function readAzureJson(path: string = DEFAULT_AZURE_JSON): Promise<IdentityRead> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { ok: false, kind: "missing", message: `${path} does not exist (not on an AKS node, or not mounted)` };
    return { ok: false, kind: "unreadable", message: `cannot read ${path}: ${code ?? "error"}` };
  }
  return parseAzureJson(text);
}

export interface EntraToken {
  accessToken: string;
  expiresOn?: string;
}

export type TokenResult = { ok: true; value: EntraToken } | { ok: false; error: OciError };

export interface TokenRequestOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  dispatcher?: Dispatcher;
  /** overrides for tests and sovereign clouds */
  imdsEndpoint?: string;
  authorityHost?: string;
}

function oauthFailure(status: number, body: string, what: string): OciError {
  let code: string | undefined;
  let description: string | undefined;
  try {
    const json = JSON.parse(body) as { error?: unknown; error_description?: unknown; error_codes?: unknown };
    if (typeof json.error === "string") code = json.error;
    if (typeof json.error_description === "string") description = json.error_description.split(/\r?\n/)[0];
  } catch {
    // not JSON
  }
  return { kind: "http", httpStatus: status, message: `${what} returned ${status}${code ? ` ${code}` : ""}${description ? `: ${description.slice(0, 300)}` : ""}`, ...(code ? { code } : {}) };
}

function expiresOf(json: { expires_on?: unknown; expires_in?: unknown }): string | undefined {
  const on = Number(json.expires_on);
  if (Number.isFinite(on) && on > 0) return new Date(on * 1000).toISOString();
  const inSeconds = Number(json.expires_in);
  if (Number.isFinite(inSeconds) && inSeconds > 0) return new Date(Date.now() + inSeconds * 1000).toISOString();
  return undefined;
}

/**
 * IMDS: `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=...&client_id=...` with `Metadata: true`.
 * A deleted or detached identity answers 400 `{"error":"invalid_request","error_description":"Identity not found"}`.
 * https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token#error-handling
 */
export async function imdsToken(resource: string, clientId: string | undefined, opts: TokenRequestOptions): Promise<TokenResult> {
  const url = new URL(opts.imdsEndpoint ?? IMDS_TOKEN_ENDPOINT);
  url.searchParams.set("api-version", "2018-02-01");
  url.searchParams.set("resource", resource);
  if (clientId) url.searchParams.set("client_id", clientId);
  const r = await httpRequest(url.toString(), { method: "GET", headers: { metadata: "true" } }, { timeoutMs: opts.timeoutMs, signal: opts.signal, dispatcher: opts.dispatcher });
  if (!r.ok) return r;
  if (r.value.status !== 200) return { ok: false, error: oauthFailure(r.value.status, r.value.body, "IMDS token request") };
  return tokenFromJson(r.value.body, "IMDS");
}

/** Client-credentials grant with the SP secret from azure.json (v2 endpoint, `<resource>/.default`). */
export async function servicePrincipalToken(identity: NodeIdentity, resource: string, opts: TokenRequestOptions): Promise<TokenResult> {
  if (!identity.secret) return { ok: false, error: { kind: "malformed", message: "azure.json has no aadClientSecret for the service principal" } };
  if (!identity.tenantId) return { ok: false, error: { kind: "malformed", message: "azure.json has no tenantId" } };
  const authority = (opts.authorityHost ?? ENTRA_AUTHORITY).replace(/\/+$/, "");
  const form = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: identity.clientId ?? "",
    client_secret: identity.secret,
    scope: `${resource.replace(/\/+$/, "")}/.default`,
  });
  const r = await httpRequest(`${authority}/${encodeURIComponent(identity.tenantId)}/oauth2/v2.0/token`, {
    method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString(),
  }, { timeoutMs: opts.timeoutMs, signal: opts.signal, dispatcher: opts.dispatcher });
  if (!r.ok) return r;
  if (r.value.status !== 200) return { ok: false, error: oauthFailure(r.value.status, r.value.body, "Entra token request") };
  return tokenFromJson(r.value.body, "Entra");
}

function tokenFromJson(body: string, who: string): TokenResult {
  try {
    const json = JSON.parse(body) as { access_token?: unknown; expires_on?: unknown; expires_in?: unknown };
    if (typeof json.access_token === "string" && json.access_token !== "") {
      const expiresOn = expiresOf(json);
      return { ok: true, value: { accessToken: json.access_token, ...(expiresOn ? { expiresOn } : {}) } };
    }
  } catch {
    // fall through
  }
  return { ok: false, error: { kind: "malformed", message: `${who} answered 200 without an access_token` } };
}

export function entraToken(identity: NodeIdentity, resource: string, opts: TokenRequestOptions): Promise<TokenResult> {
  return identity.kind === "managedIdentity" ? imdsToken(resource, identity.clientId, opts) : servicePrincipalToken(identity, resource, opts);
}
