// JUnit XML reporter: for CI systems that chart test results (GitLab, Jenkins, Azure Pipelines, GitHub
// actions that read JUnit). One <testsuite> per flow stage, one <testcase> per check: an error or warning
// finding is a <failure>, an info finding a passing case with its message in <system-out>, an unknown is
// <skipped>, a passed check a plain case. Everything is XML-escaped and stripped of characters XML 1.0 forbids.

import { STAGES, STAGE_TITLES, type Finding, type Passed, type Report, type Unknown } from "../engine/types.js";
import { scrubSecrets } from "./html.js";
import { groupByStage, sanitizeLine, stageTitle } from "./text.js";

// XML 1.0 Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]; with the
// `u` flag a lone surrogate is its own code point, so it is caught too.
// eslint-disable-next-line no-control-regex
const ILLEGAL_XML = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Removes what XML 1.0 cannot carry at all, even escaped. */
export function stripIllegalXml(text: string): string {
  return text.replace(ILLEGAL_XML, "");
}

/** Escapes text for XML element content. */
export function xmlText(text: string): string {
  return stripIllegalXml(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Escapes text for a double-quoted XML attribute; tabs and line breaks survive as character references. */
export function xmlAttr(text: string): string {
  return xmlText(text)
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    .replace(/\t/g, "&#9;")
    .replace(/\n/g, "&#10;")
    .replace(/\r/g, "&#13;");
}

/** Untrusted text, ready for an element body. */
function body(text: string): string {
  return xmlText(scrubSecrets(text));
}

/** Untrusted text on one line, ready for an attribute. */
function attr(text: string): string {
  return xmlAttr(scrubSecrets(sanitizeLine(text)));
}

type Case =
  | { kind: "finding"; finding: Finding }
  | { kind: "unknown"; unknown: Unknown }
  | { kind: "passed"; passed: Passed };

function isFailure(f: Finding): boolean {
  return f.severity === "error" || f.severity === "warning";
}

function failureBody(f: Finding): string {
  const lines: string[] = [];
  lines.push(`${f.severity.toUpperCase()} ${f.code}: ${f.title}`, `Subject: ${f.subject}`);
  if (f.confidence !== undefined) lines.push(`Confidence: ${f.confidence}`);
  lines.push("", f.message);
  if (f.evidence.length > 0) {
    lines.push("", "Evidence:");
    for (const e of f.evidence) {
      lines.push(`  ${e.source} ${e.path}: ${e.observed}`);
      if (e.expected !== undefined) lines.push(`    expected: ${e.expected}`);
    }
  }
  if (f.remediation.length > 0) lines.push("", "Fix:", ...f.remediation.map((c) => `  ${c}`));
  if (f.docs !== undefined) lines.push("", `Docs: ${f.docs}`);
  return lines.join("\n");
}

/** A short subject for a test name (the last segment of an ARM id); the full one is in the failure body. */
function subjectSuffix(subject: string | undefined): string {
  if (subject === undefined || subject === "") return "";
  const short = /^\/subscriptions\//i.test(subject) ? (subject.split("/").filter((s) => s !== "").pop() ?? subject) : subject;
  return ` [${short}]`;
}

function testcase(stage: string, c: Case): string {
  switch (c.kind) {
    case "finding": {
      const f = c.finding;
      const open = `    <testcase classname="${attr(`pulldoctor.${stage}.${f.rule}`)}" name="${attr(`${f.code}: ${f.title}${subjectSuffix(f.subject)}`)}" time="0">`;
      if (isFailure(f)) {
        return `${open}\n      <failure type="${attr(f.code)}" message="${attr(f.title)}">${body(failureBody(f))}</failure>\n    </testcase>`;
      }
      return `${open}\n      <system-out>${body(failureBody(f))}</system-out>\n    </testcase>`;
    }
    case "unknown": {
      const u = c.unknown;
      return `    <testcase classname="${attr(`pulldoctor.${stage}.${u.rule}`)}" name="${attr(`${u.check}${subjectSuffix(u.subject)}`)}" time="0">\n      <skipped message="${attr(`could not check: ${u.reason}`)}"/>\n    </testcase>`;
    }
    case "passed": {
      const p = c.passed;
      const out = p.message.trim() !== "" ? `\n      <system-out>${body(p.message)}</system-out>\n    ` : "";
      return `    <testcase classname="${attr(`pulldoctor.${stage}.${p.rule}`)}" name="${attr(`${p.check}${subjectSuffix(p.subject)}`)}" time="0">${out}</testcase>`;
    }
  }
}

interface Suite {
  stage: string;
  cases: Case[];
}

/** Every STAGES stage (empty ones too, so CI shows the whole flow), then any other stage the report carries. */
function suites(report: Report): Suite[] {
  const byStage = new Map<string, Suite>();
  for (const s of STAGES) byStage.set(s, { stage: s, cases: [] });
  const get = (stage: string): Suite => {
    let s = byStage.get(stage);
    if (!s) {
      s = { stage, cases: [] };
      byStage.set(stage, s);
    }
    return s;
  };
  for (const g of groupByStage(report.findings)) get(g.stage).cases.push(...g.items.map((finding): Case => ({ kind: "finding", finding })));
  for (const g of groupByStage(report.unknown)) get(g.stage).cases.push(...g.items.map((unknown): Case => ({ kind: "unknown", unknown })));
  for (const g of groupByStage(report.passed)) get(g.stage).cases.push(...g.items.map((passed): Case => ({ kind: "passed", passed })));
  return [...byStage.values()];
}

interface Tally {
  tests: number;
  failures: number;
  skipped: number;
}

function tally(cases: readonly Case[]): Tally {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.kind === "finding" && isFailure(c.finding)).length,
    skipped: cases.filter((c) => c.kind === "unknown").length,
  };
}

/** `pulldoctor diagnose --format junit`: a JUnit XML document. Pure and deterministic. */
export function renderJunit(report: Report): string {
  const all = suites(report);
  const total = tally(all.flatMap((s) => s.cases));
  const lines: string[] = [`<?xml version="1.0" encoding="UTF-8"?>`];
  lines.push(
    `<testsuites name="pulldoctor" tests="${total.tests}" failures="${total.failures}" errors="0" skipped="${total.skipped}" time="0">`,
  );
  all.forEach((suite, i) => {
    const n = tally(suite.cases);
    lines.push(
      `  <testsuite id="${i}" name="${attr(stageTitle(suite.stage, STAGE_TITLES))}" package="${attr(`pulldoctor.${suite.stage}`)}" tests="${n.tests}" failures="${n.failures}" errors="0" skipped="${n.skipped}" time="0">`,
      `    <properties>`,
      `      <property name="stage" value="${attr(suite.stage)}"/>`,
      `      <property name="generatedAt" value="${attr(report.generatedAt)}"/>`,
      `      <property name="pulldoctorVersion" value="${attr(report.tool.version)}"/>`,
      `    </properties>`,
      ...suite.cases.map((c) => testcase(suite.stage, c)),
      `  </testsuite>`,
    );
  });
  lines.push(`</testsuites>`);
  return lines.join("\n") + "\n";
}
