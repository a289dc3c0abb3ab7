import type { RuleContext } from "../../engine/types.js";
import type { DockerAuthEntry, Pod, PullSecret } from "../../snapshot/types.js";
import { normaliseHost } from "./images.js";
import { factValue } from "./principals.js";

export type SecretStatus =
  | { kind: "unknown"; reason: string }
  | { kind: "none"; unreferencedCandidates: PullSecret[] }
  | { kind: "missing"; missing: string[] }
  | { kind: "no-matching-entry"; secrets: PullSecret[] }
  | { kind: "matching"; secret: PullSecret; entry: DockerAuthEntry };

/**
 * Whether a dockerconfigjson `auths` key applies to an image, as the kubelet's keyring decides it
 * (kubernetes pkg/credentialprovider/keyring.go): `*` globs per host label, ports must be equal (none != 443),
 * a path in the key must prefix the repository, `/v1/` and `/v2/` are ignored, and `index.docker.io` serves Docker Hub.
 */
export function authKeyMatches(key: string, imageHost: string, repository?: string): boolean {
  const schemeless = key.trim().replace(/^https?:\/\//i, "");
  const slash = schemeless.indexOf("/");
  const keyHostPort = (slash >= 0 ? schemeless.slice(0, slash) : schemeless).toLowerCase();
  let keyPath = slash >= 0 ? schemeless.slice(slash) : "";
  if (keyPath.startsWith("/v1/") || keyPath.startsWith("/v2/")) keyPath = keyPath.slice(3);
  if (keyPath === "/") keyPath = "";
  const target = normaliseHost(imageHost);
  const pathOk = !keyPath || repository === undefined || `/${repository}`.startsWith(keyPath);
  // credentials stored for the default registry are used for any Docker Hub image
  if (keyHostPort === "index.docker.io" && !keyPath) return target === "docker.io";
  const [keyHost, keyPort = ""] = splitPort(keyHostPort);
  const [targetHost, targetPort = ""] = splitPort(target);
  if (keyPort !== targetPort) return false;
  const keyLabels = keyHost.split(".");
  const targetLabels = targetHost.split(".");
  if (keyLabels.length !== targetLabels.length) return false;
  return pathOk && keyLabels.every((label, i) => globLabel(label).test(targetLabels[i]!));
}

function splitPort(hostPort: string): [string, string?] {
  const m = /^(.*):(\d+)$/.exec(hostPort);
  return m ? [m[1]!, m[2]!] : [hostPort];
}

function globLabel(label: string): RegExp {
  return new RegExp(`^${label.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

/** The first auths entry the kubelet would use for this image host (and repository, when known). */
export function entryFor(secret: PullSecret, host: string, repository?: string): DockerAuthEntry | undefined {
  return secret.auths.find((a) => authKeyMatches(a.key, host, repository));
}

export function findPod(ctx: RuleContext, namespace: string, name: string): Pod | undefined {
  return (factValue(ctx.snapshot.pods) ?? []).find((p) => p.namespace === namespace && p.name === name);
}

/** What credentials the kubelet would present for `host` when pulling for this pod. */
export function secretStatus(ctx: RuleContext, pod: Pod | undefined, host: string, repository?: string): SecretStatus {
  if (!pod) return { kind: "unknown", reason: "the pod's spec is not in the evidence (kubectl get pods -n <ns> -o json)" };
  const all = factValue(ctx.snapshot.pullSecrets);
  const inNs = (all ?? []).filter((s) => s.namespace === pod.namespace);
  // kubectl get pods shows spec.imagePullSecrets after the ServiceAccount admission plugin merged the SA's secrets in.
  const sa = (factValue(ctx.snapshot.serviceAccounts) ?? []).find((s) => s.namespace === pod.namespace && s.name === (pod.serviceAccountName ?? "default"));
  const names = [...new Set([...pod.imagePullSecrets, ...(sa?.imagePullSecrets ?? [])])];
  if (names.length === 0) return { kind: "none", unreferencedCandidates: inNs.filter((s) => entryFor(s, host, repository)) };
  if (!all) return { kind: "unknown", reason: `the pod references pull secret(s) ${names.join(", ")}, but no secrets are in the evidence (kubectl get secrets -n ${pod.namespace} -o json)` };
  const found = names.map((n) => inNs.find((s) => s.name === n)).filter((s): s is PullSecret => !!s);
  const missing = names.filter((n) => !inNs.some((s) => s.name === n));
  for (const s of found) {
    const e = entryFor(s, host, repository);
    if (e) return { kind: "matching", secret: s, entry: e };
  }
  // Non-docker secrets are dropped at read time, so a name we cannot see may exist with another type: only claim
  // "missing" when the namespace's secrets are in the evidence.
  if (missing.length > 0 && found.length === 0) return inNs.length > 0 ? { kind: "missing", missing } : { kind: "unknown", reason: `pull secret(s) ${missing.join(", ")} of namespace ${pod.namespace} are not in the evidence` };
  return { kind: "no-matching-entry", secrets: found };
}

export function secretRecreateCommand(namespace: string, name: string, host: string): string {
  return `kubectl -n ${namespace} create secret docker-registry ${name} --docker-server=${host} --docker-username=<USERNAME> --docker-password="$REGISTRY_TOKEN" --dry-run=client -o yaml | kubectl apply -f -`;
}
