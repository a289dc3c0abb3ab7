// The live collector against the REAL @azure/arm-resourcegraph client, with a fake transport at the SDK's HTTP
// client boundary (ms-rest-js `httpClient`): paging with $skipToken, one throttled (429) page, the quota headers.
// (test/audit/live-sandbox.test.ts runs the same collector through the CLI against the HTTPS sandbox's Resource Graph.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { ResourceGraphClient } from "@azure/arm-resourcegraph";
import { HttpHeaders, type HttpOperationResponse, type WebResourceLike } from "@azure/ms-rest-js";
import { authorizationScopeFilterPolicy, collectFleet, FLEET_QUERIES, lookupApps, SCOPE_FILTER_API_VERSION, parseResetsAfter, parseRetryAfter, queryAll, resourceGraphFromSdk, ResourceGraphHttpError, withoutSdkThrottlingRetry, type GraphBatchRequest, type ResourceGraph } from "../../src/audit/live.js";
import { audit } from "../../src/audit/audit.js";
import { FACT_KEYS } from "../../src/snapshot/types.js";

const SUB = "5bd21b6a-ec89-47a6-8a0a-c984f71ab247";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-fleet`;
const ACR = `${RG}/providers/Microsoft.ContainerRegistry/registries/fleetacr`;
const SP_APP = "0d3b0c55-7a16-4a9e-9a53-1b7f6f0e2a10";
const SP_OBJ = "6a1f3c1e-52ad-4d86-9d0f-3c4c7e2b8f01";

function clusterRow(i: number, sp = false) {
  const name = `aks-${i}`;
  return {
    id: `${RG}/providers/Microsoft.ContainerService/managedClusters/${name}`,
    name,
    type: "microsoft.containerservice/managedclusters",
    location: "westeurope",
    resourceGroup: "rg-fleet",
    subscriptionId: SUB,
    identity: sp ? null : { type: "SystemAssigned", principalId: `00000000-0000-4000-8000-0000000000c${i}` },
    properties: {
      nodeResourceGroup: `MC_rg-fleet_${name}_westeurope`,
      servicePrincipalProfile: { clientId: sp ? SP_APP : "msi" },
      ...(sp ? {} : { identityProfile: { kubeletidentity: { clientId: `00000000-0000-4000-8000-0000000000a${i}`, objectId: `00000000-0000-4000-8000-0000000000b${i}`, resourceId: `/subscriptions/${SUB}/resourceGroups/MC_rg-fleet_${name}_westeurope/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}-agentpool` } } }),
      agentPoolProfiles: [{ name: "system", mode: "System", osType: "Linux", count: 3 }],
    },
  };
}

const registryRow = { id: ACR, name: "fleetacr", type: "microsoft.containerregistry/registries", location: "westeurope", resourceGroup: "rg-fleet", subscriptionId: SUB, sku: { name: "Standard" }, properties: { loginServer: "fleetacr.azurecr.io", adminUserEnabled: true, anonymousPullEnabled: false, publicNetworkAccess: "Enabled", roleAssignmentMode: "LegacyRegistryPermissions" } };
const assignmentRow = (principalId: string, n: number) => ({ id: `${ACR}/providers/Microsoft.Authorization/roleAssignments/0000000${n}-0000-4000-8000-000000000000`, name: `0000000${n}-0000-4000-8000-000000000000`, type: "microsoft.authorization/roleassignments", properties: { scope: ACR, principalId, principalType: "ServicePrincipal", roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/7f951dda-4ed3-4680-a7ca-43fe172d538d` } });

interface Seen { query: string; skipToken?: string; top?: number; subscriptions?: string[]; status: number }

/** A fake Resource Graph endpoint: clusters in three pages, the second throttled once; quota exhausted after page one. */
function fakeTransport(seen: Seen[], opts: { alwaysThrottle?: boolean; retryAfter?: string } = {}) {
  let throttledOnce = false;
  return {
    async sendRequest(req: WebResourceLike): Promise<HttpOperationResponse> {
      assert.match(req.url, /\/providers\/Microsoft\.ResourceGraph\/resources\?api-version=/);
      const body = JSON.parse(String(req.body)) as { query: string; subscriptions?: string[]; options?: { $skipToken?: string; $top?: number; resultFormat?: string } };
      const skipToken = body.options?.$skipToken;
      const reply = (status: number, json: unknown, headers: Record<string, string> = {}): HttpOperationResponse => {
        seen.push({ query: body.query, ...(skipToken ? { skipToken } : {}), ...(body.options?.$top ? { top: body.options.$top } : {}), ...(body.subscriptions ? { subscriptions: body.subscriptions } : {}), status });
        return { request: req, status, headers: new HttpHeaders({ "content-type": "application/json", "x-ms-user-quota-remaining": "10", "x-ms-user-quota-resets-after": "00:00:05", ...headers }), bodyAsText: JSON.stringify(json) };
      };
      const page = (data: unknown[], next?: string, headers: Record<string, string> = {}) => reply(200, { totalRecords: 3, count: data.length, resultTruncated: "false", ...(next ? { $skipToken: next } : {}), data, facets: [] }, headers);
      if (/managedclusters/.test(body.query)) {
        if (opts.alwaysThrottle) return reply(429, { error: { code: "RateLimiting", message: "Please provide below info when asking for support" } }, { "retry-after": opts.retryAfter ?? "1" });
        if (!skipToken) return page([clusterRow(1)], "page-2", { "x-ms-user-quota-remaining": "0", "x-ms-user-quota-resets-after": "00:00:03" });
        if (skipToken === "page-2" && !throttledOnce) {
          throttledOnce = true;
          return reply(429, { error: { code: "RateLimiting", message: "Please provide below info when asking for support" } }, { "retry-after": opts.retryAfter ?? "7" });
        }
        if (skipToken === "page-2") return page([clusterRow(2)], "page-3");
        return page([clusterRow(3, true)]);
      }
      if (/containerregistry/.test(body.query)) return page([registryRow]);
      if (/roleassignments/.test(body.query)) return page([assignmentRow("00000000-0000-4000-8000-0000000000b1", 1), assignmentRow(SP_OBJ, 2)]);
      return page([]);
    },
  };
}

function sdkGraph(seen: Seen[], opts: { alwaysThrottle?: boolean; retryAfter?: string } = {}): ResourceGraph {
  const client = new ResourceGraphClient(
    { getToken: async () => ({ token: "not-a-real-token", expiresOnTimestamp: Date.now() + 3_600_000 }) },
    { httpClient: fakeTransport(seen, opts), requestPolicyFactories: (defaults) => withoutSdkThrottlingRetry(defaults), noRetryPolicy: true },
  );
  return resourceGraphFromSdk(client);
}

const spBody = { id: SP_OBJ, appId: SP_APP, displayName: "aks-3-sp", accountEnabled: true, servicePrincipalType: "Application", passwordCredentials: [], keyCredentials: [], alternativeNames: [] };
const appBody = { id: "7b0c1f4e-1111-4000-8000-000000000001", appId: SP_APP, displayName: "aks-3-sp", keyCredentials: [], passwordCredentials: [{ keyId: "9f0c1f4e-2222-4000-8000-000000000002", displayName: "rbac", endDateTime: "2026-12-05T00:00:00Z", hint: "Zr1" }] };

test("the real Resource Graph client pages with $skipToken, waits out the quota and one 429, and the rows become a snapshot", async () => {
  const seen: Seen[] = [];
  const sleeps: number[] = [];
  const batches: GraphBatchRequest[][] = [];
  let appThrottled = false;
  const { snapshot, stats } = await collectFleet(
    {
      resourceGraph: sdkGraph(seen),
      graphBatch: async (requests) => {
        batches.push(requests);
        return requests.map((r) => {
          if (r.url.startsWith("/applications") && !appThrottled) {
            appThrottled = true;
            return { id: r.id, status: 429, headers: { "Retry-After": "2" } };
          }
          return { id: r.id, status: 200, body: r.url.startsWith("/servicePrincipals") ? spBody : appBody };
        });
      },
    },
    { subscriptions: [SUB] },
    { sleep: async (ms) => void sleeps.push(ms), now: new Date("2026-11-28T12:00:00Z"), pageSize: 1 },
  );
  const clusterCalls = seen.filter((s) => /managedclusters/.test(s.query));
  assert.deepEqual(clusterCalls.map((s) => [s.skipToken ?? "-", s.status]), [["-", 200], ["page-2", 429], ["page-2", 200], ["page-3", 200]]);
  assert.ok(seen.every((s) => s.top === 1 && s.subscriptions?.[0] === SUB), "every request carries $top and the subscriptions");
  assert.deepEqual(sleeps, [3000, 7000, 2000], "quota reset (00:00:03), then Retry-After 7 s, then the Graph item's Retry-After 2 s");
  assert.equal(stats.throttled, 2);
  assert.equal(stats.pages.clusters, 3);
  assert.deepEqual(batches.map((b) => b.length), [2, 1], "one $batch of both lookups, then only the throttled one again");

  assert.equal(snapshot.input.kind, "live");
  assert.deepEqual(snapshot.clusters.status === "ok" && snapshot.clusters.value.map((c) => c.name), ["aks-1", "aks-2", "aks-3"]);
  assert.equal(snapshot.roleAssignments.status === "ok" && snapshot.roleAssignments.value.length, 2);
  assert.equal(snapshot.applications.status === "ok" && snapshot.applications.value[0]?.passwordCredentials[0]?.endDateTime, "2026-12-05T00:00:00Z");

  const result = audit(snapshot, { expiringWithinDays: 30 });
  const codes = (name: string) => result.clusters.find((c) => c.name === name)!.findings.map((f) => f.code).sort();
  assert.deepEqual(codes("aks-1"), ["CFG_ADMIN_USER_ENABLED"]);
  assert.deepEqual(codes("aks-2"), ["CFG_ADMIN_USER_ENABLED", "RBAC_PULL_ROLE_MISSING"]);
  assert.deepEqual(codes("aks-3"), ["CFG_ADMIN_USER_ENABLED", "SP_SECRET_EXPIRING"]);
});

test("a throttled query is retried a bounded number of times, and each wait is capped", async () => {
  const seen: Seen[] = [];
  const sleeps: number[] = [];
  const graph = sdkGraph(seen, { alwaysThrottle: true, retryAfter: "3600" });
  const ctx = { pageSize: 1000, maxRetries: 3, maxWaitMs: 10_000, sleep: async (ms: number) => void sleeps.push(ms), stats: { requests: 0, throttled: 0, waitedMs: 0, pages: {} } };
  await assert.rejects(
    queryAll(graph, "clusters", { kql: "resources | where type =~ 'microsoft.containerservice/managedclusters' | project id" }, { subscriptions: [SUB] }, ctx, () => assert.fail("no page expected")),
    (e: unknown) => e instanceof ResourceGraphHttpError && e.status === 429,
  );
  assert.equal(seen.length, 3, "three attempts, then the 429 is reported");
  assert.deepEqual(sleeps, [10_000, 10_000], "Retry-After 3600 s is cut to the 10 s cap");
});

test("more than 300 subscriptions are queried in batches of at most 300", async () => {
  const requests: (string[] | undefined)[] = [];
  const graph: ResourceGraph = async (r) => {
    requests.push(r.subscriptions);
    return { data: [] };
  };
  const subs = Array.from({ length: 650 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
  const ctx = { pageSize: 1000, maxRetries: 3, maxWaitMs: 1000, sleep: async () => {}, stats: { requests: 0, throttled: 0, waitedMs: 0, pages: {} } };
  await queryAll(graph, "x", { kql: "resources | project id" }, { subscriptions: subs }, ctx, () => {});
  assert.deepEqual(requests.map((r) => r?.length), [300, 300, 50]);
  assert.deepEqual(requests.flat(), subs);
});

test("Graph lookups go 20 to a batch; a deleted app's 404 body becomes a not-found lookup", async () => {
  const appIds = Array.from({ length: 15 }, (_, i) => `11111111-0000-4000-8000-${String(i).padStart(12, "0")}`);
  const sizes: number[] = [];
  const answers: { url: string; status: number }[] = [];
  const ctx = { pageSize: 1000, maxRetries: 3, maxWaitMs: 1000, sleep: async () => {}, stats: { requests: 0, throttled: 0, waitedMs: 0, pages: {} } };
  await lookupApps(async (reqs) => {
    sizes.push(reqs.length);
    return reqs.map((r) => ({ id: r.id, status: 404, body: { error: { code: "Request_ResourceNotFound", message: `Resource '${r.url.match(/'([^']+)'/)![1]}' does not exist or one of its queried reference-property objects are not present.` } } }));
  }, appIds, ctx, (url, r) => answers.push({ url, status: r.status }));
  assert.deepEqual(sizes, [20, 10], "30 lookups (SP and app per id) in batches of 20");
  assert.equal(answers.length, 30);

  const { snapshot } = await collectFleet(
    { resourceGraph: async (r) => ({ data: /managedclusters/.test(r.query) ? [clusterRow(3, true)] : [] }), graphBatch: async (reqs) => reqs.map((r) => ({ id: r.id, status: 404, body: { error: { code: "Request_ResourceNotFound", message: `Resource '${SP_APP}' does not exist or one of its queried reference-property objects are not present.` } } })) },
    {},
    { sleep: async () => {}, now: new Date("2026-11-28T12:00:00Z") },
  );
  assert.ok(snapshot.directoryLookups.status === "ok" && snapshot.directoryLookups.value.some((l) => l.id === SP_APP && !l.found));
  const result = audit(snapshot);
  assert.deepEqual(result.clusters[0]!.findings.map((f) => f.code), ["SP_NOT_FOUND"]);
});

test("throttling headers parse", () => {
  assert.equal(parseResetsAfter("00:00:03"), 3000);
  assert.equal(parseResetsAfter("01:02:03"), 3_723_000);
  assert.equal(parseResetsAfter("soon"), undefined);
  assert.equal(parseRetryAfter("7"), 7000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
  assert.equal(parseRetryAfter(undefined), undefined);
});

test("the same rows saved as `az graph query` exports audit exactly like the live collection", async () => {
  const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { readEvidenceFolder } = await import("../../src/evidence/read.js");
  const rows: Record<string, unknown[]> = { clusters: [clusterRow(1), clusterRow(2), clusterRow(3, true)], registries: [registryRow], roleAssignments: [assignmentRow("00000000-0000-4000-8000-0000000000b1", 1), assignmentRow(SP_OBJ, 2)] };
  const graph: ResourceGraph = async (r) => ({ data: /managedclusters/.test(r.query) ? rows.clusters! : /containerregistry/.test(r.query) ? rows.registries! : /roleassignments/.test(r.query) ? rows.roleAssignments! : [] });
  const now = new Date("2026-11-28T12:00:00Z");
  const live = await collectFleet({ resourceGraph: graph, graphBatch: async (reqs) => reqs.map((r) => ({ id: r.id, status: 200, body: r.url.startsWith("/servicePrincipals") ? spBody : appBody })) }, {}, { sleep: async () => {}, now });

  const dir = mkdtempSync(join(tmpdir(), "pulldoctor-arg-"));
  try {
    // az graph query -q "..." -o json prints {count, data, skip_token, total_records}
    for (const [name, data] of Object.entries(rows)) writeFileSync(join(dir, `graph-${name}.json`), JSON.stringify({ count: data.length, data, skip_token: null, total_records: data.length }, null, 2));
    writeFileSync(join(dir, "sp-show.json"), JSON.stringify(spBody));
    writeFileSync(join(dir, "app-show.json"), JSON.stringify(appBody));
    const offline = await readEvidenceFolder(dir, { now });
    const summarise = (r: ReturnType<typeof audit>) => r.clusters.map((c) => `${c.name}: ${c.findings.map((f) => `${f.code}@${f.subject}`).sort().join(", ")}`).sort();
    const a = summarise(audit(offline));
    assert.ok(a.some((x) => x.includes("SP_SECRET_EXPIRING")), "the export yields findings");
    assert.deepEqual(a, summarise(audit(live.snapshot)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the SDK drops authorizationScopeFilter; the policy puts it back into the body, on an api-version that has it, for the queries that ask", async () => {
  const sent: { url: string; body: { query: string; options?: Record<string, unknown> }; marker: string | undefined }[] = [];
  const client = new ResourceGraphClient(
    { getToken: async () => ({ token: "not-a-real-token", expiresOnTimestamp: Date.now() + 3_600_000 }) },
    {
      httpClient: {
        async sendRequest(req: WebResourceLike): Promise<HttpOperationResponse> {
          sent.push({ url: req.url, body: JSON.parse(String(req.body)) as { query: string }, marker: req.headers.get("x-pulldoctor-authorization-scope-filter") });
          return { request: req, status: 200, headers: new HttpHeaders({ "content-type": "application/json" }), bodyAsText: JSON.stringify({ totalRecords: 0, count: 0, resultTruncated: "false", data: [], facets: [] }) };
        },
      },
      noRetryPolicy: true,
      requestPolicyFactories: (defaults) => [...withoutSdkThrottlingRetry(defaults), authorizationScopeFilterPolicy() as (typeof defaults)[number]],
    },
  );
  const graph = resourceGraphFromSdk(client);
  await collectFleet({ resourceGraph: graph }, { subscriptions: [SUB] }, { now: new Date("2026-11-28T12:00:00Z") });
  const filtered = sent.filter((r) => r.body.options?.["authorizationScopeFilter"] !== undefined);
  assert.deepEqual(filtered.map((r) => r.body.options?.["authorizationScopeFilter"]), ["AtScopeAboveAndBelow", "AtScopeAboveAndBelow"]);
  assert.ok(filtered.every((r) => /^authorizationresources/.test(r.body.query)), "role assignments and custom roles only");
  assert.ok(filtered.every((r) => new URL(r.url).searchParams.get("api-version") === SCOPE_FILTER_API_VERSION));
  const plain = sent.filter((r) => r.body.options?.["authorizationScopeFilter"] === undefined);
  assert.ok(plain.length >= 10 && plain.every((r) => new URL(r.url).searchParams.get("api-version") === "2021-03-01"), "the other queries keep the SDK's api-version");
  assert.ok(sent.every((r) => r.marker === undefined), "the marker header never leaves the process");
  assert.ok(sent.some((r) => /^resourcecontainers/.test(r.body.query)), "the subscriptions' ancestry is queried");
});

test("deny assignments come from ARM per subscription; one unreadable subscription makes the fact unknown, never partly ok", async () => {
  const SUB2 = "7c1e2d3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f";
  const deny = { id: `/subscriptions/${SUB}/providers/Microsoft.Authorization/denyAssignments/d1`, name: "d1", type: "Microsoft.Authorization/denyAssignments", properties: { denyAssignmentName: "stack-deny", scope: `/subscriptions/${SUB}`, permissions: [{ actions: ["*"], notActions: [], dataActions: [], notDataActions: [] }], principals: [{ id: "00000000-0000-0000-0000-000000000000", type: "SystemDefined" }], excludePrincipals: [], doNotApplyToChildScopes: false } };
  // the tenant scope: Resource Graph lists the subscriptions, and each is read from ARM
  const graph: ResourceGraph = async (r) => ({ data: /resourcecontainers/.test(r.query) ? [{ id: `/subscriptions/${SUB}`, subscriptionId: SUB, type: "microsoft.resources/subscriptions", properties: {} }, { id: `/subscriptions/${SUB2}`, subscriptionId: SUB2, type: "microsoft.resources/subscriptions", properties: {} }] : [] });
  const asked: string[] = [];
  const run = (fail: boolean, withArm = true) =>
    collectFleet({ resourceGraph: graph, ...(withArm ? { denyAssignments: async (sub: string) => { asked.push(sub); if (fail && sub === SUB2) throw new Error("HTTP 403 AuthorizationFailed: no Microsoft.Authorization/denyAssignments/read"); return { value: sub === SUB ? [deny] : [] }; } } : {}) }, {}, { now: new Date("2026-11-28T12:00:00Z") });

  const ok = (await run(false)).snapshot;
  assert.deepEqual(asked.sort(), [SUB, SUB2].sort(), "every subscription Resource Graph listed");
  assert.equal(ok.denyAssignments.status === "ok" && ok.denyAssignments.value.map((d) => d.name).join(), "stack-deny");

  const failed = (await run(true)).snapshot;
  assert.equal(failed.denyAssignments.status, "error");
  assert.match(failed.denyAssignments.status === "error" ? failed.denyAssignments.message : "", /1 of 2 subscriptions could not be read: GET \/subscriptions\/7c1e2d3f-[^ ]+ .*403/);
  assert.ok(failed.input.files.some((f) => f.status === "error" && f.file.includes(SUB2)), "the failed read is listed as an input error");

  const none = (await run(false, false)).snapshot;
  assert.equal(none.denyAssignments.status, "skipped");
});

test("a query answered with no rows makes its fact known and empty (the scope has none), not missing", async () => {
  const graph: ResourceGraph = async () => ({ data: [] });
  const { snapshot } = await collectFleet({ resourceGraph: graph }, { subscriptions: [SUB] }, { now: new Date("2026-11-28T12:00:00Z") });
  const okEmpty = FACT_KEYS.filter((k) => snapshot[k].status === "ok" && (snapshot[k] as { value: unknown[] }).value.length === 0);
  assert.deepEqual(okEmpty.sort(), ["clusters", "natGateways", "networkSecurityGroups", "privateDnsVnetLinks", "privateDnsZones", "privateEndpoints", "publicIps", "registries", "roleAssignments", "roleDefinitions", "routeTables", "subscriptions", "userAssignedIdentities", "virtualNetworks", "vmssIdentities"].sort());
  assert.equal(snapshot.events.status, "skipped", "what no query reads stays missing");
  assert.equal(Object.keys(FLEET_QUERIES).length, 15, "one fact per query");
});
