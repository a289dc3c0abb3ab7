import { test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../cli-harness.js";

test("pulldoctor demo runs the real live diagnose against the sandbox and prints the report", async () => {
  const r = await runCli(["demo", "--format", "json"]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { inputs: { kind: string }; findings: { code: string; evidence: { source: string }[] }[] };
  assert.equal(report.inputs.kind, "live");
  const codes = new Set(report.findings.map((f) => f.code));
  for (const c of ["RBAC_WRONG_PRINCIPAL", "NET_FIREWALL_DENIES_CLUSTER", "IMG_TAG_NOT_FOUND", "EXT_RATE_LIMITED"]) assert.ok(codes.has(c), `missing ${c}`);
  assert.ok(report.findings.every((f) => f.evidence.every((e) => e.source.startsWith("live:"))), "evidence cites live calls");
});

test("pulldoctor diagnose -g without -n is a one-line usage error", async () => {
  const r = await runCli(["diagnose", "-g", "rg"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^pulldoctor: live diagnosis needs both -g RESOURCE_GROUP and -n CLUSTER\n$/);
});
