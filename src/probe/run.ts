// The node-side probe: for each registry (and image), walk the path the kubelet walks — DNS, TCP, TLS, /v2/,
// credentials, token, manifest, platform, one blob on the data path — and record every step as a ProbeStep.
// A failed step stops the steps that depend on it; the whole run is bounded by one deadline.

import { existsSync } from "node:fs";
import { rootCertificates } from "node:tls";
import { hostKindOf } from "../classify/classify.js";
import {
  acrAccessToken, acrExchange, acrOAuthBase, basicAuthHeader, checkBlob, createDispatcher, fetchDockerToken, getManifest,
  grantedActions, httpError, httpRequest, matchPlatform, ping, platformString, repositoryExists, type Challenge, type ManifestDescriptor,
  type NodePlatform, type OciError,
} from "../clients/oci.js";
import { fixedLookup, resolveHost, tcpConnect, tlsCheck, type DnsResult } from "../clients/netcheck.js";
import {
  ACR_AUDIENCE, ARM_AUDIENCE, DEFAULT_AZURE_JSON, entraToken, readAzureJson, type IdentityRead, type NodeIdentity, type TokenResult,
} from "../clients/node-identity.js";
import { parseImageRef } from "../rules/lib/images.js";
import type { ProbeResult, ProbeStep } from "../snapshot/types.js";
import { credentialFor, readPullSecretFile, SecretSet, type PullCredential } from "./secrets.js";

export interface ProbeOptions {
  images?: string[];
  registries?: string[];
  /** azure.json path; undefined: the default path when it exists; null: do not use a node identity */
  azureJsonPath?: string | null;
  pullSecretFile?: string;
  dnsServers?: string[];
  /** fixed name -> address answers (curl's --resolve) */
  resolve?: Map<string, string>;
  /** the whole probe's deadline */
  timeoutMs: number;
  /** one network step's timeout (default: 5 s, never more than the remaining time) */
  stepTimeoutMs?: number;
  /** extra trusted CA certificates (PEM), added to Node's bundle */
  ca?: string[];
  platform: NodePlatform;
  node?: ProbeResult["node"];
  imdsEndpoint?: string;
  authorityHost?: string;
  /** where recorded secrets go, so the caller can scrub every output against them */
  secrets?: SecretSet;
  now?: () => Date;
}

interface Target {
  /** host[:port] as the user wrote it (docker.io folded) */
  registry: string;
  /** the host actually contacted (registry-1.docker.io for docker.io) */
  apiHost: string;
  image?: string;
  repository?: string;
  reference?: string;
}

const DEFAULT_STEP_TIMEOUT_MS = 5000;

export class UsageProblem extends Error {}

function splitHostPort(hostPort: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostPort);
  const host = (m?.[1] ?? hostPort).replace(/^\[|\]$/g, "");
  return { host: host.toLowerCase(), port: m?.[2] ? Number(m[2]) : 443 };
}

function targetsOf(options: ProbeOptions): Target[] {
  const out: Target[] = [];
  for (const raw of options.images ?? []) {
    const ref = parseImageRef(raw);
    if (!ref.valid) throw new UsageProblem(`invalid image reference "${raw}": ${ref.problem ?? "malformed"}`);
    out.push({
      registry: ref.host, apiHost: ref.host === "docker.io" ? "registry-1.docker.io" : ref.host, image: raw.trim(),
      repository: ref.repository, reference: ref.digest ?? ref.tag ?? "latest",
    });
  }
  const covered = new Set(out.map((t) => t.registry));
  for (const raw of options.registries ?? []) {
    const host = raw.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\/.*$/, "");
    if (host === "" || /\s/.test(host)) throw new UsageProblem(`invalid registry "${raw}"`);
    const registry = host === "index.docker.io" || host === "registry-1.docker.io" ? "docker.io" : host;
    if (covered.has(registry)) continue;
    covered.add(registry);
    out.push({ registry, apiHost: registry === "docker.io" ? "registry-1.docker.io" : registry });
  }
  if (out.length === 0) throw new UsageProblem("nothing to probe: give --image REF or --registry HOST");
  return out;
}

/** Runs one step, timing it; a step that throws becomes a failed step instead of an exception. */
class StepRecorder {
  readonly steps: ProbeStep[] = [];
  constructor(private readonly deadline: AbortSignal) {}

  get expired(): boolean {
    return this.deadline.aborted;
  }

  skip(step: ProbeStep["step"], target: string, reason: string, extra: Partial<ProbeStep> = {}): void {
    this.steps.push({ step, target, status: "skipped", detail: reason, ...extra });
  }

  async run(step: ProbeStep["step"], target: string, extra: Partial<ProbeStep>, body: () => Promise<Omit<ProbeStep, "step" | "target">>): Promise<ProbeStep> {
    if (this.deadline.aborted) {
      const skipped: ProbeStep = { step, target, status: "skipped", detail: "the probe's --timeout was reached before this step", ...extra };
      this.steps.push(skipped);
      return skipped;
    }
    const started = performance.now();
    let result: Omit<ProbeStep, "step" | "target">;
    try {
      result = await body();
    } catch (e) {
      result = { status: "fail", error: { kind: "internal", message: (e as Error).message.split("\n")[0] ?? "error" } };
    }
    if (result.status === "fail" && this.deadline.aborted && result.error?.kind !== "timeout") {
      result = { ...result, error: { kind: "aborted", message: "the probe's overall --timeout was reached", code: "ABORTED" } };
    }
    const recorded: ProbeStep = { step, target, ...extra, ...result, durationMs: Math.round(performance.now() - started) };
    this.steps.push(recorded);
    return recorded;
  }
}

function fail(error: OciError | { kind: string; message: string; code?: string; httpStatus?: number }, extra: Partial<ProbeStep> = {}): Omit<ProbeStep, "step" | "target"> {
  const e: NonNullable<ProbeStep["error"]> = { kind: error.kind, message: error.message };
  if (error.code) e.code = error.code;
  if (error.httpStatus !== undefined) e.httpStatus = error.httpStatus;
  return { status: "fail", error: e, detail: error.message, ...extra };
}

interface IdentityTokens {
  read: IdentityRead | undefined;
  arm?: TokenResult;
  acr?: TokenResult;
  steps: ProbeStep[];
}

export async function runProbe(options: ProbeOptions): Promise<ProbeResult[]> {
  const targets = targetsOf(options);
  const secrets = options.secrets ?? new SecretSet();
  const now = options.now ?? (() => new Date());
  const controller = new AbortController();
  const deadlineTimer = setTimeout(() => controller.abort(), options.timeoutMs);
  const deadline = controller.signal;
  const startedAt = performance.now();
  const stepTimeout = (): number => Math.max(1, Math.floor(Math.min(options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS, options.timeoutMs - (performance.now() - startedAt))));

  // Names resolve once, the probe's way, and every socket (undici included) then dials the answer.
  const answers = new Map<string, string>();
  const tlsCa = options.ca && options.ca.length > 0 ? [...rootCertificates, ...options.ca] : undefined;
  const dispatcher = createDispatcher({
    ...(tlsCa ? { ca: tlsCa } : {}),
    lookup: fixedLookup(answers),
    connectTimeoutMs: options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
  });

  let pullCreds: PullCredential[] = [];
  if (options.pullSecretFile) {
    try {
      pullCreds = await readPullSecretFile(options.pullSecretFile, secrets);
    } catch (e) {
      clearTimeout(deadlineTimer);
      await dispatcher.close();
      throw new UsageProblem(`cannot read --pull-secret ${options.pullSecretFile}: ${(e as NodeJS.ErrnoException).code ?? "not a dockerconfigjson file"}`);
    }
  }

  // The node identity is read and its two tokens fetched once, then shared by every ACR target.
  let identityPromise: Promise<IdentityTokens> | undefined;
  const identity = (): Promise<IdentityTokens> => {
    identityPromise ??= (async () => {
      const rec = new StepRecorder(deadline);
      const path = options.azureJsonPath === undefined ? (existsSync(DEFAULT_AZURE_JSON) ? DEFAULT_AZURE_JSON : undefined) : options.azureJsonPath ?? undefined;
      if (!path) {
        rec.skip("identity", "azure.json", "no node identity: not on an AKS node and no --azure-json given", { endpoint: "identity" });
        return { read: undefined, steps: rec.steps };
      }
      const read = await readAzureJson(path);
      if (!read.ok) {
        rec.steps.push({ step: "identity", target: path, status: "fail", endpoint: "identity", detail: read.message, error: { kind: `azure-json-${read.kind}`, message: read.message } });
        return { read, steps: rec.steps };
      }
      secrets.add(read.value.secret);
      const who = read.value.kind === "managedIdentity" ? `managed identity ${read.value.clientId ?? "(system-assigned)"}` : `service principal ${read.value.clientId ?? "?"}`;
      const tokens: IdentityTokens = { read, steps: rec.steps };
      for (const [audience, resource] of [["arm", ARM_AUDIENCE], ["acr", ACR_AUDIENCE]] as const) {
        let token: TokenResult | undefined;
        const target = read.value.kind === "managedIdentity" ? (options.imdsEndpoint ?? "IMDS 169.254.169.254") : `${options.authorityHost ?? "login.microsoftonline.com"}/${read.value.tenantId ?? "?"}`;
        await rec.run("identity", target, { endpoint: "identity", audience }, async () => {
          token = await entraToken(read.value, resource, { timeoutMs: stepTimeout(), signal: deadline, dispatcher, imdsEndpoint: options.imdsEndpoint, authorityHost: options.authorityHost });
          if (!token.ok) return fail(token.error, { data: { identity: who, resource } });
          secrets.add(token.value.accessToken);
          return { status: "ok", detail: `${who}: got an Entra token for ${resource}`, data: { identity: who, resource, ...(token.value.expiresOn ? { expiresOn: token.value.expiresOn } : {}) } };
        });
        if (token) tokens[audience] = token;
      }
      return tokens;
    })();
    return identityPromise;
  };

  const probeTarget = async (t: Target): Promise<ProbeResult> => {
    const rec = new StepRecorder(deadline);
    const { host, port } = splitHostPort(t.apiHost);
    const result: ProbeResult = {
      probeVersion: 1, ranAt: now().toISOString(), registry: t.registry, steps: rec.steps,
      source: { file: "live:probe", path: "$" },
      ...(options.node ? { node: options.node } : {}),
      ...(t.image ? { image: t.image } : {}),
    };
    const http = () => ({ dispatcher, timeoutMs: stepTimeout(), signal: deadline });

    // 1-3: DNS, TCP, TLS to the login server
    const reachable = await checkEndpoint(rec, host, port, "login");
    if (!reachable) return result;

    // 4: /v2/ and its challenge
    const baseUrl = `https://${t.apiHost}`;
    let challenges: Challenge[] = [];
    let anonymousOk = false;
    const pingStep = await rec.run("ping", `${baseUrl}/v2/`, { endpoint: "login" }, async () => {
      const r = await ping(baseUrl, http());
      if (!r.ok) return fail(r.error);
      challenges = r.value.challenges;
      anonymousOk = r.value.status === 200;
      const schemes = challenges.map((c) => c.scheme).join(", ");
      return { status: "ok", detail: anonymousOk ? "the registry answers /v2/ without credentials" : `the registry asks for ${schemes || "credentials"}`, data: { httpStatus: r.value.status, ...(schemes ? { challenge: schemes } : {}) } };
    });
    if (pingStep.status !== "ok") return result;

    // 5: credentials and token
    const scope = t.repository ? `repository:${t.repository}:pull` : undefined;
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const basic = challenges.find((c) => c.scheme === "basic");
    const pullCred = credentialFor(pullCreds, t.registry);
    const isAcr = hostKindOf(host) === "acr";
    let authorization: string | undefined;

    if (pullCred) result.identity = { kind: "pullSecret", ...(pullCred.username ? { username: pullCred.username } : {}) };
    if (anonymousOk && !bearer && !basic) {
      result.identity ??= { kind: "anonymous" };
      rec.skip("token", t.registry, "the registry allows anonymous access to /v2/");
    } else if (bearer) {
      const realm = bearer.params.realm ?? "";
      const service = bearer.params.service ?? host;
      if (pullCred || !isAcr) {
        const basicCreds = pullCred?.username && pullCred.password ? { username: pullCred.username, password: pullCred.password } : undefined;
        result.identity ??= { kind: "anonymous" };
        if (!scope) rec.skip("token", realm, "no image given: a token needs a repository scope");
        else {
          await rec.run("token", realm, { endpoint: "login" }, async () => {
            const r = pullCred?.identityToken && !basicCreds
              ? await acrAccessToken(acrOAuthBase(bearer, baseUrl), { service, scope, refreshToken: pullCred.identityToken }, http())
              : await fetchDockerToken(bearer, scope, basicCreds, http());
            if (!r.ok) return fail(r.error, { data: { scope, credentials: basicCreds || pullCred?.identityToken ? "pullSecret" : "anonymous" } });
            secrets.add(r.value.token);
            return grantCheck(r.value.token, t.repository ?? "", scope, basicCreds || pullCred?.identityToken ? "pullSecret" : "anonymous", (tok) => (authorization = `Bearer ${tok}`));
          });
        }
      } else {
        // ACR with the node's identity: Entra token -> /oauth2/exchange -> /oauth2/token, for both audiences.
        const ids = await identity();
        rec.steps.push(...ids.steps.map((s) => ({ ...s })));
        const nodeId = ids.read?.ok ? ids.read.value : undefined;
        if (nodeId) result.identity = { kind: nodeId.kind, ...(nodeId.clientId ? { clientId: nodeId.clientId } : {}) };
        else result.identity = { kind: "anonymous" };
        const oauthBase = acrOAuthBase(bearer, baseUrl);
        const refresh: Partial<Record<"arm" | "acr", string>> = {};
        for (const audience of ["arm", "acr"] as const) {
          const entra = ids[audience];
          if (!entra?.ok) {
            rec.skip("exchange", `${oauthBase}/oauth2/exchange`, "no Entra token for this audience", { audience, endpoint: "login" });
            continue;
          }
          await rec.run("exchange", `${oauthBase}/oauth2/exchange`, { audience, endpoint: "login" }, async () => {
            const r = await acrExchange(oauthBase, { service, accessToken: entra.value.accessToken, ...(nodeId?.tenantId ? { tenant: nodeId.tenantId } : {}) }, http());
            if (!r.ok) return fail(r.error, { data: { audience: audience === "arm" ? ARM_AUDIENCE : ACR_AUDIENCE } });
            secrets.add(r.value.refreshToken);
            refresh[audience] = r.value.refreshToken;
            return { status: "ok", detail: `the registry accepted the ${audience === "arm" ? "ARM" : "ACR"}-audience Entra token`, data: { audience: audience === "arm" ? ARM_AUDIENCE : ACR_AUDIENCE } };
          });
        }
        // The kubelet's credential provider presents the ARM audience; the ACR one still proves the rest of the path.
        const refreshToken = refresh.arm ?? refresh.acr;
        if (!scope) rec.skip("token", `${oauthBase}/oauth2/token`, "no image given: a token needs a repository scope");
        else if (!refreshToken) {
          if (!nodeId) {
            // No identity here (laptop): fall back to an anonymous token, which says whether anonymous pull works.
            await rec.run("token", realm, { endpoint: "login" }, async () => {
              const r = await fetchDockerToken(bearer, scope, undefined, http());
              if (!r.ok) return fail(r.error, { data: { scope, credentials: "anonymous" } });
              secrets.add(r.value.token);
              return grantCheck(r.value.token, t.repository ?? "", scope, "anonymous", (tok) => (authorization = `Bearer ${tok}`));
            });
          } else rec.skip("token", `${oauthBase}/oauth2/token`, "no registry refresh token: every exchange failed");
        } else {
          await rec.run("token", `${oauthBase}/oauth2/token`, { endpoint: "login", audience: refresh.arm ? "arm" : "acr" }, async () => {
            const r = await acrAccessToken(oauthBase, { service, scope, refreshToken }, http());
            if (!r.ok) return fail(r.error, { data: { scope, credentials: "nodeIdentity" } });
            secrets.add(r.value.token);
            return grantCheck(r.value.token, t.repository ?? "", scope, "nodeIdentity", (tok) => (authorization = `Bearer ${tok}`));
          });
        }
      }
    } else if (basic) {
      if (!pullCred?.username || !pullCred.password) {
        result.identity ??= { kind: "anonymous" };
        rec.steps.push({ step: "token", target: `${baseUrl}/v2/`, status: "fail", endpoint: "login", detail: "the registry asks for Basic credentials and no pull secret entry matches it", error: { kind: "http", httpStatus: 401, code: "UNAUTHORIZED", message: "401 Unauthorized without credentials" }, data: { credentials: "anonymous" } });
      } else {
        const header = basicAuthHeader({ username: pullCred.username, password: pullCred.password });
        await rec.run("token", `${baseUrl}/v2/`, { endpoint: "login" }, async () => {
          const r = await httpRequest(`${baseUrl}/v2/`, { method: "GET", headers: { authorization: header } }, http());
          if (!r.ok) return fail(r.error, { data: { credentials: "pullSecret" } });
          if (r.value.status !== 200) {
            return fail(httpError(r.value, "GET /v2/ with the pull secret's credentials"), { data: { credentials: "pullSecret" } });
          }
          authorization = header;
          return { status: "ok", detail: `Basic credentials of ${pullCred.username} accepted`, data: { credentials: "pullSecret" } };
        });
      }
    }
    // without a credential the registry accepted, the manifest's 401 would only repeat the failure above
    if (!t.repository || !t.reference || (!anonymousOk && !authorization)) return result;

    // 6: manifest (and 7: platform)
    let indexEntries: ManifestDescriptor[] = [];
    let configDigest: string | undefined;
    const repository = t.repository;
    const manifestTarget = `${t.registry}/${repository}${t.reference.includes(":") ? "@" : ":"}${t.reference}`;
    const manifestStep = await rec.run("manifest", manifestTarget, { endpoint: "login" }, async () => {
      const r = await getManifest(baseUrl, repository, t.reference ?? "latest", authorization, http());
      if (!r.ok) {
        if (r.error.code === "MANIFEST_UNKNOWN" && !t.reference?.includes(":")) {
          // Distribution says MANIFEST_UNKNOWN for a missing repository too; tags/list tells them apart.
          const exists = await repositoryExists(baseUrl, repository, authorization, http());
          if (exists.ok && !exists.value) {
            return fail({ kind: "http", httpStatus: 404, code: "NAME_UNKNOWN", message: `repository ${repository} does not exist in ${t.registry}` }, { data: { confirmedBy: "tags/list" } });
          }
        }
        return fail(r.error);
      }
      if (r.value.isIndex) {
        indexEntries = r.value.manifests;
        return { status: "ok", detail: `index with ${r.value.manifests.length} platform manifests`, data: { mediaType: r.value.mediaType, platforms: r.value.manifests.map((m) => (m.platform ? platformString(m.platform) : "unknown")), ...(r.value.digest ? { digest: r.value.digest } : {}) } };
      }
      configDigest = r.value.config?.digest ?? r.value.layers[0]?.digest;
      return { status: "ok", detail: `single-platform manifest (${r.value.mediaType})`, data: { mediaType: r.value.mediaType, ...(r.value.digest ? { digest: r.value.digest } : {}) } };
    });
    if (manifestStep.status !== "ok") return result;
    if (manifestStep.data?.platforms) {
      const platforms = manifestStep.data.platforms as string[];
      const entries = indexEntries;
      const wanted = platformString(options.platform);
      const platformStep = await rec.run("platform", manifestTarget, { endpoint: "login" }, async () => {
        const match = matchPlatform(entries, options.platform);
        if (!match) {
          return { status: "fail", detail: `no manifest for ${wanted}; the image has ${platforms.join(", ") || "none"}`, error: { kind: "no-platform", code: "NO_MATCHING_PLATFORM", message: `no manifest for ${wanted} in the index (has: ${platforms.join(", ")})` }, data: { wanted, available: platforms } };
        }
        const chosen = await getManifest(baseUrl, repository, match.digest, authorization, http());
        if (!chosen.ok) return fail(chosen.error, { data: { wanted, digest: match.digest } });
        configDigest = chosen.value.config?.digest ?? chosen.value.layers[0]?.digest;
        return { status: "ok", detail: `${wanted} -> ${match.digest.slice(0, 19)}…`, data: { wanted, digest: match.digest, available: platforms } };
      });
      if (platformStep.status !== "ok") return result;
    } else {
      rec.skip("platform", manifestTarget, "single-platform manifest: nothing to choose", { endpoint: "login" });
    }

    // 8: one blob, following the redirect to the data endpoint / storage the way containerd does
    if (!configDigest) {
      rec.skip("blob", manifestTarget, "the manifest names no blob");
      return result;
    }
    const digest = configDigest;
    let dataHost: string | undefined;
    let dataStepFailed = false;
    const blobStep = await rec.run("blob", `${t.registry}/${repository}@${digest.slice(0, 19)}…`, { endpoint: "login" }, async () => {
      const r = await checkBlob(baseUrl, repository, digest, authorization, http(), async (target) => {
        dataHost = target.host;
        const { host: dHost, port: dPort } = splitHostPort(target.host);
        const ok = await checkEndpoint(rec, dHost, target.protocol === "http:" ? Number(target.port || 80) : dPort, "data", target.protocol === "http:");
        if (!ok) {
          dataStepFailed = true;
          return { kind: "network", message: `the data endpoint ${target.host} is not reachable` };
        }
        return undefined;
      });
      if (!r.ok) {
        const extra: Partial<ProbeStep> = r.stage === "redirect" ? { endpoint: "data", data: { dataHost: r.redirectHost ?? "" } } : {};
        return fail(r.error, extra);
      }
      return {
        status: "ok",
        detail: r.value.servedBy === "redirect" ? `blob served from ${r.value.redirectHost ?? "the redirect target"}` : "blob served by the registry itself",
        data: { servedBy: r.value.servedBy, ...(r.value.redirectHost ? { dataHost: r.value.redirectHost } : {}) },
        ...(r.value.servedBy === "redirect" ? { endpoint: "data" as const } : {}),
      };
    });
    // the data host's own dns/tcp/tls step already names the fault; the blob step then only confirms it
    if (dataStepFailed && blobStep.status === "fail" && blobStep.data) blobStep.data.dataHost = dataHost ?? "";
    return result;
  };

  /** DNS, TCP and TLS to one endpoint; false when one of them failed. */
  const checkEndpoint = async (rec: StepRecorder, host: string, port: number, endpoint: "login" | "data", plainHttp = false): Promise<boolean> => {
    let dns: DnsResult | undefined;
    const dnsStep = await rec.run("dns", host, { endpoint }, async () => {
      dns = await resolveHost(host, { servers: options.dnsServers, timeoutMs: stepTimeout(), overrides: options.resolve });
      if (!dns.ok) return { status: "fail", detail: `${host}: ${dns.message}`, error: { kind: dns.kind, code: dns.code, message: dns.message }, data: { ...(dns.cnames.length ? { cnames: dns.cnames } : {}), ...(options.dnsServers?.length ? { servers: options.dnsServers } : {}) } };
      const a = dns.value;
      const chain = a.cnames.length > 0 ? ` through ${a.cnames.join(" -> ")}` : "";
      return {
        status: "ok",
        detail: `resolved to ${a.addresses.join(", ")}${chain} (${a.privateAnswer ? "private" : "public"} address${a.via === "override" ? ", fixed by --resolve" : ""})`,
        data: { addresses: a.addresses, cnames: a.cnames, privateAnswer: a.privateAnswer, privatelink: a.privatelink, via: a.via, ...(a.servers ? { servers: a.servers } : {}) },
      };
    });
    if (dnsStep.status !== "ok" || !dns?.ok) return false;
    const address = dns.value.addresses[0] ?? host;
    answers.set(host, address);
    const tcpStep = await rec.run("tcp", `${address}:${port}`, { endpoint }, async () => {
      const r = await tcpConnect(address, port, stepTimeout(), deadline);
      if (!r.ok) return { status: "fail", detail: `${host} (${address}:${port}): ${r.message}`, error: { kind: r.kind, code: r.code, message: r.message }, data: { host, address, port } };
      return { status: "ok", detail: `connected to ${address}:${port}`, data: { host, address, port } };
    });
    if (tcpStep.status !== "ok") return false;
    if (plainHttp) return true;
    const tlsStep = await rec.run("tls", `${host}:${port}`, { endpoint }, async () => {
      const r = await tlsCheck(address, port, host, { ...(tlsCa ? { ca: tlsCa } : {}), timeoutMs: stepTimeout(), signal: deadline });
      if (!r.ok) {
        const data: Record<string, string> = { ...(r.certificate?.issuer ? { issuer: r.certificate.issuer } : {}), ...(r.certificate?.subject ? { subject: r.certificate.subject } : {}) };
        return { status: "fail", detail: r.message, error: { kind: r.kind === "verify" ? "tls-verify" : r.kind === "timeout" ? "timeout" : "tls", code: r.code, message: r.message }, data };
      }
      return { status: "ok", detail: `certificate verified${r.certificate.issuer ? `, issued by ${r.certificate.issuer}` : ""}`, data: { ...(r.certificate.issuer ? { issuer: r.certificate.issuer } : {}), ...(r.protocol ? { protocol: r.protocol } : {}) } };
    });
    return tlsStep.status === "ok";
  };

  try {
    return await Promise.all(targets.map(probeTarget));
  } finally {
    clearTimeout(deadlineTimer);
    await dispatcher.destroy().catch(() => undefined);
  }
}

/** Records what a registry token grants; a token without `pull` is a failure even though the server said 200. */
function grantCheck(token: string, repository: string, scope: string, credentials: string, use: (token: string) => void): Omit<ProbeStep, "step" | "target"> {
  const granted = grantedActions(token, repository);
  if (granted.decodable && !granted.actions.includes("pull") && !granted.actions.includes("*")) {
    return {
      status: "fail",
      detail: `the token server answered, but the token grants ${granted.actions.length ? granted.actions.join(",") : "no actions"} on ${repository}, not pull`,
      error: { kind: "no-pull-action", code: "NO_PULL_ACTION", message: `token for ${scope} grants no pull` },
      data: { scope, actions: granted.actions, credentials },
    };
  }
  use(token);
  return { status: "ok", detail: granted.decodable ? `token grants ${granted.actions.join(",")} on ${repository}` : "opaque token (actions not readable)", data: { scope, actions: granted.actions, actionsChecked: granted.decodable, credentials } };
}
