// Markdown reporter (GitHub-flavoured): fit for a ticket or a PR comment. A summary table, one section per
// finding with its evidence and the fix in a ```sh block, then what could not be checked.
// Dynamic text is escaped: a `|` cannot break a table, `<script>` never survives as a tag, backticks cannot
// open code spans. Commands are the only dynamic text printed raw, inside a fence no command can close.

import type { Severity } from "../codes/causes.js";
import { STAGE_TITLES, type Finding, type Report } from "../engine/types.js";
import {
  countReport,
  findingsInFlowOrder,
  groupByStage,
  noErrorLine,
  plural,
  sanitizedLines,
  sanitizeLine,
  stageTitle,
  summaryLine,
} from "./text.js";

const SEVERITY_LABEL: Record<Severity, string> = {
  error: "✖ error",
  warning: "▲ warning",
  info: "ℹ info",
};

function severityLabel(severity: string): string {
  return (SEVERITY_LABEL as Record<string, string | undefined>)[severity] ?? escapeInline(severity);
}

/**
 * Escapes one line of untrusted text for Markdown inline context, table cells included: HTML-significant
 * characters become entities, and Markdown punctuation that could open emphasis, a link, a code span,
 * strikethrough or a table cell boundary is backslash-escaped.
 */
export function escapeInline(text: string): string {
  return sanitizeLine(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`);
}

/**
 * As {@link escapeInline}, for text that starts a block (a paragraph, a list item's content): a leading
 * "#", "-", "+", "=" or "1." / "1)" would otherwise make it a heading, a list or a setext underline.
 */
function escapeLeading(text: string): string {
  return escapeInline(text)
    .replace(/^(\s*)([#+=-])/, "$1\\$2")
    .replace(/^(\s*\d+)([.)])/, "$1\\$2");
}

/** Escapes multi-line untrusted text as one line; line breaks become `<br>`. `leading`: it starts a block. */
function escapeParagraph(text: string, leading = false): string {
  const lines = sanitizedLines(text);
  while (lines.length > 0 && lines[0]?.trim() === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]?.trim() === "") lines.pop();
  return lines.map((line, i) => (i === 0 && leading ? escapeLeading(line) : escapeInline(line))).join("<br>");
}

/** A table cell: escaped, on one line (line breaks become `<br>`), never empty. */
function cell(text: string | undefined): string {
  if (text === undefined || text === "") return " ";
  return escapeParagraph(text);
}

/** A fence longer than any backtick run in the content, so no command can close it early. */
function fenceFor(content: string): string {
  let longest = 0;
  for (const run of content.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return "`".repeat(Math.max(3, longest + 1));
}

function table(header: string[], rows: string[][]): string[] {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

function renderFinding(f: Finding): string[] {
  const lines: string[] = [];
  lines.push(`### ${severityLabel(f.severity)}: \`${sanitizeLine(f.code).replace(/`/g, "")}\` ${escapeInline(f.title)}`, "");
  const meta = [`**Subject:** ${escapeInline(f.subject)}`];
  if (f.confidence !== undefined) meta.push(`**Confidence:** ${escapeInline(f.confidence)}`);
  meta.push(`**Rule:** ${escapeInline(f.rule)}`);
  lines.push(meta.join(" · "), "");
  const message = escapeParagraph(f.message, true);
  if (message !== "") lines.push(message, "");
  if (f.evidence.length > 0) {
    lines.push(
      ...table(
        ["Source", "Path", "Observed", "Expected"],
        f.evidence.map((e) => [cell(e.source), cell(e.path), cell(e.observed), cell(e.expected)]),
      ),
      "",
    );
  }
  if (f.remediation.length > 0) {
    const body = f.remediation.flatMap((c) => sanitizedLines(c)).join("\n");
    const fence = fenceFor(body);
    lines.push("**Fix:**", "", `${fence}sh`, body, fence, "");
  }
  if (f.docs !== undefined) {
    // a link only for http(s) targets: anything else (javascript:, data:) is shown as text
    const docs = sanitizeLine(f.docs);
    lines.push(/^https?:\/\/[^\s<>()]+$/.test(docs) ? `Docs: <${docs}>` : `Docs: ${escapeInline(docs)}`, "");
  }
  return lines;
}

/** Renders a report as GitHub-flavoured Markdown. Pure. */
export function renderMarkdown(report: Report): string {
  const counts = countReport(report);
  const lines: string[] = [];

  lines.push("## pulldoctor diagnosis", "");
  const subjects: [string, string[]][] = [
    ["Clusters", report.subjects.clusters],
    ["Registries", report.subjects.registries],
    ["Images", report.subjects.images],
  ];
  for (const [label, values] of subjects) {
    if (values.length > 0) lines.push(`- **${label}:** ${values.map(escapeInline).join(", ")}`);
  }
  const location = report.inputs.location !== undefined ? ` ${escapeInline(report.inputs.location)}` : "";
  lines.push(
    `- **Input:** ${escapeInline(report.inputs.kind)}${location} (${plural(report.inputs.files.length, "file")})`,
    `- **Generated:** ${escapeInline(report.generatedAt)} by pulldoctor ${escapeInline(report.tool.version)}`,
    "",
  );

  lines.push(`**${summaryLine(counts)}**`, "");
  if (counts.errors === 0) lines.push(escapeInline(noErrorLine(counts)), "");

  const groups = findingsInFlowOrder(report.findings);
  if (report.findings.length > 0) {
    lines.push(
      ...table(
        ["Severity", "Code", "Subject", "Title"],
        groups.flatMap((g) =>
          g.items.map((f) => [severityLabel(f.severity), `\`${sanitizeLine(f.code).replace(/`/g, "")}\``, cell(f.subject), cell(f.title)]),
        ),
      ),
      "",
    );
    for (const g of groups) {
      lines.push(`## ${escapeInline(stageTitle(g.stage, STAGE_TITLES))}`, "");
      for (const f of g.items) lines.push(...renderFinding(f));
    }
  }

  if (report.unknown.length > 0) {
    lines.push(`## Could not check (${report.unknown.length})`, "");
    for (const g of groupByStage(report.unknown)) {
      for (const u of g.items) {
        const subject = u.subject !== undefined ? ` (${escapeInline(u.subject)})` : "";
        lines.push(`- **${escapeInline(u.check)}**${subject}: ${escapeParagraph(u.reason)}`);
      }
    }
    lines.push("");
  }

  if (report.passed.length > 0) {
    lines.push("<details>", `<summary>Passed (${report.passed.length})</summary>`, "");
    for (const g of groupByStage(report.passed)) {
      for (const p of g.items) {
        const subject = p.subject !== undefined ? ` (${escapeInline(p.subject)})` : "";
        lines.push(`- ${escapeLeading(p.check)}${subject}: ${escapeParagraph(p.message)}`);
      }
    }
    lines.push("", "</details>", "");
  }

  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.join("\n") + "\n";
}
