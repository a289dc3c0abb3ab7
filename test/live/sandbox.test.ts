// The sandbox speaks the real wire formats: ARM `properties` nesting and casing, Graph 404 bodies, Kubernetes
// lists with `continue` tokens (checked with kubectl itself when it is installed).

import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "node:https";
import { toArmWire } from "../../src/sandbox/wire.js";
import { repoRoot, requireShared } from "../paths.js";
import { withSandbox } from "./harness.js";

const run = promisify(execFile);
const demo = () => join(repoRoot(), "examples", "demo-broken-cluster");

function get(url: string, ca: string, headers: Record<string, string> = { authorization: "Bearer t" }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, headers }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("az-flattened objects are served in ARM wire shape", () => {
  const az = JSON.parse(readFileSync(join(demo(), "aks-show.json"), "utf8")) as Record<string, unknown>;
  const wire = toArmWire(az as never) as Record<string, Record<string, unknown>>;
  assert.equal(wire["resourceGroup"], undefined);
  const props = wire["properties"]!;
  assert.ok(props["agentPoolProfiles"], "agentPoolProfiles moved under properties");
  assert.equal(wire["agentPoolProfiles"], undefined);
  const ipRule = toArmWire({ id: "/subscriptions/s/resourceGroups/r/providers/Microsoft.ContainerRegistry/registries/x", networkRuleSet: { ipRules: [{ action: "Allow", ipAddressOrRange: "1.2.3.4" }] }, policies: { azureAdAuthenticationAsArmPolicy: { status: "disabled" } }, enableRbac: true, x: null });
  assert.deepEqual(ipRule["properties"], { networkRuleSet: { ipRules: [{ action: "Allow", value: "1.2.3.4" }] }, policies: { azureADAuthenticationAsArmPolicy: { status: "disabled" } }, enableRBAC: true });
});

test("ARM lists page with nextLink, unknown resources 404 with ARM's error body, requests are recorded", async () => {
  await withSandbox(demo(), async (sb) => {
    const ca = readFileSync(sb.caFile, "utf8");
    const first = await get(`${sb.url}/subscriptions/${sb.subscriptionId}/providers/Microsoft.ContainerRegistry/registries?api-version=2025-11-01`, ca);
    const page = JSON.parse(first.body) as { value: unknown[]; nextLink?: string };
    assert.equal(page.value.length, 2);
    assert.ok(page.nextLink?.startsWith(sb.url));
    const second = JSON.parse((await get(page.nextLink!, ca)).body) as { value: { properties: { loginServer: string } }[]; nextLink?: string };
    assert.equal(second.value.length, 1);
    assert.equal(second.nextLink, undefined);
    assert.ok(second.value[0]!.properties.loginServer.endsWith(".azurecr.io"));
    const missing = await get(`${sb.url}/subscriptions/${sb.subscriptionId}/resourceGroups/x/providers/Microsoft.Network/publicIPAddresses/nope`, ca);
    assert.equal(missing.status, 404);
    assert.equal((JSON.parse(missing.body) as { error: { code: string } }).error.code, "ResourceNotFound");
    const unauth = await get(`${sb.url}/subscriptions/${sb.subscriptionId}/providers/Microsoft.ContainerRegistry/registries`, ca, {});
    assert.equal(unauth.status, 401);
    assert.deepEqual(sb.requests.map((r) => r.status), [200, 200, 404, 401]);
  });
});

test("Graph answers a deleted principal with its real 404 body", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  await withSandbox(join(shared, "scenarios", "sp-deleted"), async (sb) => {
    const ca = readFileSync(sb.caFile, "utf8");
    const r = await get(`${sb.url}/v1.0/directoryObjects/2e01ea31-e519-4791-aae4-88cc29e105a1`, ca);
    assert.equal(r.status, 404);
    assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, "Request_ResourceNotFound");
    const q = await get(`${sb.url}/v1.0/servicePrincipals?$filter=${encodeURIComponent("appId eq '00000000-0000-0000-0000-000000000001'")}`, ca);
    assert.deepEqual((JSON.parse(q.body) as { value: unknown[] }).value, []);
  });
});

test("kubectl works against the sandbox, including chunked lists with continue tokens", async (t) => {
  try {
    await run("kubectl", ["version", "--client"]);
  } catch {
    if (process.env.CI === "true") throw new Error("kubectl is not installed: .ci/run must install it (Debian: kubernetes-client)");
    console.warn("\n!!! kubectl not installed: the kubectl fidelity test is SKIPPED (apt-get install kubernetes-client)\n");
    t.skip("kubectl is not installed (Debian: apt-get install kubernetes-client)");
    return;
  }
  await withSandbox(demo(), async (sb) => {
    const table = await run("kubectl", ["--kubeconfig", sb.kubeconfigPath, "get", "events", "-A"]);
    assert.match(table.stdout, /booking-api/);
    const chunked = await run("kubectl", ["--kubeconfig", sb.kubeconfigPath, "get", "pods", "-A", "--chunk-size=2", "-o", "json"]);
    const whole = await run("kubectl", ["--kubeconfig", sb.kubeconfigPath, "get", "pods", "-A", "-o", "json"]);
    const n = (s: string) => (JSON.parse(s) as { items: unknown[] }).items.length;
    assert.ok(n(whole.stdout) > 2);
    assert.equal(n(chunked.stdout), n(whole.stdout));
    assert.ok(sb.requests.some((r) => r.path.includes("continue=")), "kubectl followed a continue token");
  });
});
