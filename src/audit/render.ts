// Audit output: a terminal summary (worst clusters first, counts by code), JSON, CSV, and a merged Report so the
// diagnose reporters (markdown, SARIF, HTML) render fleet findings too. Pure functions, like every reporter.
import { CAUSES, type CauseCode, type Severity } from "../codes/causes.js";
import { REPORT_SCHEMA_VERSION, type Finding, type Report } from "../engine/types.js";
import type { AuditResult, ClusterAudit } from "./audit.js";
import { allFindings } from "./audit.js";
import { newFindings } from "./baseline.js";

export const AUDIT_FORMATS = ["terminal", "json", "csv"] as const;

function counts(findings: Finding[]): Record<Severity, number> {
  const c: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) c[f.severity]++;
  return c;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function table(rows: string[][], align: ("l" | "r")[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows
    .map((r) => r.map((cell, i) => (align[i] === "r" ? cell.padStart(widths[i]!) : pad(cell, widths[i]!))).join("  ").trimEnd())
    .join("\n");
}

function codeCounts(c: ClusterAudit): string {
  const m = new Map<string, number>();
  for (const f of c.findings) m.set(f.code, (m.get(f.code) ?? 0) + 1);
  return [...m.entries()].map(([code, n]) => (n > 1 ? `${code} x${n}` : code)).join(", ");
}

export interface UnknownGroup {
  rule: string;
  reason: string;
  /** ids of the clusters where this check could not be made for this reason */
  clusters: Set<string>;
}

/** Checks that could not be made, one group per rule and reason, most clusters first: the same check failing for the
 *  same reason on thousands of clusters is one line of a nightly report. */
export function unknownGroups(clusters: readonly ClusterAudit[]): UnknownGroup[] {
  const groups = new Map<string, UnknownGroup>();
  for (const c of clusters) {
    for (const u of c.unknown) {
      const key = `${u.rule}\u0000${u.reason}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { rule: u.rule, reason: u.reason, clusters: new Set() }));
      g.clusters.add(c.id);
    }
  }
  return [...groups.values()].sort((a, b) => b.clusters.size - a.clusters.size || a.rule.localeCompare(b.rule) || a.reason.localeCompare(b.reason));
}

export interface AuditTerminalOptions {
  color?: boolean;
  /** clusters listed in the table (default 25) */
  top?: number;
}

/** The nightly summary: totals, worst clusters first, counts by code, registries nobody can pull from. */
export function renderAuditTerminal(r: AuditResult, opts: AuditTerminalOptions = {}): string {
  const top = opts.top ?? 25;
  const paint = (code: string, s: string) => (opts.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const sev = r.summary.bySeverity;
  const out: string[] = [];
  out.push(`pulldoctor audit — ${r.summary.clusters} clusters, ${r.summary.registries} registries (credentials expiring within ${r.options.expiringWithinDays} days)`);
  const unknownChecks = r.clusters.reduce((n, c) => n + c.unknown.length, 0);
  out.push(`${paint("31", `${sev.error} errors`)}, ${paint("33", `${sev.warning} warnings`)}, ${sev.info} infos; ${r.summary.registriesNobodyCanPull.length} registries no cluster can pull from${unknownChecks > 0 ? `; ${unknownChecks} check${unknownChecks === 1 ? "" : "s"} could not be made` : ""}`);
  if (r.baseline) {
    const b = r.baseline;
    out.push(`Since the baseline (${b.file}${b.generatedAt ? `, audited ${b.generatedAt}` : ""}): ${paint("1", `${b.new} new`)}, ${b.resolved.length} gone, ${b.unchanged} unchanged; --fail-on counts only the new`);
  }
  for (const c of r.baseline?.caveats ?? []) out.push(`Note: ${c}`);
  out.push("");
  if (r.baseline) out.push(...baselineSections(r, top));

  const withFindings = r.clusters.filter((c) => c.findings.length > 0);
  if (withFindings.length > 0) {
    out.push(`Worst clusters (${withFindings.length} with findings${withFindings.length > top ? `, first ${top} shown` : ""}):`);
    const rows = [["cluster", "errors", "warnings", "infos", "codes"]];
    for (const c of withFindings.slice(0, top)) {
      const n = counts(c.findings);
      rows.push([c.name, String(n.error), String(n.warning), String(n.info), codeCounts(c)]);
    }
    out.push(table(rows, ["l", "r", "r", "r", "l"]));
  } else out.push("No findings on any cluster.");
  const clean = r.clusters.length - withFindings.length;
  if (clean > 0) out.push(`${clean} cluster${clean === 1 ? "" : "s"} without findings.`);
  out.push("");

  const byCode = Object.entries(r.summary.byCode) as [CauseCode, number][];
  if (byCode.length > 0) {
    out.push("Findings by code:");
    byCode.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    out.push(table([["code", "severity", "count", "meaning"], ...byCode.map(([code, n]) => [code, CAUSES[code].severity, String(n), CAUSES[code].meaning])], ["l", "l", "r", "l"]));
    out.push("");
  }

  const nobody = r.registries.filter((x) => x.nobodyCanPull);
  if (nobody.length > 0) {
    out.push(`Registries no cluster can pull from (${nobody.length}${nobody.length > top ? `, first ${top} shown` : ""}):`);
    for (const x of nobody.slice(0, top)) out.push(`  ${x.loginServer}  (paired with ${x.pairedWith.length} cluster${x.pairedWith.length === 1 ? "" : "s"})`);
    out.push("");
  }
  if (unknownChecks > 0) {
    const sorted = unknownGroups(r.clusters);
    out.push(`Checks that could not be made (${unknownChecks}; not passed, not failed):`);
    const rows = [["rule", "clusters", "why"], ...sorted.slice(0, top).map((g) => [g.rule, String(g.clusters.size), g.reason])];
    out.push(table(rows, ["l", "r", "l"]));
    if (sorted.length > top) out.push(`  and ${sorted.length - top} more reasons (--format json lists each cluster's)`);
    out.push("");
  }
  if (r.unattributed.length > 0) {
    out.push(`Kubernetes evidence not attributed to a cluster (${r.unattributed.length} file${r.unattributed.length === 1 ? "" : "s"}):`);
    for (const u of r.unattributed.slice(0, top)) out.push(`  ${u.file}: ${u.reason}`);
    out.push("");
  }
  for (const e of r.inputs.errors.slice(0, top)) out.push(`unreadable: ${e.file}: ${e.reason ?? "error"}`);
  out.push("Every finding with its evidence and fix: --format json or csv.");
  return out.join("\n") + "\n";
}

/** New findings (once each, as the summary counts them) and the baseline's findings that are gone, `top` of each. */
function baselineSections(r: AuditResult, top: number): string[] {
  const out: string[] = [];
  const fresh = newFindings(r);
  if (fresh.length > 0) {
    out.push(`New since the baseline (${fresh.length}${fresh.length > top ? `, first ${top} shown` : ""}):`);
    out.push(table([["cluster or registry", "severity", "code", "subject"], ...fresh.slice(0, top).map((n) => [n.owner, n.finding.severity, n.finding.code, n.finding.subject])], ["l", "l", "l", "l"]));
    out.push("");
  }
  const gone = r.baseline?.resolved ?? [];
  if (gone.length > 0) {
    out.push(`Gone since the baseline (${gone.length}${gone.length > top ? `, first ${top} shown` : ""}):`);
    out.push(table([["cluster", "severity", "code", "subject"], ...gone.slice(0, top).map((g) => [g.clusterName ?? g.cluster ?? "(registry)", g.severity, g.code, g.subject])], ["l", "l", "l", "l"]));
    out.push("");
  }
  return out;
}

export function renderAuditJson(r: AuditResult): string {
  return [...auditJsonChunks(r)].join("");
}

const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);

/**
 * The same text as `JSON.stringify(result, null, 2)`, one cluster or registry at a time: a tenant's audit is hundreds
 * of megabytes of JSON, which need never sit in memory as one string.
 */
export function* auditJsonChunks(r: AuditResult): Generator<string> {
  const entries = Object.entries(r);
  yield "{";
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i]!;
    const last = i === entries.length - 1;
    if (Array.isArray(v) && v.length > 0 && (k === "clusters" || k === "registries" || k === "expiries")) {
      yield `\n  ${JSON.stringify(k)}: [`;
      for (let j = 0; j < v.length; j++) yield `\n    ${indent(JSON.stringify(v[j], null, 2), "    ")}${j < v.length - 1 ? "," : ""}`;
      yield `\n  ]${last ? "" : ","}`;
    } else yield `\n  ${JSON.stringify(k)}: ${indent(JSON.stringify(v, null, 2), "  ")}${last ? "" : ","}`;
  }
  yield "\n}\n";
}

const CSV_COLUMNS = ["scope", "cluster", "code", "severity", "category", "rule", "subject", "title", "message", "remediation"] as const;

/** RFC 4180: quote fields holding a comma, quote or line break; double the quotes. Leading =,+,-,@ are prefixed so spreadsheets do not run them as formulas. */
function csvField(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One row per finding: every cluster's findings, then every registry's registry-only findings. */
export function renderAuditCsv(r: AuditResult): string {
  // the baseline column only when there is a baseline: nightly spreadsheets keep their columns otherwise
  const compared = r.baseline !== undefined;
  const rows: string[] = [[...CSV_COLUMNS, ...(compared ? ["baseline_state"] : [])].join(",")];
  const row = (scope: string, cluster: string, f: Finding) =>
    rows.push([scope, cluster, f.code, f.severity, f.category, f.rule, f.subject, f.title, f.message, f.remediation[0] ?? "", ...(compared ? [f.baselineState ?? ""] : [])].map(csvField).join(","));
  for (const c of r.clusters) for (const f of c.findings) row("cluster", c.id, f);
  for (const x of r.registries) for (const f of x.findings) row("registry", "", f);
  return rows.join("\r\n") + "\r\n";
}

/** The audit as one diagnose-style Report, so the existing reporters render it: each cluster finding titled with its cluster. */
export function auditToReport(r: AuditResult): Report {
  const findings: Finding[] = [];
  for (const c of r.clusters) for (const f of c.findings) findings.push({ ...f, title: `[${c.name}] ${f.title}` });
  for (const x of r.registries) for (const f of x.findings) findings.push({ ...f, title: `[${x.loginServer}] ${f.title}` });
  const n = counts(findings);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: r.tool,
    generatedAt: r.generatedAt,
    subjects: { clusters: r.clusters.map((c) => c.id), registries: r.registries.map((x) => x.loginServer), images: [] },
    findings,
    unknown: r.clusters.flatMap((c) => c.unknown.map((u) => ({ ...u, check: `[${c.name}] ${u.check}` }))),
    passed: [],
    inputs: { kind: r.inputs.kind, ...(r.inputs.location ? { location: r.inputs.location } : {}), files: r.inputs.errors.map((e) => ({ file: e.file, status: "error", kinds: [], ...(e.reason ? { reason: e.reason } : {}) })) },
    summary: { errors: n.error, warnings: n.warning, infos: n.info, unknown: r.clusters.reduce((s, c) => s + c.unknown.length, 0), passed: 0 },
  };
}

export { allFindings };
