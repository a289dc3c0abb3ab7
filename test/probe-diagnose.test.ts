import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync, cpSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "./cli-harness.js";
import { requireShared } from "./paths.js";

// A node-side probe result dropped into an evidence folder is read like any other evidence and feeds the same rules.
function probeDoc(registry: string, image: string, steps: object[]): string {
  return JSON.stringify({ kind: "PulldoctorProbeResults", probeVersion: 1, results: [{ probeVersion: 1, ranAt: "2026-11-28T11:00:00Z", registry, image, node: { name: "aks-system-0", os: "linux", arch: "amd64" }, identity: { kind: "managedIdentity" }, steps, source: { file: "probe", path: "$" } }] });
}

test("probe results in an evidence folder produce findings through diagnose", async (t) => {
  const shared = requireShared(t);
  if (!shared) return;
  const cases: { steps: object[]; code: string }[] = [
    { steps: [{ step: "dns", target: "fourthcoffeeorders.azurecr.io", status: "fail", error: { kind: "nxdomain", code: "ENOTFOUND", message: "queryA ENOTFOUND fourthcoffeeorders.azurecr.io" } }], code: "NET_DNS_FAILURE" },
    { steps: [{ step: "dns", target: "fourthcoffeeorders.azurecr.io", status: "ok", data: { addresses: ["20.1.2.3"] } }, { step: "tls", target: "fourthcoffeeorders.azurecr.io:443", status: "fail", error: { kind: "tls", code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE", message: "unable to verify the first certificate; issuer CN=Contoso Inspection CA" } }], code: "NET_TLS_INTERCEPTED" },
  ];
  for (const c of cases) {
    const dir = mkdtempSync(join(tmpdir(), "pd-probe-"));
    cpSync(join(shared, "scenarios", "image-tag-not-found"), dir, { recursive: true });
    writeFileSync(join(dir, "probe-result.json"), probeDoc("fourthcoffeeorders.azurecr.io", "fourthcoffeeorders.azurecr.io/orders/orders-api:3.9.0", c.steps));
    const r = await runCli(["diagnose", "--evidence", dir, "--format", "json", "--now", "2026-11-28T12:00:00Z"]);
    const report = JSON.parse(r.stdout) as { findings: { code: string; evidence: { source: string }[] }[] };
    const f = report.findings.find((x) => x.code === c.code);
    assert.ok(f, `${c.code} expected, got ${report.findings.map((x) => x.code).join(", ")}`);
    assert.ok(f.evidence.some((e) => e.source === "probe-result.json"), "the probe file is cited as evidence");
  }
});
