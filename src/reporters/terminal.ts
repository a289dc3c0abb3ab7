// Terminal reporter: what a person reads during an incident. Findings grouped by flow stage, each with its
// proof and the commands that fix it (printed bare, so they can be copy-pasted). All dynamic text is
// sanitised: a hostile event message cannot move the cursor, recolour or retitle the terminal.

import type { Severity } from "../codes/causes.js";
import { STAGE_TITLES, type Evidence, type Finding, type Passed, type Report, type Unknown } from "../engine/types.js";
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

export interface TerminalOptions {
  /** emit ANSI colours (the CLI decides: TTY, NO_COLOR, FORCE_COLOR) */
  color: boolean;
  /** list every passed check, the rule ids and the input files */
  verbose?: boolean;
  /** wrap prose at this many columns (default 100); commands, ids and evidence are never wrapped */
  width?: number;
}

export const DEFAULT_WIDTH = 100;
const MIN_WIDTH = 40;

const INDENT_FINDING = "  ";
const INDENT_BODY = "    ";
const INDENT_DETAIL = "      ";

type Style = "bold" | "dim" | "red" | "yellow" | "cyan" | "green" | "magenta" | "underline";

const ANSI: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  underline: [4, 24],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  magenta: [35, 39],
  cyan: [36, 39],
};

type Paint = (text: string, ...styles: Style[]) => string;

function painter(color: boolean): Paint {
  if (!color) return (text) => text;
  return (text, ...styles) => {
    if (text === "") return text;
    let open = "";
    let close = "";
    for (const s of styles) {
      const [o, c] = ANSI[s];
      open += `\u001b[${o}m`;
      close = `\u001b[${c}m` + close;
    }
    return open + text + close;
  };
}

const SEVERITY_MARK: Record<Severity, { label: string; style: Style }> = {
  error: { label: "✖ error", style: "red" },
  warning: { label: "▲ warning", style: "yellow" },
  info: { label: "ℹ info", style: "cyan" },
};

function severityMark(severity: string, paint: Paint): string {
  const mark = (SEVERITY_MARK as Record<string, { label: string; style: Style } | undefined>)[severity];
  if (!mark) return paint(`? ${sanitizeLine(severity)}`, "bold");
  return paint(mark.label, mark.style, "bold");
}

/** Visible width in columns, approximated by code points (the text is already free of escape sequences). */
function visibleLength(s: string): number {
  return Array.from(s).length;
}

/**
 * Word-wraps untrusted prose at `width` columns with `indent` before every line. Paragraph breaks in the
 * text are kept; a word longer than the line (an ARM id, a URL) is never broken.
 */
export function wrapText(text: string, width: number, indent: string): string[] {
  const avail = Math.max(width - visibleLength(indent), 20);
  const out: string[] = [];
  for (const paragraph of sanitizedLines(text)) {
    const words = paragraph.split(" ").filter((w) => w !== "");
    if (words.length === 0) {
      out.push("");
      continue;
    }
    let line = "";
    for (const word of words) {
      if (line === "") line = word;
      else if (visibleLength(line) + 1 + visibleLength(word) <= avail) line += ` ${word}`;
      else {
        out.push(indent + line);
        line = word;
      }
    }
    out.push(indent + line);
  }
  // trim trailing blank paragraphs, keep inner ones
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

function rule(title: string, width: number, paint: Paint): string {
  const head = `── ${title} `;
  const fill = Math.max(width - visibleLength(head), 3);
  return paint(head + "─".repeat(fill), "bold");
}

function renderHeader(report: Report, paint: Paint, verbose: boolean): string[] {
  const lines: string[] = [];
  const { inputs, subjects } = report;
  const input = [sanitizeLine(inputs.kind), inputs.location !== undefined ? sanitizeLine(inputs.location) : ""]
    .filter((s) => s !== "")
    .join(" ");
  const statusCounts = new Map<string, number>();
  for (const f of inputs.files) statusCounts.set(f.status, (statusCounts.get(f.status) ?? 0) + 1);
  const files =
    inputs.files.length === 0
      ? ""
      : ` (${plural(inputs.files.length, "file")}: ${[...statusCounts.entries()]
          .map(([status, n]) => `${n} ${sanitizeLine(status)}`)
          .join(", ")})`;
  lines.push(
    `${paint("pulldoctor", "bold")} ${sanitizeLine(report.tool.version)} · image pull diagnosis · input: ${input}${files} · ${sanitizeLine(report.generatedAt)}`,
  );
  const rows: [string, string[]][] = [
    ["cluster", subjects.clusters],
    ["registry", subjects.registries],
    ["image", subjects.images],
  ];
  let named = false;
  for (const [label, values] of rows) {
    for (const v of values) {
      named = true;
      lines.push(`  ${paint(label.padEnd(9), "dim")}${sanitizeLine(v)}`);
    }
  }
  if (!named) lines.push(`  ${paint("(no cluster, registry or image was named)", "dim")}`);
  if (verbose && inputs.files.length > 0) {
    lines.push(`  ${paint("input files:", "dim")}`);
    for (const f of inputs.files) {
      const kinds = f.kinds.length > 0 ? ` [${f.kinds.map(sanitizeLine).join(", ")}]` : "";
      const reason = f.reason !== undefined ? `: ${sanitizeLine(f.reason)}` : "";
      lines.push(`    ${sanitizeLine(f.status)} ${sanitizeLine(f.file)}${kinds}${reason}`);
    }
  }
  return lines;
}

function renderEvidence(e: Evidence, paint: Paint): string[] {
  // never wrapped: paths and observed values are proof, they must stay greppable and exact
  const observed = sanitizedLines(e.observed);
  const lines = [`${INDENT_DETAIL}${paint(`${sanitizeLine(e.source)} ${sanitizeLine(e.path)}:`, "dim")} ${observed[0] ?? ""}`];
  for (const more of observed.slice(1)) lines.push(`${INDENT_DETAIL}  ${more}`);
  if (e.expected !== undefined) {
    const expected = sanitizedLines(e.expected);
    lines.push(`${INDENT_DETAIL}  ${paint("expected:", "dim")} ${expected[0] ?? ""}`);
    for (const more of expected.slice(1)) lines.push(`${INDENT_DETAIL}    ${more}`);
  }
  return lines;
}

function renderFinding(f: Finding, paint: Paint, width: number, verbose: boolean): string[] {
  const lines: string[] = [];
  lines.push(`${INDENT_FINDING}${severityMark(f.severity, paint)}  ${paint(sanitizeLine(f.code), "bold")}  ${paint(sanitizeLine(f.title), "bold")}`);
  lines.push(`${INDENT_BODY}${paint("subject:", "dim")} ${sanitizeLine(f.subject)}`);
  lines.push(...wrapText(f.message, width, INDENT_BODY));
  if (f.evidence.length > 0) {
    lines.push(`${INDENT_BODY}${paint("Evidence:", "bold")}`);
    for (const e of f.evidence) lines.push(...renderEvidence(e, paint));
  }
  if (f.remediation.length > 0) {
    lines.push(`${INDENT_BODY}${paint("Fix:", "bold")}`);
    // one command per line, bare (indentation only), never wrapped, never coloured
    for (const command of f.remediation) {
      for (const line of sanitizedLines(command)) lines.push(`${INDENT_DETAIL}${line}`);
    }
  }
  const meta: string[] = [];
  if (f.confidence !== undefined) meta.push(`confidence: ${sanitizeLine(f.confidence)}`);
  if (verbose) meta.push(`rule: ${sanitizeLine(f.rule)}`);
  if (f.docs !== undefined) meta.push(`docs: ${sanitizeLine(f.docs)}`);
  if (meta.length > 0) lines.push(`${INDENT_BODY}${paint(meta.join(" · "), "dim")}`);
  return lines;
}

function renderUnknown(u: Unknown, paint: Paint, width: number, verbose: boolean): string[] {
  const subject = u.subject !== undefined ? ` ${paint("—", "dim")} ${sanitizeLine(u.subject)}` : "";
  const ruleId = verbose ? paint(` [${sanitizeLine(u.rule)}]`, "dim") : "";
  return [
    `${INDENT_FINDING}${paint("?", "magenta", "bold")} ${sanitizeLine(u.check)}${subject}${ruleId}`,
    ...wrapText(`reason: ${u.reason}`, width, INDENT_BODY),
  ];
}

function renderPassed(p: Passed, paint: Paint, width: number): string[] {
  const subject = p.subject !== undefined ? ` ${paint("—", "dim")} ${sanitizeLine(p.subject)}` : "";
  const lines = [`${INDENT_FINDING}${paint("✔", "green", "bold")} ${sanitizeLine(p.check)}${subject}`];
  if (p.message !== "") lines.push(...wrapText(p.message, width, INDENT_BODY));
  return lines;
}

/** Renders a report for a person at a terminal. Pure: same report and options, same text. */
export function renderTerminal(report: Report, opts: TerminalOptions): string {
  const paint = painter(opts.color);
  const width = Math.max(opts.width ?? DEFAULT_WIDTH, MIN_WIDTH);
  const verbose = opts.verbose ?? false;
  const lines: string[] = [];

  lines.push(...renderHeader(report, paint, verbose), "");

  for (const group of findingsInFlowOrder(report.findings)) {
    lines.push(rule(stageTitle(group.stage, STAGE_TITLES), width, paint), "");
    for (const f of group.items) lines.push(...renderFinding(f, paint, width, verbose), "");
  }
  if (report.findings.length === 0) lines.push("No findings.", "");

  if (report.unknown.length > 0) {
    lines.push(rule(`Could not check (${report.unknown.length})`, width, paint), "");
    for (const group of groupByStage(report.unknown)) {
      for (const u of group.items) lines.push(...renderUnknown(u, paint, width, verbose));
    }
    lines.push("");
  }

  if (verbose && report.passed.length > 0) {
    lines.push(rule(`Passed (${report.passed.length})`, width, paint), "");
    for (const group of groupByStage(report.passed)) {
      for (const p of group.items) lines.push(...renderPassed(p, paint, width));
    }
    lines.push("");
  } else {
    lines.push(`${paint("Passed:", "bold")} ${plural(report.passed.length, "check")}`, "");
  }

  const counts = countReport(report);
  const summaryStyle: Style = counts.errors > 0 ? "red" : counts.unknown > 0 || counts.warnings > 0 ? "yellow" : "green";
  lines.push(paint(summaryLine(counts), "bold", summaryStyle));
  if (counts.errors === 0) lines.push(paint(noErrorLine(counts), summaryStyle));

  return lines.join("\n") + "\n";
}
