// Image references, parsed the way containerd/distribution do (github.com/distribution/reference):
// a first component with a '.' or ':' or equal to 'localhost' is a registry host, otherwise docker.io, and a
// single-component Docker Hub repository lives under library/.

export interface ImageRef {
  raw: string;
  valid: boolean;
  /** why it is invalid */
  problem?: string;
  /** registry host, lower-case, `docker.io` for Docker Hub */
  host: string;
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$|^\[[0-9a-fA-F:]+\](?::[0-9]+)?$/;

const DIGEST_SIZES: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

const DOCKER_HUB_ALIASES = new Set(["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"]);

export function normaliseHost(host: string): string {
  const h = host.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/.*$/, "");
  return DOCKER_HUB_ALIASES.has(h) ? "docker.io" : h;
}

export function parseImageRef(raw: string): ImageRef {
  const bad = (problem: string): ImageRef => ({ raw, valid: false, problem, host: "", repository: "" });
  const ref = raw.trim();
  if (ref === "") return bad("empty image reference");
  if (ref.length > 4096) return bad("image reference too long");
  if (/\s/.test(ref)) return bad("image reference contains white space");
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return bad(`invalid digest "${digest}"`);
    // go-digest validates registered algorithms exactly: sha256 is 64 lower-case hex characters
    const [algorithm, encoded = ""] = digest.split(":");
    const size = DIGEST_SIZES[algorithm ?? ""];
    if (size !== undefined && !new RegExp(`^[a-f0-9]{${size}}$`).test(encoded)) return bad(`invalid ${algorithm} digest "${digest}"`);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return bad(`invalid tag "${tag}"`);
  }
  const slash = rest.indexOf("/");
  let host = "docker.io";
  let path = rest;
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost" || first !== first.toLowerCase()) {
      if (!HOST.test(first)) return bad(`invalid registry host "${first}"`);
      host = first;
      path = rest.slice(slash + 1);
    }
  }
  if (path === "") return bad("missing repository name");
  const comps = path.split("/");
  for (const c of comps) {
    if (!COMPONENT.test(c)) return bad(c !== c.toLowerCase() ? "repository name must be lowercase" : `invalid repository component "${c}"`);
  }
  host = normaliseHost(host);
  if (host === "docker.io" && comps.length === 1) path = `library/${path}`;
  if (tag === undefined && digest === undefined) tag = "latest";
  return { raw, valid: true, host, repository: path, tag, digest };
}

export type HostKind = "acr" | "acr-data" | "external";

/** ACR login servers live under azurecr.io (public), azurecr.cn (China) and azurecr.us (US Gov). */
export const ACR_SUFFIXES = [".azurecr.io", ".azurecr.cn", ".azurecr.us"];

export function hostKind(host: string): HostKind {
  const h = host.toLowerCase().replace(/:\d+$/, "");
  if (/\.data\.azurecr\.(io|cn|us)$/.test(h) || h.endsWith(".blob.core.windows.net")) return "acr-data";
  if (ACR_SUFFIXES.some((s) => h.endsWith(s))) return "acr";
  return "external";
}

/** Looks like someone meant an ACR login server but wrote another suffix (azurecr.com, azurecr.net, azurcr.io...). */
export function looksLikeMistypedAcrHost(host: string): boolean {
  const h = host.toLowerCase();
  if (hostKind(h) !== "external") return false;
  return /\.(azurecr|azurcr|azureacr|azurecrr|azurecr-io)\.[a-z]+$/.test(h) || /\.azurecr$/.test(h) || /\.azurecr\.io\.[a-z]+$/.test(h);
}

export function imageDisplay(ref: ImageRef): string {
  return ref.valid ? `${ref.host}/${ref.repository}${ref.digest ? "@" + ref.digest : ":" + (ref.tag ?? "latest")}` : ref.raw;
}

/** Levenshtein distance with an early exit above `max` (registry-name typo detection). */
export function editDistance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}
