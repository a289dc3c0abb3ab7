// Secrets never enter the snapshot: plant distinct secret strings everywhere a secret can hide and look for them.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import type { PullSecret } from "../snapshot/types.js";
import { snapshotFromFiles } from "./read.js";
import { jwtExpiry, normaliseRegistryHost } from "./secrets.js";

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const b64url = (s: string): string => Buffer.from(s, "utf8").toString("base64url");

const PLANTED = {
  password: "PLANTED-PASSWORD-0001",
  authPass: "PLANTED-AUTH-PASS-0002",
  tokenSig: "PLANTEDTOKENSIG0003",
  opaque: "PLANTED-OPAQUE-0004",
  tls: "PLANTED-TLS-KEY-0005",
  saToken: "PLANTED-SA-TOKEN-0006",
  stringData: "PLANTED-STRINGDATA-0007",
  badJson: "PLANTED-IN-BAD-JSON-0008",
  annotation: "PLANTED-LAST-APPLIED-0009",
  legacyAuth: "PLANTED-LEGACY-0010",
  truncated: "PLANTED-TRUNCATED-0011",
};

// a JWT whose payload has exp 2026-12-01T00:00:00Z and whose signature is a planted secret
const EXP = Date.UTC(2026, 11, 1) / 1000;
const JWT = `${b64url('{"alg":"RS256","typ":"JWT"}')}.${b64url(JSON.stringify({ exp: EXP, sub: "acr-refresh" }))}.${PLANTED.tokenSig}`;

function secret(name: string, type: string, data: Record<string, string>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: "v1", kind: "Secret", metadata: { name, namespace: "apps", ...extra }, type, data };
}

const dockerConfig = {
  auths: {
    "https://index.docker.io/v1/": { username: "hubuser", password: PLANTED.password, auth: b64(`hubuser:${PLANTED.password}`) },
    "Contoso.AzureCR.io": { auth: b64(`00000000-0000-0000-0000-000000000000:${PLANTED.authPass}`) },
    "ghcr.io": { username: "bot", identitytoken: JWT },
  },
};

const files = [
  {
    name: "secrets.json",
    content: JSON.stringify({
      apiVersion: "v1",
      kind: "List",
      items: [
        secret("regcred", "kubernetes.io/dockerconfigjson", { ".dockerconfigjson": b64(JSON.stringify(dockerConfig)) }, {
          annotations: { "kubectl.kubernetes.io/last-applied-configuration": JSON.stringify({ data: { x: PLANTED.annotation } }) },
        }),
        secret("legacy", "kubernetes.io/dockercfg", { ".dockercfg": b64(JSON.stringify({ "registry-1.docker.io": { auth: b64(`old:${PLANTED.legacyAuth}`), email: "a@b.c" } })) }),
        secret("app-settings", "Opaque", { password: b64(PLANTED.opaque) }),
        secret("tls-cert", "kubernetes.io/tls", { "tls.key": b64(PLANTED.tls), "tls.crt": b64("cert") }),
        secret("sa-token", "kubernetes.io/service-account-token", { token: b64(PLANTED.saToken) }),
        { ...secret("bad-b64", "kubernetes.io/dockerconfigjson", { ".dockerconfigjson": "%%% not base64 %%%" }) },
        secret("bad-json", "kubernetes.io/dockerconfigjson", { ".dockerconfigjson": b64(`{"auths": {"x.io": {"password": "${PLANTED.badJson}"`) }),
        {
          apiVersion: "v1",
          kind: "Secret",
          metadata: { name: "from-manifest", namespace: "apps" },
          type: "kubernetes.io/dockerconfigjson",
          stringData: { ".dockerconfigjson": JSON.stringify({ auths: { "quay.io": { username: "q", password: PLANTED.stringData } } }) },
        },
      ],
    }),
  },
  // a truncated secrets file: its error message must not quote the content
  { name: "truncated.json", content: `{"kind":"Secret","apiVersion":"v1","data":{"password":"${PLANTED.truncated}` },
  { name: "weird.json", content: `{"kind":"Secret","data":{"password": ${PLANTED.truncated}}}` },
];

describe("pull secrets", () => {
  const s = snapshotFromFiles(files);
  const all = JSON.stringify(s);
  const secrets: PullSecret[] = s.pullSecrets.status === "ok" ? s.pullSecrets.value : [];
  const by = (n: string): PullSecret | undefined => secrets.find((x) => x.name === n);

  it("no planted secret, in clear or base64, appears anywhere in the snapshot", () => {
    for (const [what, v] of Object.entries(PLANTED)) {
      assert.ok(!all.includes(v), `${what} leaked`);
      assert.ok(!all.includes(b64(v)), `${what} leaked as base64`);
    }
    assert.ok(!all.includes(JWT), "the JWT leaked");
    for (const a of Object.values(dockerConfig.auths)) if ("auth" in a) assert.ok(!all.includes(a.auth), "an auth value leaked");
    assert.ok(!all.includes(b64(JSON.stringify(dockerConfig))), "the encoded dockerconfigjson leaked");
  });

  it("drops every non-pull secret, names included", () => {
    assert.deepEqual(secrets.map((x) => x.name).sort(), ["bad-b64", "bad-json", "from-manifest", "legacy", "regcred"]);
    for (const n of ["app-settings", "tls-cert", "sa-token"]) assert.ok(!all.includes(n), n);
  });

  it("reduces dockerconfigjson entries to host, username, flags, expiry and fingerprint", () => {
    const sha = (s: string): string => createHash("sha256").update(s).digest("hex").slice(0, 12);
    const auth0 = dockerConfig.auths["https://index.docker.io/v1/"].auth;
    const auth1 = dockerConfig.auths["Contoso.AzureCR.io"].auth;
    assert.deepEqual(by("regcred")?.auths, [
      { key: "https://index.docker.io/v1/", host: "docker.io", username: "hubuser", hasPassword: true, hasIdentityToken: false, fingerprint: sha(`${PLANTED.password}\u0000${auth0}\u0000`) },
      {
        key: "Contoso.AzureCR.io",
        host: "contoso.azurecr.io",
        username: "00000000-0000-0000-0000-000000000000",
        hasPassword: true,
        hasIdentityToken: false,
        fingerprint: sha(`\u0000${auth1}\u0000`),
      },
      { key: "ghcr.io", host: "ghcr.io", username: "bot", hasPassword: false, hasIdentityToken: true, tokenExpiresAt: "2026-12-01T00:00:00.000Z", fingerprint: sha(`\u0000\u0000${JWT}`) },
    ]);
    assert.equal(by("regcred")?.problem, undefined);
  });

  it("reads legacy dockercfg and stringData manifests", () => {
    assert.deepEqual(by("legacy")?.auths.map((a) => [a.host, a.username, a.hasPassword]), [["docker.io", "old", true]]);
    assert.deepEqual(by("from-manifest")?.auths.map((a) => [a.host, a.username, a.hasPassword]), [["quay.io", "q", true]]);
  });

  it("explains undecodable secrets in one line", () => {
    assert.equal(by("bad-b64")?.problem, 'data[".dockerconfigjson"] is not valid base64');
    assert.equal(by("bad-json")?.problem, '".dockerconfigjson" does not decode to JSON');
    assert.deepEqual(by("bad-json")?.auths, []);
  });

  it("reports the truncated file as an error without quoting it", () => {
    const t = s.input.files.find((f) => f.file === "truncated.json");
    assert.equal(t?.status, "error");
    assert.match(t?.reason ?? "", /^invalid JSON at position \d+: /);
    const w = s.input.files.find((f) => f.file === "weird.json");
    assert.equal(w?.reason, "invalid JSON at position 37: unexpected character");
  });
});

describe("helpers", () => {
  it("normalises registry hosts", () => {
    assert.equal(normaliseRegistryHost("https://index.docker.io/v1/"), "docker.io");
    assert.equal(normaliseRegistryHost("registry-1.docker.io"), "docker.io");
    assert.equal(normaliseRegistryHost("index.docker.io"), "docker.io");
    assert.equal(normaliseRegistryHost("HTTPS://Contoso.azurecr.io/v2/"), "contoso.azurecr.io");
    assert.equal(normaliseRegistryHost("localhost:5000"), "localhost:5000");
  });

  it("reads only the exp of a JWT", () => {
    assert.equal(jwtExpiry(JWT), "2026-12-01T00:00:00.000Z");
    assert.equal(jwtExpiry("not-a-jwt"), undefined);
    assert.equal(jwtExpiry(`a.${b64url("{}")}.c`), undefined);
  });
});
