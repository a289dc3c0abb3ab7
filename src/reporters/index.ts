// Reporters: pure functions Report -> string. They order and format; they never filter, re-rank or decide.

import type { Report } from "../engine/types.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import { renderTerminal } from "./terminal.js";

export { renderJson, reportToJson, REPORT_SCHEMA_ID } from "./json.js";
export { renderMarkdown } from "./markdown.js";
export { renderTerminal, DEFAULT_WIDTH, type TerminalOptions } from "./terminal.js";

/** Output formats (sarif, junit and html will join them). */
export type Format = "terminal" | "json" | "markdown";

export const FORMATS = ["terminal", "json", "markdown"] as const satisfies readonly Format[];

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
    default: {
      const unreachable: never = format;
      throw new Error(`unknown format: ${String(unreachable)}`);
    }
  }
}
