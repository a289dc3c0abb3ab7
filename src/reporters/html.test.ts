import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";

import { STAGES, type Report } from "../engine/types.js";
import { RULES } from "../rules/index.js";
import { CLUSTER_ID, REGISTRY_ID, failingReport, healthyReport, makeFinding, makeReport } from "./fixtures.js";
import { escapeHtml, renderHtml, safeHttpUrl, scrubSecrets, stageStatuses } from "./html.js";
import { renderJunit } from "./junit.js";
import { renderSarif } from "./sarif.js";

/** data-state of each flow node of the SVG, by stage. */
function nodeStates(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<a class="node" href="#stage-([a-z]+)" tabindex="-1" data-stage="([a-z]+)" data-state="([a-z]+)">/g)) {
    assert.equal(m[1], m[2], "a node links to its own stage");
    out[m[2] ?? ""] = m[3] ?? "";
  }
  return out;
}

function count(haystack: string, needle: string | RegExp): number {
  if (typeof needle === "string") return haystack.split(needle).length - 1;
  return [...haystack.matchAll(new RegExp(needle.source, needle.flags.includes("g") ? needle.flags : needle.flags + "g"))].length;
}

/** Tag names of every element start tag, in document order. */
function startTags(html: string): string[] {
  return [...html.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)[\s>/]/g)].map((m) => (m[1] ?? "").toLowerCase());
}

/** A report whose untrusted fields carry what an attacker controlling an event message or a tag could write. */
function hostileReport(): Report {
  return makeReport({
    findings: [
      makeFinding({
        code: "PULL_FAILURE_UNCLASSIFIED",
        stage: "image",
        title: `"><img src=x onerror="window.__pwnedTitle=1">`,
        message: `Back-off pulling image: <script>window.__pwnedMessage=1</script>\n</p></article><iframe src="https://evil.example/">`,
        subject: `pod/shop/api"><svg onload="window.__pwnedSubject=1">`,
        evidence: [
          { source: `events.json<style>`, path: `$.items[0].message'><b>`, observed: `<img src=x onerror=alert(1)> & "quoted"`, expected: `</td></tr></table><script>1</script>` },
        ],
        remediation: [`kubectl get pods </code></pre><script>alert(2)</script>`],
        docs: "javascript:alert(document.domain)",
      }),
      makeFinding({ code: "EXT_UNREACHABLE", stage: "external", title: "data link", message: "m", subject: "docker.io", docs: "data:text/html,<script>alert(3)</script>" }),
    ],
    unknown: [{ check: `<b onmouseover="x()">check</b>`, rule: "img-tag-not-found", stage: "image", reason: `<iframe srcdoc="<script>parent.__pwned=1</script>">` }],
    passed: [{ check: "ok", rule: "img-invalid-reference", stage: "image", subject: "<u>s</u>", message: "<marquee>passed</marquee>" }],
  });
}

describe("stageStatuses", () => {
  it("takes the worst outcome of each stage: an error/warning finding fails it, an unknown leaves it unknown", () => {
    const states = Object.fromEntries(stageStatuses(failingReport()).map((s) => [s.stage, s.state]));
    // identity: an error, a warning and an unknown; rbac: an error and a warning; network: an error and an unknown;
    // registry: only an info finding and passes; image: a pass; external: nothing at all
    assert.deepEqual(states, { identity: "fail", rbac: "fail", network: "fail", registry: "pass", image: "pass", external: "none" });
  });

  it("a warning alone fails a stage; an unknown beats a pass; nothing checked is not a pass", () => {
    const r = makeReport({
      findings: [makeFinding({ code: "RBAC_OVERPRIVILEGED", stage: "rbac" })],
      unknown: [{ check: "dns", rule: "net-dns-failure", stage: "network", reason: "no probe" }],
      passed: [
        { check: "a", rule: "net-egress-blocked", stage: "network", message: "" },
        { check: "b", rule: "img-invalid-reference", stage: "image", message: "" },
      ],
    });
    const states = Object.fromEntries(stageStatuses(r).map((s) => [s.stage, s.state]));
    assert.deepEqual(states, { identity: "none", rbac: "fail", network: "unknown", registry: "none", image: "pass", external: "none" });
  });
});

describe("renderHtml: page structure", () => {
  const html = renderHtml(failingReport());

  it("is one HTML5 document with lang, charset and landmarks", () => {
    assert.ok(html.startsWith("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"));
    assert.ok(html.endsWith("</html>\n"));
    for (const landmark of ["header", "nav", "main", "footer"]) assert.equal(count(html, `<${landmark}`), 1, landmark);
    assert.ok(html.indexOf("<header>") < html.indexOf("<nav ") && html.indexOf("<nav ") < html.indexOf("<main>"));
  });

  it("is self-contained: no script, no external stylesheet, font, image or frame, and a CSP that forbids them", () => {
    const tags = startTags(html);
    for (const banned of ["script", "link", "img", "iframe", "object", "embed", "base", "form"]) assert.ok(!tags.includes(banned), banned);
    assert.doesNotMatch(html, /\ssrc=/i);
    assert.doesNotMatch(html, /@import|@font-face/i);
    // the only url() is the arrow marker, a fragment of the page itself
    assert.deepEqual([...html.matchAll(/url\(([^)]*)\)/g)].map((m) => m[1]), Array(STAGES.length - 1).fill("#arrow"));
    // every href is an in-page fragment or an http(s) rule page
    for (const m of html.matchAll(/href="([^"]*)"/g)) assert.match(m[1] ?? "", /^(#[a-z0-9-]+|https:\/\/(github\.com|pulldoctor\.dev)\/)/);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /script-src|unsafe/);
    // the stylesheet hash in the policy is the hash of the one <style> element, so the page is styled
    const css = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? "";
    assert.ok(css.length > 1000);
    assert.ok(csp.includes(`'sha256-${createHash("sha256").update(css, "utf8").digest("base64")}'`));
  });

  it("has light and dark schemes and a print stylesheet", () => {
    assert.match(html, /<meta name="color-scheme" content="light dark">/);
    assert.match(html, /@media \(prefers-color-scheme: dark\)/);
    assert.match(html, /@media print/);
  });

  it("draws the flow as an accessible SVG: one linked node per stage, in flow order, coloured by state", () => {
    assert.equal(count(html, "<svg"), 1);
    assert.match(html, /<svg class="flow" role="img" aria-labelledby="flow-title flow-desc"/);
    assert.match(html, /<title id="flow-title">Image pull troubleshooting flow<\/title>/);
    assert.match(html, /<desc id="flow-desc">Identity: fail; RBAC: fail; Network: fail; Registry: pass; Image: pass; External: no checks<\/desc>/);
    assert.deepEqual(nodeStates(html), { identity: "fail", rbac: "fail", network: "fail", registry: "pass", image: "pass", external: "none" });
    const order = [...html.matchAll(/<a class="node" href="#stage-([a-z]+)"/g)].map((m) => m[1]);
    assert.deepEqual(order, [...STAGES]);
    // the state is also written, not only coloured
    assert.match(html, /<text class="node-state"[^>]*>✖ fail<\/text>/);
    assert.match(html, /<text class="node-state"[^>]*>✔ pass<\/text>/);
    // and a text list says the same for screen readers and keyboards
    assert.match(html, /<li data-stage="network" data-state="fail"><a href="#stage-network">Network \(DNS, firewall, Private Link, egress\)<\/a> <span class="state state-fail">/);
  });

  it("has a section per stage that every node links to", () => {
    for (const s of STAGES) assert.equal(count(html, `<section class="stage" id="stage-${s}"`), 1, s);
  });

  it("keeps headings in order (h1, then h2 sections, h3 findings, h4 parts) with no level skipped", () => {
    const levels = [...html.matchAll(/<h([1-6])[\s>]/g)].map((m) => Number(m[1]));
    assert.equal(levels[0], 1);
    assert.equal(levels.filter((l) => l === 1).length, 1);
    for (let i = 1; i < levels.length; i++) assert.ok((levels[i] ?? 0) <= (levels[i - 1] ?? 0) + 1, `h${levels[i - 1]} -> h${levels[i]}`);
  });

  it("shows every finding, in flow order, with code, severity, subject, message, evidence, fix and rule page", () => {
    const codes = [...html.matchAll(/<article class="finding finding-(\w+)" id="finding-(\d+)" data-code="([A-Z_]+)"/g)].map((m) => `${m[3]}/${m[1]}#${m[2]}`);
    assert.deepEqual(codes, [
      "SP_SECRET_EXPIRED/error#1",
      "SP_SECRET_EXPIRING/warning#2",
      "RBAC_PULL_ROLE_MISSING/error#3",
      "RBAC_OVERPRIVILEGED/warning#4",
      "NET_FIREWALL_DENIES_CLUSTER/error#5",
      "CFG_ANONYMOUS_PULL_ENABLED/info#6",
    ]);
    const fw = html.slice(html.indexOf('data-code="NET_FIREWALL_DENIES_CLUSTER"'), html.indexOf('data-code="CFG_ANONYMOUS_PULL_ENABLED"'));
    assert.match(fw, /<span class="sev sev-error"><span aria-hidden="true">✖ <\/span>error<\/span> <code class="code">NET_FIREWALL_DENIES_CLUSTER<\/code> <span class="title">Registry firewall denies the cluster&#39;s egress IP<\/span>/);
    assert.ok(fw.includes(`<dt>Subject</dt><dd><code>${REGISTRY_ID}</code></dd>`));
    assert.ok(fw.includes("which does not contain the cluster&#39;s outbound IP 198.51.100.7"));
    assert.equal(count(fw, "<tr><td data-label"), 2);
    assert.ok(fw.includes('<td data-label="Path"><code>$[0].networkRuleSet.ipRules[*].ipAddressOrRange</code></td><td class="observed" data-label="Observed">203.0.113.0/24</td><td class="expected" data-label="Expected">a range containing 198.51.100.7</td>'));
    assert.ok(fw.includes('<pre class="fix"><code>az acr network-rule add --name acrprod --ip-address 198.51.100.7</code></pre>'));
    assert.ok(fw.includes('<a href="https://pulldoctor.dev/rules/net-firewall-denies-cluster">Rule page: net-firewall-denies-cluster</a>'));
  });

  it("puts a multi-command fix in one copy-able block, shell substitutions intact", () => {
    assert.ok(
      html.includes(
        `<pre class="fix"><code>SECRET=$(az ad sp credential reset --id 3333-4444 --query password -o tsv)\naz aks update-credentials -g rg-prod -n aks-prod --reset-service-principal --service-principal 3333-4444 --client-secret &quot;$SECRET&quot;</code></pre>`,
      ),
    );
  });

  it("falls back to the rule's docs page when a finding carries none", () => {
    assert.ok(html.includes('<a href="https://github.com/pulldoctor/pulldoctor/blob/main/docs/rules/rbac-pull-role-missing.md">Rule page: rbac-pull-role-missing</a>'));
  });

  it("lists unknowns with their reasons in their stage, and passed checks collapsed", () => {
    const network = html.slice(html.indexOf('id="stage-network"'), html.indexOf('id="stage-registry"'));
    assert.match(network, /<h3 class="unknown-h">Could not check \(1\)<\/h3>/);
    assert.ok(network.includes("<strong>Private DNS resolution of acrprod</strong>"));
    assert.ok(network.includes("Reason: 403 reading private DNS zones: needs Microsoft.Network/privateDnsZones/read"));
    const registry = html.slice(html.indexOf('id="stage-registry"'), html.indexOf('id="stage-image"'));
    assert.match(registry, /<details class="passed"><summary>Passed \(2\)<\/summary>/);
    assert.ok(registry.includes("Registry exists"));
    assert.doesNotMatch(html, /<details[^>]* open/);
  });

  it("states the verdict in words", () => {
    assert.match(html, /<p class="verdict verdict-fail" id="verdict"><strong>3 errors, 2 warnings, 1 info, 2 unknown, 3 passed<\/strong><\/p>/);
    assert.ok(html.includes(`<dd><code>${CLUSTER_ID}</code></dd>`));
  });

  it("is deterministic: same report, same bytes; only generatedAt carries a time", () => {
    assert.equal(renderHtml(failingReport()), html);
    const at = (generatedAt: string): string => renderHtml({ ...failingReport(), generatedAt });
    const a = at("2030-01-01T00:00:00.000Z");
    const b = at("2031-02-02T03:04:05.000Z");
    assert.notEqual(a, b);
    assert.equal(b.replaceAll("2031-02-02T03:04:05.000Z", "2030-01-01T00:00:00.000Z"), a);
  });
});

describe("renderHtml: healthy report", () => {
  const html = renderHtml(healthyReport());

  it("shows no failing node and says no error was found", () => {
    assert.deepEqual(nodeStates(html), { identity: "none", rbac: "pass", network: "pass", registry: "none", image: "none", external: "none" });
    assert.equal(count(html, "<article class=\"finding"), 0);
    assert.match(html, /<p class="verdict verdict-pass" id="verdict"><strong>0 errors, 0 warnings, 0 unknown, 2 passed<\/strong><br>No error found; every check could run.<\/p>/);
    assert.ok(html.includes("No check of this stage applied to the evidence."));
  });
});

describe("renderHtml: untrusted text", () => {
  const html = renderHtml(hostileReport());

  it("renders hostile markup as text: no element, attribute or javascript: link is injected", () => {
    const tags = new Set(startTags(html));
    for (const banned of ["script", "img", "iframe", "b", "u", "marquee"]) assert.ok(!tags.has(banned), `<${banned}> injected`);
    assert.equal(count(html, "<svg"), 1, "only the flow diagram");
    assert.equal(count(html, "<style"), 1, "only the page stylesheet");
    // no event-handler attribute anywhere inside a tag
    assert.doesNotMatch(html, /<[^>]*\son[a-z]+\s*=/i);
    assert.doesNotMatch(html, /href="(?!#|https:)/);
    assert.ok(html.includes("&lt;script&gt;window.__pwnedMessage=1&lt;/script&gt;"));
    assert.ok(html.includes("&quot;&gt;&lt;img src=x onerror=&quot;window.__pwnedTitle=1&quot;&gt;"));
    assert.ok(html.includes("&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt;"));
    // the javascript: and data: docs are shown as inert text, not links
    assert.ok(html.includes("Rule page (not a web link): javascript:alert(document.domain)"));
    assert.ok(html.includes("Rule page (not a web link): data:text/html,&lt;script&gt;alert(3)&lt;/script&gt;"));
  });

  it("strips terminal escapes and bidi controls", () => {
    const r = makeReport({ findings: [makeFinding({ code: "EXT_UNREACHABLE", stage: "external", message: "red\u001b[31mALERT\u001b[0m \u202Eevil\u202C" })] });
    const out = renderHtml(r);
    assert.ok(out.includes("redALERT evil"));
    assert.doesNotMatch(out, /[\u001b\u202e\u202c]/);
  });

  it("escapeHtml escapes the five significant characters; safeHttpUrl accepts http(s) only", () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
    assert.equal(safeHttpUrl("https://learn.microsoft.com/azure/aks/"), "https://learn.microsoft.com/azure/aks/");
    for (const bad of ["javascript:alert(1)", "JaVaScRiPt:alert(1)", " https://x", "data:text/html,x", "//evil.example/", "https://x\"onmouseover=", "file:///etc/passwd", "vbscript:x"]) {
      assert.equal(safeHttpUrl(bad), undefined, bad);
    }
  });
});

describe("planted secrets", () => {
  // distinct secret-looking values, put where a buggy rule might copy them
  const SECRETS = {
    jwt: "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJwbGFudGVkLTEifQ.c2lnbmF0dXJlUGxhbnRlZE9uZQ",
    bearer: "Tk9UX0FfUkVBTF9CRUFSRVJfVE9LRU5fcGxhbnRlZDI",
    password: "Pl4nted-Passw0rd-Three!",
    urlPassword: "Pl4ntedUrlSecretFour",
    clientSecret: "Q8x~Pl4ntedClientSecretFive.abcdEFGH1234",
    blob: "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9fG1hJ3kPlanted6",
  };

  function plantedReport(): Report {
    return makeReport({
      findings: [
        makeFinding({
          code: "EXT_CREDENTIALS_REJECTED",
          stage: "external",
          title: "Registry rejects the pull secret",
          message: `docker login failed: Authorization: Bearer ${SECRETS.bearer}`,
          subject: "ghcr.io",
          evidence: [
            { source: "secrets.json", path: "$.items[0].data", observed: `{"auths":{"ghcr.io":{"password":"${SECRETS.password}"}}}` },
            { source: "events.json", path: "$.items[1].message", observed: `pulling https://bot:${SECRETS.urlPassword}@ghcr.io/v2/x`, expected: `token ${SECRETS.jwt}` },
          ],
          remediation: [`az ad sp credential reset --id 1 # old client_secret=${SECRETS.clientSecret}`, "SECRET=$(az ad sp credential reset --id 1 --query password -o tsv)"],
        }),
      ],
      unknown: [{ check: "token", rule: "ext-token-expired", stage: "external", reason: `could not decode ${SECRETS.blob}` }],
      passed: [{ check: "jwt", rule: "ext-token-expired", stage: "external", message: `token ${SECRETS.jwt} parsed` }],
    });
  }

  const outputs: [string, string][] = [
    ["html", renderHtml(plantedReport())],
    ["sarif", renderSarif(plantedReport(), RULES)],
    ["junit", renderJunit(plantedReport())],
  ];

  for (const [format, out] of outputs) {
    it(`never appear in ${format} output, and the fix stays runnable`, () => {
      for (const [name, secret] of Object.entries(SECRETS)) {
        assert.ok(!out.includes(secret), `${name} leaked in ${format}`);
        assert.ok(!out.includes(secret.slice(0, 16)), `${name} (prefix) leaked in ${format}`);
      }
      assert.ok(out.includes("[REDACTED]"), `${format} marks what it removed`);
      assert.ok(out.includes("SECRET=$(az ad sp credential reset --id 1 --query password -o tsv)"), `${format} keeps the shell substitution`);
    });
  }

  it("scrubSecrets leaves ordinary evidence alone", () => {
    for (const keep of [REGISTRY_ID, "sha256:3f2a9c0d1e4b5a6978877665544332211ffeeddccbbaa99887766554433221100", "20.74.91.0/28", "az acr login --name acrprod"]) {
      assert.equal(scrubSecrets(keep), keep);
    }
  });
});
