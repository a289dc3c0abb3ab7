// Helpers shared by the human-facing reporters: making untrusted text safe to print, flow ordering, counts.
// Nothing here decides anything: it orders and counts what the engine produced, and drops no entry.

import type { Severity } from "../codes/causes.js";
import { STAGES, type Finding, type Report, type Stage } from "../engine/types.js";

// Escape sequences an attacker-controlled string (an event message, a tag, an annotation) could use to move
// the cursor, recolour, retitle the terminal or hide text: CSI, OSC, DCS/SOS/PM/APC strings, and the
// remaining two-byte ESC sequences. The 8-bit C1 CSI (0x9b) is handled as CSI too.
const ANSI_SEQUENCES = new RegExp(
  [
    "(?:\\u001b\\[|\\u009b)[0-?]*[ -/]*[@-~]", // CSI ... final byte
    "(?:\\u001b\\]|\\u009d)[^\\u0007\\u001b\\u009c]*(?:\\u0007|\\u001b\\\\|\\u009c)", // OSC ... BEL or ST
    "(?:\\u001b[PX^_]|[\\u0090\\u0098\\u009e\\u009f])[^\\u001b\\u009c]*(?:\\u001b\\\\|\\u009c)", // DCS/SOS/PM/APC ... ST
    "\\u001b[ -/]*[0-~]", // other ESC sequences (charset selection, RIS, keypad modes, ...)
  ].join("|"),
  "g",
);

// What is left after removing sequences: C0 controls except TAB/LF (handled by the callers), DEL, C1, and
// the Unicode bidirectional controls that can reorder what a reader sees ("Trojan Source").
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const NEWLINES = /\r\n|\r|\n|\u2028|\u2029|\u0085/g;

/**
 * Makes untrusted text printable: strips ANSI escape sequences and control characters, turns tabs into
 * spaces and normalises every line break to `\n` (kept, so callers can lay out multi-line text).
 */
export function sanitizeMultiline(text: string): string {
  return text.replace(NEWLINES, "\n").replace(ANSI_SEQUENCES, "").replace(/\t/g, " ").replace(CONTROL_CHARS, "");
}

/** As {@link sanitizeMultiline}, but for a value that must stay on one line: line breaks become spaces. */
export function sanitizeLine(text: string): string {
  return sanitizeMultiline(text).replace(/\n/g, " ");
}

/** Lines of untrusted multi-line text, sanitised. */
export function sanitizedLines(text: string): string[] {
  return sanitizeMultiline(text).split("\n");
}

export const SEVERITY_ORDER: readonly Severity[] = ["error", "warning", "info"];

function severityRank(s: string): number {
  const i = (SEVERITY_ORDER as readonly string[]).indexOf(s);
  return i === -1 ? SEVERITY_ORDER.length : i;
}

function stageRank(s: string): number {
  const i = (STAGES as readonly string[]).indexOf(s);
  return i === -1 ? STAGES.length : i;
}

export interface StageGroup<T> {
  /** a member of STAGES, or (defensively) whatever stage an entry carried that STAGES does not know */
  stage: Stage | string;
  items: T[];
}

/**
 * Groups entries by flow stage in `STAGES` order (stages without entries are left out). Entries of a stage
 * keep the engine's order. An entry whose stage is not in `STAGES` still gets printed, in a group after them.
 */
export function groupByStage<T extends { stage: string }>(items: readonly T[]): StageGroup<T>[] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(item.stage);
    if (list) list.push(item);
    else groups.set(item.stage, [item]);
  }
  return [...groups.entries()]
    .map(([stage, list]) => ({ stage, items: list }))
    .sort((a, b) => stageRank(a.stage) - stageRank(b.stage)); // Array#sort is stable
}

/** Findings by stage (STAGES order), errors before warnings before infos inside a stage, otherwise as given. */
export function findingsInFlowOrder(findings: readonly Finding[]): StageGroup<Finding>[] {
  return groupByStage(findings).map((g) => ({
    stage: g.stage,
    items: [...g.items].sort((a, b) => severityRank(a.severity) - severityRank(b.severity)),
  }));
}

export interface Counts {
  errors: number;
  warnings: number;
  infos: number;
  unknown: number;
  passed: number;
}

/**
 * Counts what the report lists, so that a summary line always agrees with the entries printed above it.
 * (It equals `report.summary` whenever the engine is consistent.)
 */
export function countReport(report: Report): Counts {
  let errors = 0;
  let warnings = 0;
  let infos = 0;
  for (const f of report.findings) {
    if (f.severity === "error") errors++;
    else if (f.severity === "warning") warnings++;
    else infos++;
  }
  return { errors, warnings, infos, unknown: report.unknown.length, passed: report.passed.length };
}

export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/** `2 errors, 1 warning, 3 unknown, 12 passed` (infos only when there are some). */
export function summaryLine(c: Counts): string {
  const parts = [plural(c.errors, "error"), plural(c.warnings, "warning")];
  if (c.infos > 0) parts.push(plural(c.infos, "info"));
  parts.push(`${c.unknown} unknown`, `${c.passed} passed`);
  return parts.join(", ");
}

/** The line printed when no error finding exists; it never hides the checks that could not run. */
export function noErrorLine(c: Counts): string {
  const extra = [c.warnings > 0 ? plural(c.warnings, "warning") : "", c.infos > 0 ? plural(c.infos, "info") : ""]
    .filter((s) => s !== "")
    .join(" and ");
  const head = extra === "" ? "No error found" : `No error found (${extra} to review)`;
  if (c.unknown === 0) return `${head}; every check could run.`;
  return `${head}, but ${plural(c.unknown, "check")} could not be run (see "Could not check"): the cause may be there.`;
}

export function stageTitle(stage: string, titles: Readonly<Record<string, string>>): string {
  return titles[stage] ?? `Stage ${stage}`;
}
