import type { Report } from "../src/engine/types.js";

export interface Expected { description?: string; errors: string[]; warnings: string[]; allowed: string[]; forbidden: string[] }

/** Scoring rules of shared/scenarios/README.md; returns the list of violations (empty = pass). */
export function scoreScenario(report: Pick<Report, "findings">, exp: Expected): string[] {
  const problems: string[] = [];
  const errorCodes = new Set(report.findings.filter((f) => f.severity === "error").map((f) => f.code as string));
  const allCodes = new Set(report.findings.map((f) => f.code as string));
  for (const c of exp.errors) if (!errorCodes.has(c)) problems.push(`missing error ${c}`);
  for (const c of exp.warnings) if (!allCodes.has(c)) problems.push(`missing warning ${c}`);
  for (const c of exp.forbidden) if (allCodes.has(c)) problems.push(`forbidden ${c} reported`);
  const ok = new Set([...exp.errors, ...exp.allowed]);
  for (const c of errorCodes) if (!ok.has(c)) problems.push(`unexpected error ${c}`);
  return problems;
}
