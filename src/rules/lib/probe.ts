// Node-side probe results -> Observations, so the rules read a real attempt the same way they read a kubelet
// event. Each failed step gives one failure; the code follows pull-errors.md rule 6 (the host decides between
// NET_* and EXT_* for transport failures) and section 2's HTTP rows.

import type { CauseCode } from "../../codes/causes.js";
import { classify, hostKindOf, isPrivateIpv4, type Classification, type ClassifiedCause, type Confidence, type HostKind, type PullStage } from "../../classify/classify.js";
import type { ProbeResult, ProbeStep, Snapshot } from "../../snapshot/types.js";
import { parseImageRef } from "./images.js";
import type { Observation } from "./observations.js";
import { factValue } from "./principals.js";

const c = (code: CauseCode, confidence: Confidence): ClassifiedCause => ({ code, confidence });

interface Verdict {
  causes: ClassifiedCause[];
  stage: PullStage;
  explanation: string;
}

// Node/OpenSSL certificate-verification error codes: any of them means the presented chain is not trusted.
const TLS_VERIFY_CODES = /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_UNTRUSTED|ERR_TLS_CERT_ALTNAME_INVALID)$/;
const TRANSPORT_KINDS = new Set(["timeout", "refused", "unreachable", "reset", "network", "tls", "other", "aborted"]);
const STEP_STAGE: Record<ProbeStep["step"], PullStage> = {
  identity: "identity", dns: "dns", tcp: "connect", tls: "tls", ping: "connect", token: "auth", exchange: "auth", manifest: "manifest", platform: "manifest", blob: "blob",
};

function hostOfTarget(step: ProbeStep, result: ProbeResult): string {
  const fromData = typeof step.data?.dataHost === "string" && step.data.dataHost !== "" ? step.data.dataHost : typeof step.data?.host === "string" ? step.data.host : undefined;
  if (fromData) return fromData;
  if (step.step === "dns") return step.target;
  if (step.step === "tls") return step.target.replace(/:\d+$/, "");
  return result.registry;
}

/** An external registry's transport failure names EXT_UNREACHABLE first; ACR and unknown hosts NET_EGRESS_BLOCKED. */
function transportVerdict(kind: HostKind, dataPath: boolean, what: string): Verdict {
  if (dataPath) {
    return { causes: [c("NET_DATA_ENDPOINT_BLOCKED", "high"), c("NET_EGRESS_BLOCKED", "medium")], stage: "blob", explanation: `The login server answers, but the data path is blocked: ${what}. Allow egress to the registry's data endpoint (<name>.<region>.data.azurecr.io, or *.blob.core.windows.net without dedicated data endpoints).` };
  }
  if (kind === "external") return { causes: [c("EXT_UNREACHABLE", "high"), c("NET_EGRESS_BLOCKED", "medium")], stage: "connect", explanation: `The registry cannot be reached from here: ${what}.` };
  return { causes: [c("NET_EGRESS_BLOCKED", "high"), c("NET_FIREWALL_DENIES_CLUSTER", "low")], stage: "connect", explanation: `The registry cannot be reached from here: ${what}. An NSG, a route to a firewall appliance, or a firewall drops or rejects the traffic.` };
}

function httpVerdict(step: ProbeStep, result: ProbeResult, kind: HostKind): Verdict | undefined {
  const e = step.error;
  const status = e?.httpStatus;
  const code = (e?.code ?? "").toUpperCase();
  const message = e?.message ?? "";
  const credentials = step.data?.credentials;
  const presentedCredentials = credentials === "pullSecret" || result.identity?.kind === "pullSecret";
  const stage = STEP_STAGE[step.step];
  if (code === "NAME_UNKNOWN") return { causes: [c("IMG_REPOSITORY_NOT_FOUND", "high"), c("IMG_TAG_NOT_FOUND", "low")], stage, explanation: `The repository does not exist in ${result.registry} (NAME_UNKNOWN).` };
  if (code === "MANIFEST_UNKNOWN") return { causes: [c("IMG_TAG_NOT_FOUND", "high"), c("IMG_REPOSITORY_NOT_FOUND", "low")], stage, explanation: `The repository exists but the tag or digest does not (MANIFEST_UNKNOWN).` };
  if (code === "TOOMANYREQUESTS" || status === 429) return { causes: [c("EXT_RATE_LIMITED", "high")], stage, explanation: `${result.registry} throttles requests (429 TOOMANYREQUESTS).` };
  if (status !== undefined && status >= 500) return { causes: [c("PULL_FAILURE_UNCLASSIFIED", "medium")], stage, explanation: `${result.registry} answered ${status}: a registry-side fault, usually transient.` };
  if (status === 403 || code === "DENIED") {
    if (kind === "acr" || kind === "acr-data") {
      // On ACR, 403 is a network answer (pull-errors.md rule 4): the registry's firewall or disabled public access.
      return { causes: [c("NET_FIREWALL_DENIES_CLUSTER", "high"), c("NET_PUBLIC_ACCESS_DISABLED", "medium"), c("NET_PRIVATE_DNS_MISCONFIGURED", "low")], stage, explanation: `${result.registry} refused the request with 403 (${message}): its network rules deny this client's address.` };
    }
    return { causes: [c("EXT_ACCESS_DENIED", "high")], stage, explanation: `${result.registry} authenticated the request but denies this repository (403 ${code || "Forbidden"}).` };
  }
  if (status === 401 || code === "UNAUTHORIZED" || code === "INSUFFICIENT_SCOPE") {
    if (code === "INSUFFICIENT_SCOPE") {
      if (kind === "acr") return { causes: [c("RBAC_PULL_ROLE_MISSING", "high"), c("IMG_REPOSITORY_NOT_FOUND", "low")], stage, explanation: `The registry token does not cover pull on this repository (insufficient_scope).` };
      return { causes: [c("EXT_ACCESS_DENIED", "high"), c("IMG_REPOSITORY_NOT_FOUND", "low")], stage, explanation: `${result.registry} does not grant pull on this repository to these credentials (insufficient_scope).` };
    }
    if (presentedCredentials) return { causes: [c("EXT_CREDENTIALS_REJECTED", "high")], stage, explanation: `${result.registry} rejected the pull secret's credentials${result.identity?.username ? ` for ${result.identity.username}` : ""} (401).` };
    if (kind === "acr" && (credentials === "nodeIdentity" || result.identity?.kind === "managedIdentity" || result.identity?.kind === "servicePrincipal")) {
      return { causes: [c("RBAC_PULL_ROLE_MISSING", "high"), c("RBAC_SCOPE_MISMATCH", "low")], stage, explanation: `${result.registry} refused the node identity's token request (401): the identity has no pull role on the registry.` };
    }
    // anonymous 401: no usable credential, or the image does not exist (pull-errors.md rule 3)
    if (kind === "acr") return { causes: [c("RBAC_PULL_ROLE_MISSING", "medium"), c("IMG_REPOSITORY_NOT_FOUND", "low")], stage, explanation: `${result.registry} requires credentials and none were presented from here.` };
    return { causes: [c("EXT_PULL_SECRET_MISSING", "medium"), c("IMG_REPOSITORY_NOT_FOUND", "low")], stage, explanation: `${result.registry} requires credentials and none were presented from here (no pull secret entry for it).` };
  }
  return undefined;
}

function identityVerdict(step: ProbeStep): Verdict {
  const text = `${step.error?.code ?? ""} ${step.error?.message ?? ""}`;
  if (/identity not found/i.test(text)) {
    return { causes: [c("MI_NOT_FOUND", "high"), c("MI_CLIENT_ID_MISMATCH", "medium")], stage: "identity", explanation: `IMDS answered "Identity not found": the kubelet identity in azure.json was deleted or is not attached to this node's scale set.` };
  }
  if (step.error && TRANSPORT_KINDS.has(step.error.kind)) {
    return { causes: [c("MI_NOT_FOUND", "medium"), c("NET_EGRESS_BLOCKED", "medium")], stage: "identity", explanation: `The identity endpoint did not answer (${step.error.message}).` };
  }
  // Entra answers (AADSTS7000222 expired secret, 7000215 wrong secret, 700016 app not found...) are the classifier's rows.
  const classified = classify(text);
  const top = classified.causes[0];
  if (top && top.code !== "PULL_FAILURE_UNCLASSIFIED") return { causes: classified.causes, stage: "identity", explanation: classified.explanation };
  return { causes: [c("PULL_FAILURE_UNCLASSIFIED", "medium")], stage: "identity", explanation: `The node could not get an Entra token: ${step.error?.message ?? step.detail ?? "unknown error"}.` };
}

function verdictFor(step: ProbeStep, result: ProbeResult): Verdict | undefined {
  const host = hostOfTarget(step, result);
  const kind = hostKindOf(host);
  const dataPath = step.endpoint === "data" || kind === "acr-data";
  const errorKind = step.error?.kind ?? "";
  const what = `${step.target}: ${step.error?.message ?? step.detail ?? "failed"}`;
  if (errorKind === "aborted") return undefined; // the probe ran out of time: no evidence either way
  switch (step.step) {
    case "identity":
      return step.error?.kind.startsWith("azure-json") ? undefined : identityVerdict(step);
    case "dns": {
      const causes = [c("NET_DNS_FAILURE", "high")];
      if (dataPath) causes.push(c("NET_DATA_ENDPOINT_BLOCKED", "medium"));
      if (kind === "external") causes.push(c("EXT_UNREACHABLE", "medium"));
      if (kind === "acr" || kind === "acr-data") causes.push(c("NET_PRIVATE_DNS_MISCONFIGURED", "low"));
      return { causes, stage: "dns", explanation: `${host} does not resolve from here: ${step.error?.message ?? "DNS failure"}.` };
    }
    case "tls":
      if (errorKind === "tls-verify" || TLS_VERIFY_CODES.test(step.error?.code ?? "")) {
        const issuer = typeof step.data?.issuer === "string" ? step.data.issuer : undefined;
        return { causes: [c("NET_TLS_INTERCEPTED", "high")], stage: "tls", explanation: `TLS to ${host} fails verification${issuer ? `: the certificate is issued by ${issuer}, which is not a public CA (a TLS-inspecting proxy or firewall)` : ""}. Exempt the registry from TLS inspection.` };
      }
      return transportVerdict(kind, dataPath, what);
    case "tcp":
      return transportVerdict(kind, dataPath, what);
    case "platform":
      if (errorKind === "no-platform") {
        return { causes: [c("IMG_PLATFORM_MISMATCH", "high")], stage: "manifest", explanation: `The image has no manifest for this node's platform: ${step.detail ?? step.error?.message ?? ""}.` };
      }
      break;
    case "token":
    case "exchange":
      if (errorKind === "no-pull-action") {
        if (kind === "acr") return { causes: [c("RBAC_PULL_ROLE_MISSING", "high"), c("RBAC_ABAC_MODE_NEEDS_REPOSITORY_ROLE", "low"), c("RBAC_CONDITION_EXCLUDES_REPOSITORY", "low")], stage: "auth", explanation: `${result.registry} issued a token without the pull action on the repository: the identity has no role that grants pull there.` };
        return { causes: [c("EXT_ACCESS_DENIED", "high")], stage: "auth", explanation: `${result.registry}'s token server issued a token without pull on the repository: these credentials may not pull it.` };
      }
      break;
    default:
      break;
  }
  if (errorKind === "dns") return { causes: [c("NET_DNS_FAILURE", "high")], stage: "dns", explanation: `${host} does not resolve: ${step.error?.message ?? ""}.` };
  if (errorKind === "tls-verify") return { causes: [c("NET_TLS_INTERCEPTED", "high")], stage: "tls", explanation: `TLS to ${host} fails verification: ${step.error?.message ?? ""}.` };
  if (TRANSPORT_KINDS.has(errorKind)) {
    return transportVerdict(kind, dataPath || step.step === "blob" && step.endpoint === "data", what);
  }
  if (errorKind === "http") {
    const v = httpVerdict(step, result, kind);
    if (v) return v;
  }
  return { causes: [c("PULL_FAILURE_UNCLASSIFIED", "medium")], stage: STEP_STAGE[step.step], explanation: `The probe's ${step.step} step failed: ${step.error?.message ?? step.detail ?? "unknown error"}.` };
}

/** ARM audience refused while the ACR audience is accepted: the registry disables ARM-audience tokens. */
function armAudienceVerdict(result: ProbeResult): { step: ProbeStep; verdict: Verdict } | undefined {
  const arm = result.steps.find((s) => s.step === "exchange" && s.audience === "arm");
  const acr = result.steps.find((s) => s.step === "exchange" && s.audience === "acr");
  if (arm?.status !== "fail" || acr?.status !== "ok") return undefined;
  const status = arm.error?.httpStatus;
  if (status !== 401 && status !== 403 && status !== 400) return undefined;
  return {
    step: arm,
    verdict: {
      causes: [c("CFG_AUTH_AS_ARM_DISABLED", "high")],
      stage: "auth",
      explanation: `${result.registry} refused the ARM-audience token (${status}) but accepted the ACR-audience token from the same identity: azureADAuthenticationAsArmPolicy is disabled, and the kubelet's credential provider presents ARM-audience tokens.`,
    },
  };
}

/** A resolver answer that contradicts private link: the chain names privatelink but the address is public. */
function privateDnsVerdict(step: ProbeStep): Verdict | undefined {
  if (step.step !== "dns" || step.status !== "ok" || step.data?.privatelink !== true || step.data.privateAnswer !== false) return undefined;
  const addresses = Array.isArray(step.data.addresses) ? step.data.addresses.join(", ") : "";
  return {
    causes: [c("NET_PRIVATE_DNS_MISCONFIGURED", "high"), c("NET_PUBLIC_ACCESS_DISABLED", "low")],
    stage: "dns",
    explanation: `${step.target} resolves through a privatelink name to the public address ${addresses}: the privatelink zone is not linked to this VNet, lacks the record, or custom DNS bypasses it.`,
  };
}

function observationOf(result: ProbeResult, index: number, step: ProbeStep, verdict: Verdict, outcome: Observation["outcome"]): Observation {
  const host = hostOfTarget(step, result);
  const image = result.image ? parseImageRef(result.image) : undefined;
  const message = `probe ${step.step}${step.audience ? ` (${step.audience} audience)` : ""} ${step.target}: ${step.error?.message ?? step.detail ?? step.status}`;
  const addresses = step.data?.addresses;
  const ip = typeof step.data?.address === "string" ? step.data.address : Array.isArray(addresses) ? addresses[0] : undefined;
  const classification: Classification = {
    causes: verdict.causes,
    causeless: false,
    firstError: message,
    host,
    hostKind: hostKindOf(host),
    stage: verdict.stage,
    explanation: verdict.explanation,
    ...(result.image ? { image: result.image } : {}),
    ...(step.error?.httpStatus !== undefined ? { httpStatus: step.error.httpStatus } : {}),
    ...(ip ? { ip, privateIp: isPrivateIpv4(ip) } : {}),
  };
  const stepIndex = result.steps.indexOf(step);
  const resultPath = result.source.path || `$.results[${index}]`;
  return {
    outcome,
    ...(result.node?.name ? { node: result.node.name } : {}),
    ...(image?.valid ? { image } : {}),
    host: result.registry,
    message,
    classification,
    count: 1,
    ...(result.ranAt ? { lastSeen: result.ranAt } : {}),
    reason: "Probe",
    source: { file: result.source.file, path: `${resultPath}.steps[${stepIndex}]` },
    messagePath: `${resultPath}.steps[${stepIndex}].${step.error ? "error.message" : "detail"}`,
  };
}

/**
 * One Observation per failed probe step (and one signal for a public answer behind a privatelink CNAME).
 * A healthy probe gives none.
 */
export function probeObservations(snapshot: Snapshot): Observation[] {
  const out: Observation[] = [];
  (factValue(snapshot.probeResults) ?? []).forEach((result, index) => {
    const arm = armAudienceVerdict(result);
    if (arm) out.push(observationOf(result, index, arm.step, arm.verdict, "failure"));
    for (const step of result.steps) {
      const dnsSignal = privateDnsVerdict(step);
      if (dnsSignal) out.push(observationOf(result, index, step, dnsSignal, "signal"));
      if (step.status !== "fail" || step === arm?.step) continue;
      const verdict = verdictFor(step, result);
      if (verdict) out.push(observationOf(result, index, step, verdict, "failure"));
    }
  });
  return out;
}
