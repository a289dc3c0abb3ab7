// Reporters: pure functions Report -> string. They order and format; they never filter, re-rank or decide.

import type { Report, RuleMeta } from "../engine/types.js";
import { RULES } from "../rules/index.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderJunit } from "./junit.js";
import { renderMarkdown } from "./markdown.js";
import { renderSarif } from "./sarif.js";
import { renderTerminal } from "./terminal.js";

export { renderJson, reportToJson, REPORT_SCHEMA_ID } from "./json.js";
export { renderMarkdown } from "./markdown.js";
export { renderTerminal, DEFAULT_WIDTH, type TerminalOptions } from "./terminal.js";
export { renderHtml, stageStatuses, type StageState, type StageStatus } from "./html.js";
export { renderSarif, reportToSarif } from "./sarif.js";
export { renderJunit } from "./junit.js";

/** Output formats. */
export type Format = "terminal" | "json" | "markdown" | "html" | "sarif" | "junit";

export const FORMATS = ["terminal", "json", "markdown", "html", "sarif", "junit"] as const satisfies readonly Format[];

export function isFormat(s: string): s is Format {
  return (FORMATS as readonly string[]).includes(s);
}

export interface RenderOptions {
  /** ANSI colours (terminal only; default false) */
  color?: boolean;
  /** list passed checks, rule ids and input files (terminal only) */
  verbose?: boolean;
  /** wrap column for prose (terminal only; default 100) */
  width?: number;
  /** rule metadata for SARIF's rule descriptors (default: every built-in rule) */
  rules?: readonly RuleMeta[];
}

export function render(report: Report, format: Format, opts: RenderOptions = {}): string {
  switch (format) {
    case "terminal": {
      const t: { color: boolean; verbose?: boolean; width?: number } = { color: opts.color ?? false };
      if (opts.verbose !== undefined) t.verbose = opts.verbose;
      if (opts.width !== undefined) t.width = opts.width;
      return renderTerminal(report, t);
    }
    case "json":
      return renderJson(report);
    case "markdown":
      return renderMarkdown(report);
    case "html":
      return renderHtml(report);
    case "sarif":
      return renderSarif(report, opts.rules ?? RULES);
    case "junit":
      return renderJunit(report);
    default: {
      const unreachable: never = format;
      throw new Error(`unknown format: ${String(unreachable)}`);
    }
  }
}
