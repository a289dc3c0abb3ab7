// The probe against real network faults: dnsmasq answers (private IP, NXDOMAIN, SERVFAIL from a failed DNSSEC
// validation), a network namespace whose login server and data endpoint are blocked by iptables DROP (timeout)
// and REJECT (refused), and a TLS server whose certificate comes from an unknown CA.
// Needs: root, docker-registry, dnsmasq (dnsmasq-base), iproute2, iptables, openssl, apache2-utils.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Agent } from "undici";
import { resolveHost } from "../../src/clients/netcheck.js";
import {
  basicAuth, blockAddress, Cleanup, createNamespace, htpasswdFile, makePki, pushImage, requireTools, startDnsmasq, startFileServer,
  startRegistry, tempDir, type Pki,
} from "./harness.js";
import { probeAndObserve, stepsSummary } from "./probe-helpers.js";

const ACR_NAME = "contosotest.azurecr.io";
const DATA_NAME = "contosotest.westeurope.data.azurecr.io";
const EXT_NAME = "registry.external.test";

describe("DNS answers from dnsmasq", () => {
  const cleanup = new Cleanup();
  let server = "";
  let validating = "";
  let dir = "";
  let ready = false;

  before(async () => {
    if (!requireTools({}, ["dnsmasq"])) return;
    dir = tempDir(cleanup);
    server = await startDnsmasq(cleanup, dir, {
      hostRecords: { [ACR_NAME]: "10.200.1.2", "pl.privatelink.azurecr.io": "10.1.2.5", "pub.privatelink.azurecr.io": "20.61.1.10", "broken.azurecr.io": "10.200.1.2" },
      cnames: [["pl.azurecr.io", "pl.privatelink.azurecr.io"], ["pub.azurecr.io", "pub.privatelink.azurecr.io"]],
      nxdomain: ["missing.azurecr.io", "nowhere.external.test"],
    });
    // a validating resolver in front of an unsigned one: validation fails and the answer is SERVFAIL
    validating = await startDnsmasq(cleanup, dir, { upstream: server.replace(":", "#"), dnssec: true });
    ready = true;
  });
  after(() => cleanup.run());

  it("a private answer through a privatelink CNAME is reported as such", async (t) => {
    if (!ready) return t.skip("dnsmasq missing");
    const r = await resolveHost("pl.azurecr.io", { servers: [server], timeoutMs: 2000 });
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.value.addresses, ["10.1.2.5"]);
    assert.deepEqual(r.value.cnames, ["pl.privatelink.azurecr.io"]);
    assert.equal(r.value.privatelink, true);
    assert.equal(r.value.privateAnswer, true);
  });

  it("a public answer behind a privatelink CNAME is flagged as not private", async (t) => {
    if (!ready) return t.skip("dnsmasq missing");
    const r = await resolveHost("pub.azurecr.io", { servers: [server], timeoutMs: 2000 });
    assert.ok(r.ok);
    assert.equal(r.value.privatelink, true);
    assert.equal(r.value.privateAnswer, false);
  });

  it("NXDOMAIN for the login server -> NET_DNS_FAILURE", async (t) => {
    if (!ready) return t.skip("dnsmasq missing");
    const run = await probeAndObserve(["--image", "missing.azurecr.io/team/app:1", "--dns-server", server, "--no-identity", "--timeout", "5"]);
    assert.deepEqual(run.codes, ["NET_DNS_FAILURE"], stepsSummary(run));
    assert.equal(run.results[0]?.steps[0]?.error?.kind, "nxdomain");
    assert.equal(run.results[0]?.steps.length, 1, "nothing is attempted after a failed lookup");
  });

  it("NXDOMAIN for an external registry -> NET_DNS_FAILURE with EXT_UNREACHABLE next", async (t) => {
    if (!ready) return t.skip("dnsmasq missing");
    const run = await probeAndObserve(["--image", "nowhere.external.test/team/app:1", "--dns-server", server, "--no-identity", "--timeout", "5"]);
    assert.deepEqual(run.codes, ["NET_DNS_FAILURE"], stepsSummary(run));
    assert.deepEqual(run.observations[0]?.classification?.causes.map((c) => c.code), ["NET_DNS_FAILURE", "EXT_UNREACHABLE"]);
  });

  it("SERVFAIL from the resolver -> NET_DNS_FAILURE", async (t) => {
    if (!ready) return t.skip("dnsmasq missing");
    const run = await probeAndObserve(["--image", "broken.azurecr.io/team/app:1", "--dns-server", validating, "--no-identity", "--timeout", "5"]);
    assert.deepEqual(run.codes, ["NET_DNS_FAILURE"], stepsSummary(run));
    assert.equal(run.results[0]?.steps[0]?.error?.kind, "servfail");
  });
});

describe("TLS interception", () => {
  const cleanup = new Cleanup();
  let pki: Pki;
  let port = 0;
  let ready = false;

  before(async () => {
    if (!requireTools({}, ["openssl"])) return;
    const dir = tempDir(cleanup);
    pki = makePki(dir, [ACR_NAME, EXT_NAME], ["127.0.0.1"]);
    // a server presenting a certificate from a CA the probe does not trust, as a TLS-inspecting proxy does
    const server = createServer({ cert: readFileSync(pki.rogueCertFile), key: readFileSync(pki.rogueKeyFile) }, (_req, res) => res.end("{}"));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanup.add(() => new Promise<void>((r) => server.close(() => r())));
    cleanup.add(() => server.closeAllConnections());
    port = (server.address() as AddressInfo).port;
    ready = true;
  });
  after(() => cleanup.run());

  it("a certificate from an unknown CA -> NET_TLS_INTERCEPTED, naming the issuer", async (t) => {
    if (!ready) return t.skip("openssl missing");
    const run = await probeAndObserve(["--image", `${ACR_NAME}:${port}/team/app:1`, "--resolve", `${ACR_NAME}:127.0.0.1`, "--ca-file", pki.caCertFile, "--no-identity", "--timeout", "5"]);
    assert.deepEqual(run.codes, ["NET_TLS_INTERCEPTED"], stepsSummary(run));
    const tls = run.results[0]?.steps.find((s) => s.step === "tls");
    assert.match(String(tls?.data?.issuer), /Contoso TLS Inspection CA/);
    assert.match(run.observations[0]?.classification?.explanation ?? "", /Contoso TLS Inspection CA/);
  });

  it("the same server is trusted once its CA is: no TLS finding", async (t) => {
    if (!ready) return t.skip("openssl missing");
    const run = await probeAndObserve(["--registry", `${ACR_NAME}:${port}`, "--resolve", `${ACR_NAME}:127.0.0.1`, "--ca-file", join(pki.rogueCertFile, "..", "rogue-ca.crt"), "--no-identity", "--timeout", "5"]);
    assert.equal(run.results[0]?.steps.find((s) => s.step === "tls")?.status, "ok", stepsSummary(run));
    assert.ok(!run.codes.includes("NET_TLS_INTERCEPTED"));
  });
});

describe("blocked egress in a network namespace", () => {
  const cleanup = new Cleanup();
  let pki: Pki;
  let dns = "";
  let login = "";
  let data = "";
  let common: string[] = [];
  let ready = false;
  const password = "alice-Pa55word-ns-31";

  before(async () => {
    if (!requireTools({}, ["docker-registry", "dnsmasq", "ip", "iptables", "openssl", "htpasswd"], true)) return;
    const dir = tempDir(cleanup);
    const ns = createNamespace(cleanup, 2);
    [login, data] = [ns.addresses[0] ?? "", ns.addresses[1] ?? ""];
    pki = makePki(dir, [ACR_NAME, DATA_NAME, EXT_NAME, "registry.test"], [login, data]);
    // the login server redirects blobs to the data endpoint, like ACR does to <name>.<region>.data.azurecr.io
    const { storageDir } = await startRegistry(cleanup, {
      dir, addr: `${login}:443`, pki, netns: ns.name, redirectBaseUrl: `https://${DATA_NAME}/`,
      auth: { htpasswd: { file: htpasswdFile(dir, { alice: password }) } },
    });
    startFileServer(cleanup, ns.name, data, storageDir, pki);
    const agent = new Agent({ connect: { ca: pki.caCert, servername: "registry.test" } });
    cleanup.add(() => agent.close());
    await pushImage({ baseUrl: `https://${login}`, agent, authorization: async () => basicAuth("alice", password) }, "team/app", "1.0");
    dns = await startDnsmasq(cleanup, dir, { hostRecords: { [ACR_NAME]: login, [DATA_NAME]: data, [EXT_NAME]: login } });
    const secret = join(dir, "pull-secret.json");
    writeFileSync(secret, JSON.stringify({ auths: { [ACR_NAME]: { username: "alice", password }, [EXT_NAME]: { username: "alice", password } } }));
    common = ["--dns-server", dns, "--ca-file", pki.caCertFile, "--pull-secret", secret, "--no-identity", "--platform", "linux/amd64", "--step-timeout", "1", "--timeout", "8"];
    ready = true;
  });
  after(() => cleanup.run());

  it("healthy: private DNS answer, login server and data endpoint reachable, no observation", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const run = await probeAndObserve(["--image", `${ACR_NAME}/team/app:1.0`, ...common]);
    assert.equal(run.code, 0, stepsSummary(run));
    assert.deepEqual(run.observations, []);
    const blob = run.results[0]?.steps.find((s) => s.step === "blob");
    assert.equal(blob?.data?.servedBy, "redirect");
    assert.equal(blob?.data?.dataHost, DATA_NAME);
    assert.equal(run.results[0]?.steps[0]?.data?.privateAnswer, true);
  });

  for (const how of ["DROP", "REJECT"] as const) {
    it(`login server ${how} -> NET_EGRESS_BLOCKED (${how === "DROP" ? "timeout" : "refused"})`, async (t) => {
      if (!ready) return t.skip("prerequisites missing");
      const unblock = blockAddress(cleanup, login, how);
      try {
        const run = await probeAndObserve(["--image", `${ACR_NAME}/team/app:1.0`, ...common]);
        assert.deepEqual(run.codes, ["NET_EGRESS_BLOCKED"], stepsSummary(run));
        assert.equal(run.results[0]?.steps.find((s) => s.step === "tcp")?.error?.kind, how === "DROP" ? "timeout" : "refused");
      } finally {
        unblock();
      }
    });

    it(`data endpoint only ${how} -> NET_DATA_ENDPOINT_BLOCKED`, async (t) => {
      if (!ready) return t.skip("prerequisites missing");
      const unblock = blockAddress(cleanup, data, how);
      try {
        const run = await probeAndObserve(["--image", `${ACR_NAME}/team/app:1.0`, ...common]);
        assert.equal(run.codes[0], "NET_DATA_ENDPOINT_BLOCKED", stepsSummary(run));
        assert.ok(run.codes.every((c) => c === "NET_DATA_ENDPOINT_BLOCKED"), run.codes.join(","));
        assert.equal(run.results[0]?.steps.find((s) => s.step === "manifest")?.status, "ok", "the login server still answers");
      } finally {
        unblock();
      }
    });
  }

  it("external registry REJECT -> EXT_UNREACHABLE", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const unblock = blockAddress(cleanup, login, "REJECT");
    try {
      const run = await probeAndObserve(["--image", `${EXT_NAME}/team/app:1.0`, ...common]);
      assert.deepEqual(run.codes, ["EXT_UNREACHABLE"], stepsSummary(run));
    } finally {
      unblock();
    }
  });

  it("the whole probe stays within --timeout even when every packet is dropped", async (t) => {
    if (!ready) return t.skip("prerequisites missing");
    const unblock = blockAddress(cleanup, login, "DROP");
    try {
      const args = common.map((a) => (a === "8" ? "1.5" : a === "1" ? "5" : a));
      const started = Date.now();
      const run = await probeAndObserve(["--image", `${ACR_NAME}/team/app:1.0`, "--image", `${EXT_NAME}/team/app:1.0`, ...args]);
      assert.ok(Date.now() - started < 4000, `took ${Date.now() - started} ms with --timeout 1.5`);
      assert.equal(run.code, 1);
    } finally {
      unblock();
    }
  });
});
