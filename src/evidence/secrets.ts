// Pull secrets, reduced. Only `kubernetes.io/dockerconfigjson` and legacy `kubernetes.io/dockercfg` secrets are
// kept, as host / username / has-password / token expiry / fingerprint. Passwords, `auth`, identity tokens and
// every other secret type never leave this file. Error texts never quote decoded content.

import { createHash } from "node:crypto";
import type { DockerAuthEntry, PullSecret, Source } from "../snapshot/types.js";
import { asNonEmpty, asObj, asStr, getKey, isObj, type Json, type JsonObject } from "./util.js";
import { meta } from "./kube.js";

export const DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson";
export const DOCKER_CFG = "kubernetes.io/dockercfg";

/** Docker Hub answers under several names; the kubelet treats them as one registry. */
const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);

/** `https://index.docker.io/v1/` -> `docker.io`; `HTTPS://Contoso.azurecr.io/v2/` -> `contoso.azurecr.io`. */
export function normaliseRegistryHost(key: string): string {
  let h = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, "");
  h = h.split("/")[0] ?? "";
  h = h.toLowerCase().replace(/\.$/, "");
  return DOCKER_HUB_ALIASES.has(h) ? "docker.io" : h;
}

const BASE64_RE = /^[A-Za-z0-9+/_-]*={0,2}$/;

function decodeBase64(s: string): string | undefined {
  const compact = s.replace(/\s+/g, "");
  if (!BASE64_RE.test(compact)) return undefined;
  return Buffer.from(compact.replace(/-/g, "+").replace(/_/g, "/"), "base64").toString("utf8");
}

/** `exp` of a JWT (payload only; signature and header are ignored), as ISO time. */
export function jwtExpiry(token: string | undefined): string | undefined {
  if (!token) return undefined;
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return undefined;
  const payload = decodeBase64(parts[1]);
  if (payload === undefined) return undefined;
  try {
    const p = JSON.parse(payload) as unknown;
    const exp = isObj(p as Json) ? (p as JsonObject)["exp"] : undefined;
    if (typeof exp !== "number" || !Number.isFinite(exp)) return undefined;
    const d = new Date(exp * 1000);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  } catch {
    return undefined;
  }
}

function fingerprint(material: string[]): string | undefined {
  if (material.every((m) => m === "")) return undefined;
  return createHash("sha256").update(material.join("\u0000")).digest("hex").slice(0, 12);
}

function reduceEntry(key: string, v: Json): DockerAuthEntry {
  const password = asStr(getKey(v, "password")) ?? "";
  const auth = asStr(getKey(v, "auth")) ?? "";
  const identityToken = asStr(getKey(v, "identitytoken", "identityToken")) ?? "";
  let username = asNonEmpty(getKey(v, "username"));
  let authHasPassword = false;
  if (auth) {
    const decoded = decodeBase64(auth);
    const colon = decoded?.indexOf(":") ?? -1;
    if (decoded !== undefined && colon >= 0) {
      username ??= decoded.slice(0, colon) || undefined;
      authHasPassword = decoded.length > colon + 1;
    }
  }
  return {
    key,
    host: normaliseRegistryHost(key),
    username,
    hasPassword: password !== "" || authHasPassword,
    hasIdentityToken: identityToken !== "",
    tokenExpiresAt: jwtExpiry(identityToken) ?? jwtExpiry(password),
    fingerprint: fingerprint([password, auth, identityToken]),
  };
}

/** The dockerconfig payload of a secret: base64 `data[key]`, or plain `stringData[key]` (manifests). */
function payload(o: JsonObject, key: string): { text?: string; problem?: string } {
  const data = asObj(getKey(o, "data"));
  const stringData = asObj(getKey(o, "stringData"));
  const b64 = asStr(data?.[key]);
  if (b64 !== undefined) {
    const text = decodeBase64(b64);
    return text === undefined ? { problem: `data["${key}"] is not valid base64` } : { text };
  }
  const plain = asStr(stringData?.[key]);
  if (plain !== undefined) return { text: plain };
  return { problem: `the secret has no "${key}" key` };
}

/** A dockerconfigjson/dockercfg secret, reduced; undefined for every other secret type (dropped entirely). */
export function normalisePullSecret(o: JsonObject, source: Source): PullSecret | undefined {
  const type = asStr(getKey(o, "type")) ?? "";
  if (type !== DOCKER_CONFIG_JSON && type !== DOCKER_CFG) return undefined;
  const m = meta(o);
  const base = { namespace: m.namespace ?? "default", name: m.name ?? "", type, source };
  const key = type === DOCKER_CONFIG_JSON ? ".dockerconfigjson" : ".dockercfg";
  const { text, problem } = payload(o, key);
  if (text === undefined) return { ...base, auths: [], problem };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    // never echo the parser message: it quotes the decoded (secret) text
    return { ...base, auths: [], problem: `"${key}" does not decode to JSON` };
  }
  if (!isObj(parsed as Json)) return { ...base, auths: [], problem: `"${key}" is not a JSON object` };
  const root = parsed as JsonObject;
  // `.dockercfg` is the bare host map; `.dockerconfigjson` wraps it in `auths` (tolerate either)
  const auths = asObj(getKey(root, "auths")) ?? (type === DOCKER_CFG ? root : undefined);
  if (!auths) return { ...base, auths: [], problem: `"${key}" has no "auths" map` };
  const entries = Object.entries(auths).map(([k, v]) => reduceEntry(k, v));
  return { ...base, auths: entries, problem: entries.length === 0 ? `"${key}" has no registry entries` : undefined };
}
