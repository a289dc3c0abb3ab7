// The probe against Debian's docker-registry (CNCF distribution) on loopback: htpasswd auth, and token auth whose
// realm is an ACR-style token service (Docker token flow, /oauth2/exchange, /oauth2/token, IMDS and Entra fakes).
// Needs: docker-registry, openssl, apache2-utils (htpasswd).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Agent } from "undici";
import {
  Cleanup, freePort, htpasswdFile, makePki, pushImage, pushIndex, requireTools, startRegistry, startTokenService, tempDir,
  basicAuth, type Pki, type PushTarget, type TokenService,
} from "./harness.js";
import { probeAndObserve, runProbeCli, stepsSummary } from "./probe-helpers.js";

const ACR_NAME = "contosotest.azurecr.io";
const EXT_NAME = "registry.external.test";

function pullSecret(dir: string, name: string, host: string, username: string, password: string): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify({ auths: { [host]: { username, password, auth: Buffer.from(`${username}:${password}`).toString("base64") } } }));
  return file;
}

describe("probe against distribution with htpasswd auth", () => {
  const cleanup = new Cleanup();
  let dir = "";
  let pki: Pki;
  let port = 0;
  let common: string[] = [];
  let ready = false;

  before(async () => {
    if (!requireTools({}, ["docker-registry", "openssl", "htpasswd"])) return;
    dir = tempDir(cleanup);
    pki = makePki(dir, [ACR_NAME, EXT_NAME, "registry.test"], ["127.0.0.1"]);
    port = await freePort();
    const users = { alice: "alice-Pa55word-7d1e", pusher: "pusher-Pa55word-93ac" };
    await startRegistry(cleanup, { dir, addr: `127.0.0.1:${port}`, pki, auth: { htpasswd: { file: htpasswdFile(dir, users) } } });
    const agent = new Agent({ connect: { ca: pki.caCert, servername: "registry.test" } });
    cleanup.add(() => agent.close());
    const push: PushTarget = { baseUrl: `https://127.0.0.1:${port}`, agent, authorization: async () => basicAuth("pusher", users.pusher) };
    await pushImage(push, "team/app", "1.0");
    await pushIndex(push, "team/multi", "1.0", [{ os: "linux", architecture: "ppc64le" }, { os: "linux", architecture: "s390x" }]);
    common = ["--resolve", `${EXT_NAME}:127.0.0.1`, "--resolve", `${ACR_NAME}:127.0.0.1`, "--ca-file", pki.caCertFile, "--no-identity", "--platform", "linux/amd64", "--timeout", "10"];
    ready = true;
  });
  after(() => cleanup.run());

  const secretFor = (password: string) => pullSecret(dir, `ps-${password.length}-${Math.random().toString(36).slice(2)}.json`, `${EXT_NAME}:${port}`, "alice", password);

  it("healthy pull path: every step passes and no observation comes out", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const run = await probeAndObserve(["--image", `${EXT_NAME}:${port}/team/app:1.0`, "--pull-secret", secretFor("alice-Pa55word-7d1e"), ...common]);
    assert.equal(run.code, 0, stepsSummary(run));
    assert.deepEqual(run.observations, []);
    const steps = run.results[0]?.steps.map((s) => `${s.step}:${s.status}`);
    assert.deepEqual(steps, ["dns:ok", "tcp:ok", "tls:ok", "ping:ok", "token:ok", "manifest:ok", "platform:skipped", "blob:ok"]);
  });

  it("wrong password in the pull secret -> EXT_CREDENTIALS_REJECTED", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const run = await probeAndObserve(["--image", `${EXT_NAME}:${port}/team/app:1.0`, "--pull-secret", secretFor("not-the-password-1"), ...common]);
    assert.equal(run.code, 1);
    assert.deepEqual(run.codes, ["EXT_CREDENTIALS_REJECTED"], stepsSummary(run));
  });

  it("missing repository -> IMG_REPOSITORY_NOT_FOUND (NAME_UNKNOWN from tags/list)", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const run = await probeAndObserve(["--image", `${EXT_NAME}:${port}/team/nothere:1.0`, "--pull-secret", secretFor("alice-Pa55word-7d1e"), ...common]);
    assert.deepEqual(run.codes, ["IMG_REPOSITORY_NOT_FOUND"], stepsSummary(run));
    assert.equal(run.results[0]?.steps.find((s) => s.step === "manifest")?.error?.code, "NAME_UNKNOWN");
  });

  it("missing tag -> IMG_TAG_NOT_FOUND (MANIFEST_UNKNOWN)", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const run = await probeAndObserve(["--image", `${EXT_NAME}:${port}/team/app:9.9.9`, "--pull-secret", secretFor("alice-Pa55word-7d1e"), ...common]);
    assert.deepEqual(run.codes, ["IMG_TAG_NOT_FOUND"], stepsSummary(run));
    assert.equal(run.results[0]?.steps.find((s) => s.step === "manifest")?.error?.code, "MANIFEST_UNKNOWN");
  });

  it("multi-arch index without the node's platform -> IMG_PLATFORM_MISMATCH", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const run = await probeAndObserve(["--image", `${EXT_NAME}:${port}/team/multi:1.0`, "--pull-secret", secretFor("alice-Pa55word-7d1e"), ...common]);
    assert.deepEqual(run.codes, ["IMG_PLATFORM_MISMATCH"], stepsSummary(run));
    const platform = run.results[0]?.steps.find((s) => s.step === "platform");
    assert.deepEqual(platform?.data?.available, ["linux/ppc64le", "linux/s390x"]);
  });

  it("the same index matches a node of one of its platforms", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const args = common.map((a) => (a === "linux/amd64" ? "linux/s390x" : a));
    const run = await probeAndObserve(["--image", `${EXT_NAME}:${port}/team/multi:1.0`, "--pull-secret", secretFor("alice-Pa55word-7d1e"), ...args]);
    assert.equal(run.code, 0, stepsSummary(run));
    assert.deepEqual(run.observations, []);
  });
});

describe("probe against distribution with ACR-style token auth", () => {
  const cleanup = new Cleanup();
  let dir = "";
  let pki: Pki;
  let port = 0;
  let tokens: TokenService;
  let common: string[] = [];
  let ready = false;
  const MI_OK = "11111111-aaaa-4aaa-8aaa-000000000001";
  const MI_NOPULL = "11111111-aaaa-4aaa-8aaa-000000000002";
  const MI_GONE = "11111111-aaaa-4aaa-8aaa-000000000003";
  const SP_APP = "22222222-bbbb-4bbb-8bbb-000000000001";
  const SP_SECRET = "sp-Secret~Planted.Value_4f9a2b";
  const READER_PASSWORD = "reader-Pa55word-Planted-61c0";

  before(async () => {
    if (!requireTools({}, ["docker-registry", "openssl"])) return;
    dir = tempDir(cleanup);
    pki = makePki(dir, [ACR_NAME, EXT_NAME, "registry.test"], ["127.0.0.1"]);
    tokens = await startTokenService(cleanup, pki, ACR_NAME, {
      users: { pusher: "pusher-Pa55word-77aa", reader: READER_PASSWORD, nopull: "nopull-Pa55word-11", blocked: "blocked-Pa55word-22" },
      grants: (subject) => (subject === "pusher" ? ["pull", "push"] : [MI_OK, SP_APP, "reader"].includes(subject) ? ["pull"] : []),
      denied: new Set(["blocked"]),
      identities: new Set([MI_OK, MI_NOPULL]),
      servicePrincipals: { [SP_APP]: SP_SECRET },
    });
    port = await freePort();
    await startRegistry(cleanup, { dir, addr: `127.0.0.1:${port}`, pki, auth: { token: { realm: `${tokens.url}/oauth2/token`, service: ACR_NAME, issuer: tokens.issuer } } });
    const agent = new Agent({ connect: { ca: pki.caCert, servername: "registry.test" } });
    cleanup.add(() => agent.close());
    const push: PushTarget = {
      baseUrl: `https://127.0.0.1:${port}`, agent,
      authorization: async (repository) => {
        const r = await fetchToken(agent, `${tokens.url}/oauth2/token?service=${ACR_NAME}&scope=repository:${repository}:pull,push`, basicAuth("pusher", "pusher-Pa55word-77aa"));
        return `Bearer ${r}`;
      },
    };
    await pushImage(push, "team/app", "1.0");
    common = ["--resolve", `${EXT_NAME}:127.0.0.1`, "--resolve", `${ACR_NAME}:127.0.0.1`, "--ca-file", pki.caCertFile, "--platform", "linux/amd64", "--timeout", "10", "--imds-endpoint", tokens.imdsUrl, "--authority-host", tokens.url];
    ready = true;
  });
  after(() => cleanup.run());

  const azureJson = (name: string, content: Record<string, unknown>): string => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify({ cloud: "AzurePublicCloud", tenantId: "tenant", subscriptionId: "sub", ...content }));
    return file;
  };
  const msi = (clientId: string) => azureJson(`azure-${clientId}.json`, { aadClientId: "msi", aadClientSecret: "msi", useManagedIdentityExtension: true, userAssignedIdentityID: clientId });
  const acrImage = () => `${ACR_NAME}:${port}/team/app:1.0`;
  const extImage = () => `${EXT_NAME}:${port}/team/app:1.0`;

  it("kubelet managed identity with AcrPull: healthy, no observation, both audiences exchanged", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    tokens.policy.armAudienceDisabled = false;
    const run = await probeAndObserve(["--image", acrImage(), "--azure-json", msi(MI_OK), ...common]);
    assert.equal(run.code, 0, stepsSummary(run));
    assert.deepEqual(run.observations, []);
    const exchanges = run.results[0]?.steps.filter((s) => s.step === "exchange").map((s) => `${s.audience}:${s.status}`);
    assert.deepEqual(exchanges, ["arm:ok", "acr:ok"]);
    assert.deepEqual(run.results[0]?.identity, { kind: "managedIdentity", clientId: MI_OK });
  });

  it("identity without a pull role: the token server answers 200 with no actions -> RBAC_PULL_ROLE_MISSING", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const run = await probeAndObserve(["--image", acrImage(), "--azure-json", msi(MI_NOPULL), ...common]);
    assert.deepEqual(run.codes, ["RBAC_PULL_ROLE_MISSING"], stepsSummary(run));
    const token = run.results[0]?.steps.find((s) => s.step === "token");
    assert.equal(token?.error?.kind, "no-pull-action");
    assert.deepEqual(token?.data?.actions, []);
  });

  it("ARM audience refused, ACR audience accepted -> CFG_AUTH_AS_ARM_DISABLED", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    tokens.policy.armAudienceDisabled = true;
    try {
      const run = await probeAndObserve(["--image", acrImage(), "--azure-json", msi(MI_OK), ...common]);
      assert.deepEqual(run.codes, ["CFG_AUTH_AS_ARM_DISABLED"], stepsSummary(run));
      // the rest of the path was still proven with the ACR-audience token
      assert.equal(run.results[0]?.steps.find((s) => s.step === "blob")?.status, "ok");
    } finally {
      tokens.policy.armAudienceDisabled = false;
    }
  });

  it("IMDS says Identity not found -> MI_NOT_FOUND", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const run = await probeAndObserve(["--image", acrImage(), "--azure-json", msi(MI_GONE), ...common]);
    assert.equal(run.codes[0], "MI_NOT_FOUND", stepsSummary(run));
    assert.ok(run.codes.every((c) => c === "MI_NOT_FOUND"), run.codes.join(","));
  });

  it("service principal from azure.json: healthy through the Entra client-credentials grant", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const file = azureJson("azure-sp.json", { aadClientId: SP_APP, aadClientSecret: SP_SECRET });
    const run = await probeAndObserve(["--image", acrImage(), "--azure-json", file, ...common]);
    assert.equal(run.code, 0, stepsSummary(run));
    assert.deepEqual(run.observations, []);
    assert.deepEqual(run.results[0]?.identity, { kind: "servicePrincipal", clientId: SP_APP });
  });

  it("external registry, Docker token flow with a pull secret: healthy", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const run = await probeAndObserve(["--image", extImage(), "--pull-secret", pullSecret(dir, "reader.json", `${EXT_NAME}:${port}`, "reader", READER_PASSWORD), "--no-identity", ...common]);
    assert.equal(run.code, 0, stepsSummary(run));
    assert.deepEqual(run.observations, []);
  });

  it("external registry: token without pull for these credentials -> EXT_ACCESS_DENIED", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const run = await probeAndObserve(["--image", extImage(), "--pull-secret", pullSecret(dir, "nopull.json", `${EXT_NAME}:${port}`, "nopull", "nopull-Pa55word-11"), "--no-identity", ...common]);
    assert.deepEqual(run.codes, ["EXT_ACCESS_DENIED"], stepsSummary(run));
  });

  it("external registry: token server answers 403 DENIED -> EXT_ACCESS_DENIED", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const run = await probeAndObserve(["--image", extImage(), "--pull-secret", pullSecret(dir, "blocked.json", `${EXT_NAME}:${port}`, "blocked", "blocked-Pa55word-22"), "--no-identity", ...common]);
    assert.deepEqual(run.codes, ["EXT_ACCESS_DENIED"], stepsSummary(run));
    assert.equal(run.results[0]?.steps.find((s) => s.step === "token")?.error?.httpStatus, 403);
  });

  it("external registry: wrong password at the token server -> EXT_CREDENTIALS_REJECTED", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const run = await probeAndObserve(["--image", extImage(), "--pull-secret", pullSecret(dir, "wrong.json", `${EXT_NAME}:${port}`, "reader", "wrong-Pa55word-00"), "--no-identity", ...common]);
    assert.deepEqual(run.codes, ["EXT_CREDENTIALS_REJECTED"], stepsSummary(run));
  });

  it("no output format or file carries a planted secret (pull-secret password, SP secret, bearer and refresh tokens)", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    tokens.issued.length = 0;
    const spFile = azureJson("azure-sp-secret.json", { aadClientId: SP_APP, aadClientSecret: SP_SECRET });
    const psFile = pullSecret(dir, "reader-secret.json", `${EXT_NAME}:${port}`, "reader", READER_PASSWORD);
    const outputs: string[] = [];
    for (const format of ["json", "terminal"]) {
      for (const [image, extra] of [[acrImage(), ["--azure-json", spFile]], [extImage(), ["--no-identity"]]] as const) {
        const run = await runProbeCli(["--image", image, "--pull-secret", psFile, ...extra, ...common, "--format", format]);
        outputs.push(run.stdout, run.stderr);
        const file = join(dir, `out-${format}-${outputs.length}.${format === "json" ? "json" : "txt"}`);
        const toFile = await runProbeCli(["--image", image, "--pull-secret", psFile, ...extra, ...common, "--format", format, "--output", file]);
        outputs.push(toFile.stdout, toFile.stderr, readFileSync(file, "utf8"));
      }
    }
    const planted = [READER_PASSWORD, SP_SECRET, Buffer.from(`reader:${READER_PASSWORD}`).toString("base64"), ...tokens.issued];
    assert.ok(tokens.issued.length >= 8, `the token service issued ${tokens.issued.length} tokens: the flows did not run`);
    const all = outputs.join("\n");
    assert.ok(all.includes("reader") && all.includes(SP_APP), "outputs name the identities used");
    for (const secret of planted) {
      assert.ok(!all.includes(secret), `a planted secret leaked into the probe output: ${secret.slice(0, 6)}…`);
      // a JWT's signature alone would also be a leak
      const tail = secret.split(".").pop() ?? "";
      if (tail.length > 20) assert.ok(!all.includes(tail), "a token signature leaked into the probe output");
    }
  });
});

async function fetchToken(agent: Agent, url: string, authorization: string): Promise<string> {
  const { request } = await import("undici");
  const r = await request(url, { headers: { authorization }, dispatcher: agent });
  const body = (await r.body.json()) as { token?: string };
  if (r.statusCode !== 200 || !body.token) throw new Error(`token request returned ${r.statusCode}`);
  return body.token;
}

