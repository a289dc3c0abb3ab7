import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { CLUSTER_ID, REGISTRY_ID, failingReport, healthyReport, makeFinding, makeReport } from "./fixtures.js";
import { escapeInline, renderMarkdown } from "./markdown.js";

const lines = (text: string): string[] => text.split("\n");

/** Cells of a table row, splitting on unescaped pipes the way GFM does. */
function cells(row: string): string[] {
  assert.match(row, /^\| .* \|$/);
  return row
    .slice(2, -2)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

/** The table that starts at the line equal to `header`. */
function tableAt(all: string[], header: string, from = 0): string[][] {
  const start = all.indexOf(header, from);
  assert.notEqual(start, -1, `table ${header}`);
  assert.match(all[start + 1] ?? "", /^\|(---\|)+$/);
  const rows: string[][] = [];
  for (let i = start + 2; i < all.length && (all[i] ?? "").startsWith("|"); i++) rows.push(cells(all[i] ?? ""));
  return rows;
}

describe("renderMarkdown: structure", () => {
  const md = renderMarkdown(failingReport());
  const out = lines(md);

  it("opens with what was diagnosed and the counts", () => {
    assert.equal(out[0], "## pulldoctor diagnosis");
    assert.ok(out.includes(`- **Clusters:** ${CLUSTER_ID}`));
    assert.ok(out.includes(`- **Registries:** ${REGISTRY_ID}`));
    assert.ok(out.some((l) => l.startsWith("- **Input:** evidence ./evidence/aks-prod")));
    assert.ok(out.includes("**3 errors, 2 warnings, 1 info, 2 unknown, 3 passed**"));
  });

  it("has a summary table in flow order, errors first within a stage", () => {
    const rows = tableAt(out, "| Severity | Code | Subject | Title |");
    assert.deepEqual(
      rows.map((r) => r[1]),
      [
        "`SP_SECRET_EXPIRED`",
        "`SP_SECRET_EXPIRING`",
        "`RBAC_PULL_ROLE_MISSING`",
        "`RBAC_OVERPRIVILEGED`",
        "`NET_FIREWALL_DENIES_CLUSTER`",
        "`CFG_ANONYMOUS_PULL_ENABLED`",
      ],
    );
    for (const r of rows) assert.equal(r.length, 4);
    assert.deepEqual(rows[0]?.slice(0, 1), ["✖ error"]);
    assert.deepEqual(rows[1]?.slice(0, 1), ["▲ warning"]);
  });

  it("has one ### section per finding, with message, evidence table and a sh fix block", () => {
    assert.equal(out.filter((l) => l.startsWith("### ")).length, 6);
    const h = out.indexOf("### ✖ error: `RBAC_PULL_ROLE_MISSING` Kubelet identity cannot pull from acrprod");
    assert.notEqual(h, -1);
    const section = out.slice(h, out.findIndex((l, i) => i > h && l.startsWith("##")));
    assert.ok(section.some((l) => l.startsWith("No role assignment grants registries/pull/read")));
    const fence = section.indexOf("```sh");
    assert.notEqual(fence, -1);
    assert.deepEqual(section.slice(fence + 1, fence + 4), [
      `az role assignment create --assignee 1111-2222 --role AcrPull --scope ${REGISTRY_ID}`,
      "kubectl rollout restart deployment/api -n shop",
      "```",
    ]);
    const fw = out.indexOf("### ✖ error: `NET_FIREWALL_DENIES_CLUSTER` Registry firewall denies the cluster's egress IP");
    const evidence = tableAt(out, "| Source | Path | Observed | Expected |", fw);
    assert.deepEqual(evidence, [
      ["acr.json", "$\\[0\\].networkRuleSet.defaultAction", "Deny", ""],
      ["acr.json", "$\\[0\\].networkRuleSet.ipRules\\[\\*\\].ipAddressOrRange", "203.0.113.0/24", "a range containing 198.51.100.7"],
    ]);
  });

  it("puts findings under stage headings in flow order", () => {
    const stages = out.filter((l) => l.startsWith("## ")).slice(1);
    assert.deepEqual(stages, [
      "## Identity (service principal / managed identity)",
      "## RBAC (who may pull, at which scope)",
      "## Network (DNS, firewall, Private Link, egress)",
      "## Registry configuration",
      "## Could not check (2)",
    ]);
  });

  it("lists unknowns with check, subject and reason, and passes in a collapsed block", () => {
    const at = out.indexOf("## Could not check (2)");
    assert.ok(out.slice(at).includes("- **Node identity matches kubelet identity**: no node-side probe result in the evidence"));
    assert.ok(out.includes("<summary>Passed (3)</summary>"));
    assert.ok(md.endsWith("</details>\n"));
  });

  it("says no error found for a healthy report", () => {
    const healthy = renderMarkdown(healthyReport());
    assert.match(healthy, /\n\*\*0 errors, 0 warnings, 0 unknown, 2 passed\*\*\n\nNo error found; every check could run\.\n/);
    assert.doesNotMatch(healthy, /\| Severity \|/);
  });
});

describe("renderMarkdown: escaping", () => {
  const hostile = makeReport({
    findings: [
      makeFinding({
        code: "PULL_FAILURE_UNCLASSIFIED",
        stage: "image",
        title: "a | b <script>alert(1)</script>",
        message: "- not a list\n# not a heading `code` *em* [x](javascript:alert(1)) <img src=x onerror=alert(1)>",
        subject: "pod/ns/a|b",
        evidence: [
          { source: "events.json", path: "$[0].message", observed: "Failed | to pull\nrpc error: <b>", expected: "x`y`|z" },
        ],
        remediation: ["echo ``` done", "kubectl get pod <name>"],
        docs: "javascript:alert(1)",
      }),
    ],
    unknown: [{ check: "<script>", rule: "r", stage: "rbac", subject: "a|b", reason: "1. not a list" }],
    passed: [{ check: "1. x", rule: "r", stage: "rbac", message: "ok" }],
  });
  const md = renderMarkdown(hostile);
  const out = lines(md);

  it("a | in a value does not break a table", () => {
    const summary = tableAt(out, "| Severity | Code | Subject | Title |");
    assert.equal(summary.length, 1);
    assert.equal(summary[0]?.length, 4);
    assert.equal(summary[0]?.[2], "pod/ns/a\\|b");
    const evidence = tableAt(out, "| Source | Path | Observed | Expected |");
    assert.equal(evidence.length, 1, "a newline in a value does not end the row either");
    assert.equal(evidence[0]?.length, 4);
    assert.equal(evidence[0]?.[2], "Failed \\| to pull<br>rpc error: &lt;b&gt;");
    assert.equal(evidence[0]?.[3], "x\\`y\\`\\|z");
  });

  it("no dynamic text survives as an HTML tag outside a code block", () => {
    const outsideFences = md.replace(/^(`{3,})sh\n[\s\S]*?\n\1$/gm, "");
    assert.doesNotMatch(outsideFences, /<script|<img|<b>|<name>/i);
    assert.match(md, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    // the only tags left are the ones the reporter writes itself
    for (const tag of outsideFences.match(/<[^>]*>/g) ?? []) {
      assert.ok(["<br>", "<details>", "</details>", "<summary>", "</summary>"].includes(tag), tag);
    }
  });

  it("escapes markdown that would restructure the message", () => {
    // only the paragraph's first line starts a block; after <br> a "#" is plain text
    assert.ok(out.includes("\\- not a list<br># not a heading \\`code\\` \\*em\\* \\[x\\](javascript:alert(1)) &lt;img src=x onerror=alert(1)&gt;"));
    assert.ok(out.includes("- **&lt;script&gt;** (a\\|b): 1. not a list"));
    assert.ok(out.includes("- 1\\. x: ok"));
    assert.ok(out.includes("Docs: javascript:alert(1)"), "not turned into a link");
  });

  it("keeps commands verbatim inside a fence they cannot close", () => {
    const open = out.indexOf("````sh");
    assert.notEqual(open, -1);
    assert.deepEqual(out.slice(open + 1, open + 4), ["echo ``` done", "kubectl get pod <name>", "````"]);
  });

  it("escapeInline strips control characters", () => {
    assert.equal(escapeInline("a\u001b[31mb\u0007c"), "abc");
  });
});
