import { test } from "node:test";
import assert from "node:assert/strict";
import { snapshot } from "../../../test/factories.js";
import type { ProbeResult, ProbeStep } from "../../snapshot/types.js";
import { probeObservations } from "./probe.js";

const ok = (step: ProbeStep["step"], extra: Partial<ProbeStep> = {}): ProbeStep => ({ step, target: "t", status: "ok", ...extra });
const failed = (step: ProbeStep["step"], error: ProbeStep["error"], extra: Partial<ProbeStep> = {}): ProbeStep => ({ step, target: "t", status: "fail", error, ...extra });

function result(registry: string, steps: ProbeStep[], extra: Partial<ProbeResult> = {}): ProbeResult {
  return { probeVersion: 1, ranAt: "2026-11-28T12:00:00Z", registry, image: `${registry}/team/app:1`, steps, source: { file: "probe.json", path: "$.results[0]" }, ...extra };
}

function codes(...results: ProbeResult[]): string[][] {
  return probeObservations(snapshot({ probeResults: results })).map((o) => o.classification?.causes.map((c) => c.code) ?? []);
}

const ACR = "contoso.azurecr.io";
const EXT = "ghcr.io";

test("a healthy probe gives no observation", () => {
  const steps = ["dns", "tcp", "tls", "ping", "token", "manifest", "platform", "blob"].map((s) => ok(s as ProbeStep["step"]));
  assert.deepEqual(codes(result(ACR, steps)), []);
});

test("no probe results at all gives nothing", () => {
  assert.deepEqual(probeObservations(snapshot({})), []);
});

test("DNS failures: NET_DNS_FAILURE for every host, EXT_UNREACHABLE next for external ones", () => {
  assert.equal(codes(result(ACR, [failed("dns", { kind: "nxdomain", message: "no such host" }, { target: ACR })]))[0]?.[0], "NET_DNS_FAILURE");
  assert.deepEqual(codes(result(EXT, [failed("dns", { kind: "servfail", message: "SERVFAIL" }, { target: EXT })]))[0]?.slice(0, 2), ["NET_DNS_FAILURE", "EXT_UNREACHABLE"]);
});

test("TCP timeout or refusal: NET_EGRESS_BLOCKED for ACR, EXT_UNREACHABLE for external registries", () => {
  assert.equal(codes(result(ACR, [ok("dns"), failed("tcp", { kind: "timeout", message: "no answer" }, { data: { host: ACR } })]))[0]?.[0], "NET_EGRESS_BLOCKED");
  assert.equal(codes(result(EXT, [ok("dns"), failed("tcp", { kind: "refused", message: "refused" }, { data: { host: EXT } })]))[0]?.[0], "EXT_UNREACHABLE");
});

test("a data-endpoint failure is NET_DATA_ENDPOINT_BLOCKED whatever the registry", () => {
  for (const registry of [ACR, EXT]) {
    const steps = [ok("manifest"), failed("tcp", { kind: "timeout", message: "no answer" }, { endpoint: "data", data: { host: "contoso.westeurope.data.azurecr.io" } })];
    assert.equal(codes(result(registry, steps))[0]?.[0], "NET_DATA_ENDPOINT_BLOCKED", registry);
  }
});

test("TLS verification failure names the presented issuer", () => {
  const obs = probeObservations(snapshot({ probeResults: [result(ACR, [failed("tls", { kind: "tls-verify", code: "SELF_SIGNED_CERT_IN_CHAIN", message: "not trusted" }, { target: `${ACR}:443`, data: { issuer: "CN=Zscaler Root CA" } })])] }));
  assert.equal(obs[0]?.classification?.causes[0]?.code, "NET_TLS_INTERCEPTED");
  assert.match(obs[0]?.classification?.explanation ?? "", /Zscaler Root CA/);
});

test("registry error codes map to image causes", () => {
  assert.equal(codes(result(ACR, [failed("manifest", { kind: "http", httpStatus: 404, code: "NAME_UNKNOWN", message: "x" })]))[0]?.[0], "IMG_REPOSITORY_NOT_FOUND");
  assert.equal(codes(result(ACR, [failed("manifest", { kind: "http", httpStatus: 404, code: "MANIFEST_UNKNOWN", message: "x" })]))[0]?.[0], "IMG_TAG_NOT_FOUND");
  assert.equal(codes(result(ACR, [failed("platform", { kind: "no-platform", code: "NO_MATCHING_PLATFORM", message: "x" })]))[0]?.[0], "IMG_PLATFORM_MISMATCH");
  assert.equal(codes(result(EXT, [failed("token", { kind: "http", httpStatus: 429, code: "TOOMANYREQUESTS", message: "x" })]))[0]?.[0], "EXT_RATE_LIMITED");
});

test("credentials: 401 with a pull secret is EXT_CREDENTIALS_REJECTED; 403 is EXT_ACCESS_DENIED off ACR, a network answer on ACR", () => {
  const secret = { identity: { kind: "pullSecret" as const, username: "bot" } };
  assert.equal(codes(result(EXT, [failed("token", { kind: "http", httpStatus: 401, code: "UNAUTHORIZED", message: "x" }, { data: { credentials: "pullSecret" } })], secret))[0]?.[0], "EXT_CREDENTIALS_REJECTED");
  assert.equal(codes(result(EXT, [failed("token", { kind: "http", httpStatus: 403, code: "DENIED", message: "x" })], secret))[0]?.[0], "EXT_ACCESS_DENIED");
  assert.equal(codes(result(ACR, [failed("token", { kind: "http", httpStatus: 403, code: "DENIED", message: "client with IP 1.2.3.4 is not allowed" })]))[0]?.[0], "NET_FIREWALL_DENIES_CLUSTER");
});

test("a token without the pull action: RBAC_PULL_ROLE_MISSING on ACR, EXT_ACCESS_DENIED elsewhere", () => {
  const step = failed("token", { kind: "no-pull-action", code: "NO_PULL_ACTION", message: "no pull" }, { data: { actions: [] } });
  assert.equal(codes(result(ACR, [step], { identity: { kind: "managedIdentity", clientId: "c" } }))[0]?.[0], "RBAC_PULL_ROLE_MISSING");
  assert.equal(codes(result(EXT, [step]))[0]?.[0], "EXT_ACCESS_DENIED");
});

test("ARM audience refused while the ACR audience is accepted: one CFG_AUTH_AS_ARM_DISABLED", () => {
  const steps = [
    failed("exchange", { kind: "http", httpStatus: 401, code: "UNAUTHORIZED", message: "ARM disabled" }, { audience: "arm" }),
    ok("exchange", { audience: "acr" }),
    ok("token"), ok("manifest"), ok("blob"),
  ];
  assert.deepEqual(codes(result(ACR, steps, { identity: { kind: "managedIdentity" } })).map((c) => c[0]), ["CFG_AUTH_AS_ARM_DISABLED"]);
  // both audiences refused: not the ARM policy
  const both = [failed("exchange", { kind: "http", httpStatus: 401, message: "no" }, { audience: "arm" }), failed("exchange", { kind: "http", httpStatus: 401, message: "no" }, { audience: "acr" })];
  assert.ok(!codes(result(ACR, both, { identity: { kind: "managedIdentity" } })).some((c) => c[0] === "CFG_AUTH_AS_ARM_DISABLED"));
});

test("identity: IMDS 'Identity not found' is MI_NOT_FOUND; an Entra AADSTS7000222 is SP_SECRET_EXPIRED", () => {
  assert.equal(codes(result(ACR, [failed("identity", { kind: "http", httpStatus: 400, code: "invalid_request", message: "IMDS token request returned 400 invalid_request: Identity not found" }, { endpoint: "identity" })]))[0]?.[0], "MI_NOT_FOUND");
  assert.equal(codes(result(ACR, [failed("identity", { kind: "http", httpStatus: 401, code: "invalid_client", message: "AADSTS7000222: The provided client secret keys for app 'x' are expired." }, { endpoint: "identity" })]))[0]?.[0], "SP_SECRET_EXPIRED");
});

test("a privatelink chain answered with a public address is a NET_PRIVATE_DNS_MISCONFIGURED signal", () => {
  const obs = probeObservations(snapshot({ probeResults: [result(ACR, [ok("dns", { target: ACR, data: { addresses: ["20.61.1.10"], cnames: ["contoso.privatelink.azurecr.io"], privatelink: true, privateAnswer: false } })])] }));
  assert.equal(obs.length, 1);
  assert.equal(obs[0]?.outcome, "signal");
  assert.equal(obs[0]?.classification?.causes[0]?.code, "NET_PRIVATE_DNS_MISCONFIGURED");
});

test("observations point at the failed step inside the evidence file", () => {
  const obs = probeObservations(snapshot({ probeResults: [result(ACR, [ok("dns"), failed("tcp", { kind: "refused", message: "refused" })], { node: { name: "aks-np1-0" } })] }));
  assert.equal(obs[0]?.source.path, "$.results[0].steps[1]");
  assert.equal(obs[0]?.messagePath, "$.results[0].steps[1].error.message");
  assert.equal(obs[0]?.node, "aks-np1-0");
  assert.equal(obs[0]?.image?.repository, "team/app");
});

test("a step cut off by the probe's own deadline is no evidence", () => {
  assert.deepEqual(codes(result(ACR, [failed("tcp", { kind: "aborted", message: "deadline" })])), []);
});
