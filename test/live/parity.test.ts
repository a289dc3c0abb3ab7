// Parity by construction: the same folder served by the sandbox and read as evidence gives the same findings,
// and the live run is read-only (GETs, plus the token POSTs of sign-in).

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { requireShared, repoRoot } from "../paths.js";
import { scoreScenario, type Expected } from "../expectations.js";
import { findingKeys, liveAgainst, offline, withSandbox } from "./harness.js";
import type { RecordedRequest } from "../../src/sandbox/server.js";

const seen: RecordedRequest[] = [];

function folders(t: { skip: (m: string) => void }): string[] {
  const out = [join(repoRoot(), "examples", "demo-broken-cluster")];
  const shared = requireShared(t);
  if (shared) {
    const dir = join(shared, "scenarios");
    for (const name of readdirSync(dir).sort()) if (statSync(join(dir, name)).isDirectory()) out.push(join(dir, name));
  }
  return out;
}

test("live diagnose against the sandbox finds what diagnose --evidence finds, for every scenario and the demo", async (t) => {
  const dirs = folders(t);
  assert.ok(dirs.length >= 2 || !dirs[0]!.includes("demo") || dirs.length === 1);
  for (const dir of dirs) {
    await t.test(dir.split("/").pop()!, async () => {
      const expected = JSON.parse(readFileSync(join(dir, "expected.json"), "utf8")) as Expected;
      const off = await offline(dir);
      await withSandbox(dir, async (sb) => {
        const { report, snapshot } = await liveAgainst(sb);
        seen.push(...sb.requests);
        assert.equal(snapshot.input.kind, "live");
        assert.deepEqual(findingKeys(report), findingKeys(off));
        // not vacuous: the live report is itself a correct diagnosis of the scenario
        assert.deepEqual(scoreScenario(report, expected), []);
        // every finding's evidence points at live calls or at nothing read from files
        for (const f of report.findings) for (const e of f.evidence) assert.ok(!/\.json$/.test(e.source), `${f.code} cites file ${e.source}`);
        assert.ok(sb.requests.some((r) => r.api === "arm" && r.status === 200), "ARM was read through the sandbox");
        assert.ok(sb.requests.some((r) => r.api === "kube" && r.status === 200), "Kubernetes was read through the sandbox");
      });
    });
  }
});

test("across all those runs the sandbox saw only reads: GET, plus token POSTs", () => {
  assert.ok(seen.length > 50, `expected the parity runs to have made requests, saw ${seen.length}`);
  const writes = seen.filter((r) => r.method !== "GET" && !(r.method === "POST" && r.api === "token"));
  assert.deepEqual(writes.map((r) => `${r.method} ${r.path}`), []);
  // ARM paging was exercised (page size 2)
  assert.ok(seen.some((r) => r.api === "arm" && r.path.includes("$skiptoken=")), "no ARM nextLink page was followed");
});
