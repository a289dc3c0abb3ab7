import { test } from "node:test";
import assert from "node:assert/strict";
import { snapshotFromFiles } from "./read.js";

const doc = {
  kind: "PulldoctorProbeResults", probeVersion: 1,
  results: [{
    probeVersion: 1, ranAt: "2026-11-28T12:00:00Z", registry: "contoso.azurecr.io", image: "contoso.azurecr.io/team/app:1",
    node: { name: "aks-np1-0", os: "linux", arch: "amd64" }, identity: { kind: "managedIdentity", clientId: "c1", secret: "never-kept" },
    steps: [
      { step: "dns", target: "contoso.azurecr.io", status: "ok", data: { addresses: ["10.1.2.5"], privateAnswer: true, nested: { no: 1 } } },
      { step: "tcp", target: "10.1.2.5:443", status: "fail", error: { kind: "timeout", code: "ETIMEDOUT", message: "no answer" } },
      { step: "teleport", target: "x", status: "ok" },
    ],
    source: { file: "live:probe", path: "$" },
  }],
};

test("diagnose --evidence recognises a probe document by its content", () => {
  const s = snapshotFromFiles([{ name: "node-probe.out", content: JSON.stringify(doc) }]);
  assert.equal(s.probeResults.status, "ok");
  const results = s.probeResults.status === "ok" ? s.probeResults.value : [];
  assert.equal(results.length, 1);
  assert.equal(results[0]?.source.file, "node-probe.out");
  assert.equal(results[0]?.source.path, "$.results[0]");
  assert.deepEqual(results[0]?.steps.map((x) => x.step), ["dns", "tcp"], "unknown steps are dropped");
  assert.deepEqual(results[0]?.identity, { kind: "managedIdentity", clientId: "c1" }, "unknown identity fields are dropped");
  assert.equal(results[0]?.steps[0]?.data?.nested, undefined);
  assert.equal(s.input.files[0]?.status, "used");
  assert.deepEqual(s.input.files[0]?.kinds, ["probeResults"]);
});

test("a probe document of a future version is skipped with a reason", () => {
  const s = snapshotFromFiles([{ name: "probe.json", content: JSON.stringify({ ...doc, probeVersion: 2 }) }]);
  assert.equal(s.probeResults.status, "skipped");
  assert.match(s.input.files[0]?.reason ?? "", /version 2/);
});
