// Credentials the probe handles (pull-secret passwords, Entra and registry tokens, the SP secret) are recorded
// here as they are obtained, and every output is scrubbed against them: a second line of defence behind never
// putting them into a ProbeResult in the first place.

import { readFile } from "node:fs/promises";
import { normaliseHost } from "../rules/lib/images.js";

export class SecretSet {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    // very short values would scrub ordinary words; real secrets are longer
    if (value && value.length >= 6) this.values.add(value);
  }

  /** Every recorded secret, and its base64 / base64url forms, replaced by [REDACTED]. */
  scrub(text: string): string {
    let out = text;
    for (const v of this.values) {
      for (const form of [v, Buffer.from(v).toString("base64"), Buffer.from(v).toString("base64url")]) {
        if (form.length >= 6 && out.includes(form)) out = out.split(form).join("[REDACTED]");
      }
    }
    return out;
  }

  get size(): number {
    return this.values.size;
  }
}

export interface PullCredential {
  /** the `auths` key as written */
  key: string;
  host: string;
  username?: string;
  password?: string;
  identityToken?: string;
}

function decodeAuth(auth: string): { username?: string; password?: string } {
  const text = Buffer.from(auth, "base64").toString("utf8");
  const colon = text.indexOf(":");
  return colon < 0 ? {} : { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

function hostOfKey(key: string): string {
  return normaliseHost(key);
}

/** Reads a dockerconfigjson (`{"auths":{...}}`), a legacy dockercfg, or a Kubernetes Secret JSON holding one. */
export function parsePullSecret(text: string): PullCredential[] {
  let json: unknown = JSON.parse(text);
  if (typeof json === "object" && json !== null && "data" in json) {
    const data = (json as { data?: Record<string, unknown> }).data ?? {};
    const encoded = data[".dockerconfigjson"] ?? data[".dockercfg"];
    if (typeof encoded === "string") json = JSON.parse(Buffer.from(encoded, "base64").toString("utf8"));
  }
  if (typeof json !== "object" || json === null) return [];
  const auths = ((json as { auths?: unknown }).auths ?? json) as Record<string, unknown>;
  const out: PullCredential[] = [];
  for (const [key, entry] of Object.entries(auths)) {
    if (typeof entry !== "object" || entry === null) continue;
    const e = entry as { username?: unknown; password?: unknown; auth?: unknown; identitytoken?: unknown };
    const fromAuth = typeof e.auth === "string" ? decodeAuth(e.auth) : {};
    const username = typeof e.username === "string" && e.username !== "" ? e.username : fromAuth.username;
    const password = typeof e.password === "string" && e.password !== "" ? e.password : fromAuth.password;
    const identityToken = typeof e.identitytoken === "string" && e.identitytoken !== "" ? e.identitytoken : undefined;
    out.push({ key, host: hostOfKey(key), ...(username ? { username } : {}), ...(password ? { password } : {}), ...(identityToken ? { identityToken } : {}) });
  }
  return out;
}

export async function readPullSecretFile(path: string, secrets: SecretSet): Promise<PullCredential[]> {
  const text = await readFile(path, "utf8");
  const creds = parsePullSecret(text);
  for (const c of creds) {
    secrets.add(c.password);
    secrets.add(c.identityToken);
  }
  return creds;
}

export function credentialFor(creds: PullCredential[], host: string): PullCredential | undefined {
  const h = normaliseHost(host);
  return creds.find((c) => c.host === h);
}
