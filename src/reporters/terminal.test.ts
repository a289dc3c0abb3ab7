import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { STAGE_TITLES, STAGES, type Report } from "../engine/types.js";
import { CLUSTER_ID, IMAGE, REGISTRY_ID, failingReport, healthyReport, makeFinding, makeReport } from "./fixtures.js";
import { renderTerminal } from "./terminal.js";

// eslint-disable-next-line no-control-regex
const ANY_ESC = /\u001b|\u009b/;
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[\d+m/g;
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LF = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

const plain = (r: Report, verbose = false, width?: number): string =>
  renderTerminal(r, width === undefined ? { color: false, verbose } : { color: false, verbose, width });
const lines = (text: string): string[] => text.split("\n");

function indexOfLine(all: string[], pred: (l: string) => boolean, what: string): number {
  const i = all.findIndex(pred);
  assert.notEqual(i, -1, `line not found: ${what}`);
  return i;
}

/** The lines of one finding: from its marker line to the next blank line. */
function findingBlock(all: string[], code: string): string[] {
  const start = indexOfLine(all, (l) => /^ {2}[✖▲ℹ] /.test(l) && l.includes(` ${code} `), code);
  const end = all.indexOf("", start);
  return all.slice(start, end);
}

describe("renderTerminal: layout", () => {
  const out = lines(plain(failingReport()));

  it("starts with a header naming what was diagnosed and the input", () => {
    assert.match(out[0] ?? "", /^pulldoctor 0\.1\.0 .*input: evidence \.\/evidence\/aks-prod/);
    assert.ok(out.includes(`  cluster  ${CLUSTER_ID}`));
    assert.ok(out.includes(`  registry ${REGISTRY_ID}`));
    assert.ok(out.includes(`  image    ${IMAGE}`));
  });

  it("groups findings by flow stage, in STAGES order", () => {
    const seen = STAGES.filter((s) => out.some((l) => l.startsWith(`── ${STAGE_TITLES[s]} `)));
    assert.deepEqual(seen, ["identity", "rbac", "network", "registry"]);
    const positions = seen.map((s) => out.findIndex((l) => l.startsWith(`── ${STAGE_TITLES[s]} `)));
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
    // each finding sits under its own stage's heading
    const rbacAt = positions[1] ?? -1;
    const networkAt = positions[2] ?? -1;
    const pull = indexOfLine(out, (l) => l.includes(" RBAC_PULL_ROLE_MISSING "), "pull");
    assert.ok(rbacAt < pull && pull < networkAt);
  });

  it("puts errors before warnings before infos inside a stage", () => {
    const at = (code: string): number => indexOfLine(out, (l) => l.includes(` ${code} `), code);
    assert.ok(at("SP_SECRET_EXPIRED") < at("SP_SECRET_EXPIRING"));
    assert.ok(at("RBAC_PULL_ROLE_MISSING") < at("RBAC_OVERPRIVILEGED"), "the fixture lists the warning first");
    const mixed = lines(
      plain(
        makeReport({
          findings: [
            makeFinding({ code: "CFG_ANONYMOUS_PULL_ENABLED", stage: "registry" }),
            makeFinding({ code: "CFG_ADMIN_USER_ENABLED", stage: "registry" }),
            makeFinding({ code: "CFG_SKU_FEATURE_MISMATCH", stage: "registry" }),
          ],
        }),
      ),
    );
    const markers = mixed.filter((l) => /^ {2}[✖▲ℹ] /.test(l)).map((l) => l.trim().split(/\s+/)[1]);
    assert.deepEqual(markers, ["error", "warning", "info"]);
  });

  it("prints each finding with marker, code, title, subject, message, evidence and bare fix commands", () => {
    const block = findingBlock(out, "NET_FIREWALL_DENIES_CLUSTER");
    assert.equal(block[0], "  ✖ error  NET_FIREWALL_DENIES_CLUSTER  Registry firewall denies the cluster's egress IP");
    assert.equal(block[1], `    subject: ${REGISTRY_ID}`);
    assert.ok(block.includes("      acr.json $[0].networkRuleSet.defaultAction: Deny"));
    const ev = block.indexOf("      acr.json $[0].networkRuleSet.ipRules[*].ipAddressOrRange: 203.0.113.0/24");
    assert.notEqual(ev, -1);
    assert.equal(block[ev + 1], "        expected: a range containing 198.51.100.7");
    const fix = block.indexOf("    Fix:");
    assert.equal(block[fix + 1], "      az acr network-rule add --name acrprod --ip-address 198.51.100.7");
    assert.ok(block.some((l) => l.includes("docs: https://pulldoctor.dev/rules/net-firewall-denies-cluster")));
    assert.match(findingBlock(out, "RBAC_OVERPRIVILEGED")[0] ?? "", /^ {2}▲ warning {2}RBAC_OVERPRIVILEGED {2}/);
    assert.match(findingBlock(out, "CFG_ANONYMOUS_PULL_ENABLED")[0] ?? "", /^ {2}ℹ info {2}CFG_ANONYMOUS_PULL_ENABLED {2}/);
  });

  it("prints a multi-command fix one command per line, unwrapped and unprefixed", () => {
    const report = failingReport();
    const narrow = lines(plain(report, false, 40));
    const block = findingBlock(narrow, "RBAC_PULL_ROLE_MISSING");
    const fix = block.indexOf("    Fix:");
    const commands = report.findings.find((f) => f.code === "RBAC_PULL_ROLE_MISSING")?.remediation ?? [];
    assert.equal(commands.length, 2);
    assert.deepEqual(block.slice(fix + 1, fix + 1 + commands.length), commands.map((c) => `      ${c}`));
    assert.ok((block[fix + 1] ?? "").length > 40, "a long command is not wrapped");
  });

  it("wraps message text at the width, never breaking a word", () => {
    const narrow = lines(plain(failingReport(), false, 60));
    const block = findingBlock(narrow, "NET_FIREWALL_DENIES_CLUSTER");
    const messageLines = block.slice(2, block.indexOf("    Evidence:"));
    assert.ok(messageLines.length > 1);
    for (const l of messageLines) {
      assert.ok(l.length <= 60, l);
      assert.ok(l.startsWith("    "));
    }
    const message = failingReport().findings[0]?.message;
    assert.equal(messageLines.map((l) => l.trim()).join(" "), message);
    // an evidence line longer than the width stays whole
    const wideEvidence = findingBlock(lines(plain(failingReport(), false, 40)), "NET_FIREWALL_DENIES_CLUSTER");
    assert.ok(wideEvidence.includes("      acr.json $[0].networkRuleSet.ipRules[*].ipAddressOrRange: 203.0.113.0/24"));
  });

  it("lists what could not be checked with check, subject and reason", () => {
    const at = indexOfLine(out, (l) => l.startsWith("── Could not check (2) "), "could not check");
    const section = out.slice(at);
    assert.ok(section.includes("  ? Node identity matches kubelet identity"));
    assert.ok(section.includes(`  ? Private DNS resolution of acrprod — ${REGISTRY_ID}`));
    assert.ok(section.includes("    reason: 403 reading private DNS zones: needs Microsoft.Network/privateDnsZones/read"));
  });

  it("counts passed checks, and lists them only when verbose", () => {
    assert.ok(out.includes("Passed: 3 checks"));
    assert.ok(!out.some((l) => l.includes("Registry exists")));
    const verbose = lines(plain(failingReport(), true));
    assert.ok(verbose.some((l) => l.startsWith("── Passed (3) ")));
    assert.ok(verbose.includes(`  ✔ Registry exists — ${REGISTRY_ID}`));
    assert.ok(verbose.includes("    acrprod exists in rg-acr."));
    assert.ok(verbose.some((l) => l.includes("rule: rbac-pull-role-missing")), "verbose shows rule ids");
    assert.ok(verbose.includes("    ignored notes.txt: not JSON"), "verbose lists input files");
  });

  it("ends with the summary line counted from the report", () => {
    const text = plain(failingReport());
    assert.ok(text.endsWith("\n3 errors, 2 warnings, 1 info, 2 unknown, 3 passed\n"));
    assert.doesNotMatch(text, /No error found/);
  });
});

describe("renderTerminal: no error", () => {
  it("says so clearly for a healthy report", () => {
    const out = lines(plain(healthyReport()));
    assert.ok(out.includes("No findings."));
    assert.deepEqual(out.slice(-3), ["0 errors, 0 warnings, 0 unknown, 2 passed", "No error found; every check could run.", ""]);
  });

  it("still mentions the unknowns", () => {
    const report = makeReport({
      findings: [makeFinding({ code: "CFG_ADMIN_USER_ENABLED", stage: "registry" })],
      unknown: [{ check: "RBAC", rule: "rbac-pull-role-missing", stage: "rbac", reason: "403" }],
    });
    const out = lines(plain(report));
    assert.equal(out.at(-3), "0 errors, 1 warning, 1 unknown, 0 passed");
    assert.match(out.at(-2) ?? "", /^No error found .*1 check could not be run/);
  });
});

describe("renderTerminal: colour and hostile text", () => {
  it("has no ANSI without colour, and only SGR colour codes with it", () => {
    const noColor = renderTerminal(failingReport(), { color: false, verbose: true });
    assert.doesNotMatch(noColor, ANY_ESC);
    const color = renderTerminal(failingReport(), { color: true, verbose: true });
    assert.match(color, SGR);
    assert.match(color, /\u001b\[31m\u001b\[1m✖ error/);
    assert.doesNotMatch(color.replace(SGR, ""), ANY_ESC);
    assert.equal(color.replace(SGR, ""), noColor, "colour changes nothing but colour");
  });

  it("strips escape sequences and control characters from every dynamic field", () => {
    const evil = "\u001b[2J\u001b[1;1H\u001b]0;owned\u0007\u001b[31mX\u009b2J\r\u0008\u0000\u202e";
    const report = makeReport({
      findings: [
        makeFinding({
          code: "PULL_FAILURE_UNCLASSIFIED",
          stage: "image",
          title: `title${evil}`,
          message: `Failed to pull image: ${evil} rpc error`,
          subject: `pod/ns/${evil}`,
          evidence: [{ source: `events${evil}.json`, path: `$[0]${evil}`, observed: `obs${evil}`, expected: `exp${evil}` }],
          remediation: [`kubectl delete pod x${evil}`],
          docs: `https://x${evil}`,
        }),
      ],
      unknown: [{ check: `c${evil}`, rule: `r${evil}`, stage: "network", subject: `s${evil}`, reason: `why${evil}` }],
      passed: [{ check: `p${evil}`, rule: "r", stage: "rbac", subject: `s${evil}`, message: `m${evil}` }],
    });
    report.inputs.kind = `evidence${evil}`;
    report.inputs.location = `/tmp/${evil}`;
    report.subjects.images.push(`img${evil}`);
    for (const verbose of [false, true]) {
      const noColor = renderTerminal(report, { color: false, verbose });
      assert.doesNotMatch(noColor, ANY_ESC);
      assert.doesNotMatch(noColor, CONTROL_BUT_LF);
      assert.doesNotMatch(noColor, /\u202e/);
      assert.doesNotMatch(noColor, /owned/, "OSC payload (window title) removed");
      const color = renderTerminal(report, { color: true, verbose });
      assert.doesNotMatch(color.replace(SGR, ""), ANY_ESC);
      assert.doesNotMatch(color.replace(SGR, ""), CONTROL_BUT_LF);
    }
    const out = lines(plain(report));
    // the CR became a line break inside the message; the readable text survives
    assert.ok(out.includes("    Failed to pull image: X"), "the readable text survives");
    assert.ok(out.includes("    rpc error"));
    assert.ok(out.includes("      kubectl delete pod xX"));
  });

  it("does not let a message fake extra lines with CR or form feed tricks", () => {
    const report = makeReport({
      findings: [makeFinding({ code: "PULL_FAILURE_UNCLASSIFIED", stage: "image", message: "real\r  ✔ all good\u000c" })],
    });
    const out = plain(report);
    assert.doesNotMatch(out, /[\r\f]/);
  });
});
