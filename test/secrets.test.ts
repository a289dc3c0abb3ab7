// Secrets never reach any output: distinct secrets are planted in every place they can occur in evidence and live
// responses, then every output format, the saved snapshot, verbose output and error messages are searched.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./cli-harness.js";
import { requireShared } from "./paths.js";
import { withSandbox, liveAgainst } from "./live/harness.js";
import { render, FORMATS } from "../src/reporters/index.js";

const NOW = "2026-11-28T12:00:00Z";
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");
const jwt = (payload: object, sig: string) => `${b64(JSON.stringify({ alg: "RS256", typ: "JWT" })).replace(/=+$/, "")}.${b64(JSON.stringify(payload)).replace(/=+$/, "")}.${sig}`;

// Distinct, recognisable values; none is a prefix of another.
const S = {
  pullPassword: "Plant3d-PullPassw0rd-7Q2x",
  identityToken: jwt({ sub: "bot", exp: 1767225600 }, "SiGidentityTokenPlanted91"),
  acrTokenPassword: "Plant3d-AcrTokenPwd-4Kd8Z",
  legacyPassword: "Plant3d-LegacyDockercfg-3Vn",
  opaqueValue: "Plant3d-OpaqueSecretValue-8Hb",
  bearerInEvent: "Plant3dBearerToken5Yt2Wq9Lm",
  sasSig: "Plant3dSasSig0Zx7Yw6Vv5Uu4",
  refreshInEvent: "Plant3dRefresh3Rt6Yh9Uj2Ik",
  spSecretInAks: "Plant3d-SpSecretInAksShow-2Mx",
  secretText: "Plant3d-GraphSecretText-6Qw",
} as const;

function plantEvidence(dir: string): void {
  const auths = {
    "ghcr.io": { username: "gdi-render-bot", password: S.pullPassword, auth: b64(`gdi-render-bot:${S.pullPassword}`), identitytoken: S.identityToken },
    "plantedacr.azurecr.io": { username: "pull-token", password: S.acrTokenPassword, auth: b64(`pull-token:${S.acrTokenPassword}`) },
  };
  const secrets = {
    apiVersion: "v1", kind: "List", metadata: { resourceVersion: "" },
    items: [
      { apiVersion: "v1", kind: "Secret", type: "kubernetes.io/dockerconfigjson", metadata: { name: "ghcr-gdi-studio", namespace: "render" }, data: { ".dockerconfigjson": b64(JSON.stringify({ auths })) } },
      { apiVersion: "v1", kind: "Secret", type: "kubernetes.io/dockercfg", metadata: { name: "legacy", namespace: "render" }, data: { ".dockercfg": b64(JSON.stringify({ "quay.io": { username: "u", password: S.legacyPassword, auth: b64(`u:${S.legacyPassword}`) } })) } },
      { apiVersion: "v1", kind: "Secret", type: "Opaque", metadata: { name: "app-settings", namespace: "render" }, data: { DB_PASSWORD: b64(S.opaqueValue) }, stringData: { other: S.opaqueValue } },
    ],
  };
  writeFileSync(join(dir, "secrets-render.json"), JSON.stringify(secrets, null, 4));
  const events = JSON.parse(readFileSync(join(dir, "events.json"), "utf8")) as { items: Record<string, unknown>[] };
  const first = events.items[0]!;
  // its own identity (the reader de-duplicates events by uid/name) and a failure type, so rules quote it
  events.items.push({ ...first, metadata: { name: "asset-indexer-vw26csvf9-xf7sc.planted", namespace: "render", uid: "0d0d0d0d-1111-4222-8333-444444444444" }, involvedObject: { kind: "Pod", name: "asset-indexer-vw26csvf9-xf7sc", namespace: "render" }, type: "Warning", reason: "Failed", message: `Failed to pull image "ghcr.io/gdi-studio/asset-indexer:0.18.2": failed to copy: httpReadSeeker: failed open: failed to do request: Get "https://stgdi.blob.core.windows.net/c/blob?sv=2021-08-06&sr=b&sig=${S.sasSig}&se=2026-11-29": dial tcp 20.1.2.3:443: i/o timeout; Authorization: Bearer ${S.bearerInEvent}; refresh_token=${S.refreshInEvent}` });
  writeFileSync(join(dir, "events.json"), JSON.stringify(events, null, 4));
  const aks = JSON.parse(readFileSync(join(dir, "aks-show.json"), "utf8")) as Record<string, unknown>;
  aks.servicePrincipalProfile = { clientId: "msi", secret: S.spSecretInAks };
  writeFileSync(join(dir, "aks-show.json"), JSON.stringify(aks, null, 2));
  writeFileSync(join(dir, "app-show.json"), JSON.stringify({ appId: "0a0a0a0a-1111-4222-8333-444444444444", id: "0b0b0b0b-1111-4222-8333-444444444444", displayName: "ci", passwordCredentials: [{ displayName: "ci", endDateTime: "2027-01-01T00:00:00Z", keyId: "0c0c0c0c-1111-4222-8333-444444444444", secretText: S.secretText, hint: "Pla" }], keyCredentials: [], signInAudience: "AzureADMyOrg" }));
  // a malformed file holding a secret: its error message must not quote it
  writeFileSync(join(dir, "broken.json"), `{"password": "${S.pullPassword}", "oops": `);
}

function secretForms(): string[] {
  const forms: string[] = [];
  for (const v of Object.values(S)) forms.push(v, b64(v), b64(v).replace(/=+$/, ""));
  forms.push(b64(`gdi-render-bot:${S.pullPassword}`), b64(`pull-token:${S.acrTokenPassword}`));
  return forms;
}

function assertClean(label: string, text: string, extra: string[] = []): void {
  for (const s of [...secretForms(), ...extra]) assert.ok(!text.includes(s), `${label} leaks ${s.slice(0, 12)}…`);
  assert.ok(!/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/.test(text), `${label} contains a JWT`);
}

test("planted secrets appear in no output format, snapshot, verbose output or error message (evidence)", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const dir = mkdtempSync(join(tmpdir(), "pd-secrets-"));
  cpSync(join(shared, "scenarios", "dockerhub-rate-limit-and-missing-secret"), dir, { recursive: true });
  plantEvidence(dir);
  const out = mkdtempSync(join(tmpdir(), "pd-secrets-out-"));
  let runs = 0;
  for (const format of FORMATS) {
    const r = await runCli(["diagnose", "--evidence", dir, "--format", format, "--verbose", "--now", NOW]);
    assert.notEqual(r.code, 2, r.stderr);
    assertClean(`diagnose --format ${format}`, r.stdout + r.stderr);
    runs++;
  }
  const json = await runCli(["diagnose", "--evidence", dir, "--format", "json", "--now", NOW]);
  writeFileSync(join(out, "report.json"), json.stdout);
  for (const format of FORMATS) {
    const r = await runCli(["render", join(out, "report.json"), "--format", format]);
    assertClean(`render --format ${format}`, r.stdout + r.stderr);
  }
  const snap = join(out, "snapshot.json");
  const c = await runCli(["collect", "--evidence", dir, "--output", snap, "--now", NOW]);
  assertClean("collect", c.stdout + c.stderr + readFileSync(snap, "utf8"));
  const fromSnap = await runCli(["diagnose", "--snapshot", snap, "--format", "json"]);
  assertClean("diagnose --snapshot", fromSnap.stdout + fromSnap.stderr);
  const ex = await runCli(["explain", "--format", "json", "-"], { stdin: `Authorization: Bearer ${S.bearerInEvent} ${S.identityToken} sig=${S.sasSig} password: ${S.pullPassword}` });
  assertClean("explain", ex.stdout + ex.stderr);
  const can = await runCli(["can-i", "0b0b0b0b-1111-4222-8333-444444444444", "pull", "gdirender", "--evidence", dir, "--format", "json"]);
  assertClean("can-i", can.stdout + can.stderr);
  assert.ok(runs === FORMATS.length && FORMATS.length >= 6, `every format ran (${FORMATS.join(", ")})`);
});

test("secrets served by the live APIs (pull secrets, tokens, the client secret) reach no output", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const dir = mkdtempSync(join(tmpdir(), "pd-secrets-live-"));
  cpSync(join(shared, "scenarios", "dockerhub-rate-limit-and-missing-secret"), dir, { recursive: true });
  plantEvidence(dir);
  // the sandbox serves every file; the broken one is not evidence it can serve
  for (const f of readdirSync(dir)) if (f === "broken.json") writeFileSync(join(dir, f), "{}");
  await withSandbox(dir, async (sb) => {
    const { snapshot, report } = await liveAgainst(sb);
    const sandboxSecrets = Object.entries(sb.env).filter(([k]) => /SECRET|TOKEN|PASSWORD/i.test(k)).map(([, v]) => v).filter((v) => v.length >= 8);
    assertClean("live snapshot", JSON.stringify(snapshot), sandboxSecrets);
    for (const format of FORMATS) assertClean(`live ${format}`, render(report, format, { color: false, verbose: true }), sandboxSecrets);
  });
});
