import { CAUSES } from "../codes/causes.js";
import type { Snapshot } from "../snapshot/types.js";
import { STAGES, REPORT_SCHEMA_VERSION, type EngineOptions, type Finding, type Passed, type Report, type Rule, type RuleContext, type Unknown } from "./types.js";
import { VERSION } from "../version.js";

export const DEFAULT_ENGINE_OPTIONS: EngineOptions = { expiringWithinDays: 30 };

export const DOCS_BASE = "https://github.com/pulldoctor/pulldoctor/blob/main/docs/rules/";

function factReason(f: { status: string; reason?: string; message?: string; kind?: string }): string {
  return f.status === "skipped" ? (f.reason ?? "not collected") : `${f.kind ?? "error"}: ${f.message ?? ""}`;
}

const SEVERITY_ORDER = { error: 0, warning: 1, info: 2 } as const;

/** Run every rule over the snapshot. Pure: the same snapshot and rules give the same report (except generatedAt). */
export function evaluate(snapshot: Snapshot, rules: readonly Rule[], options: Partial<EngineOptions> = {}): Report {
  const opts: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS, ...options };
  const cache = new Map<string, unknown>();
  const ctx: RuleContext = {
    snapshot,
    options: opts,
    memo<T>(key: string, compute: () => T): T {
      if (!cache.has(key)) cache.set(key, compute());
      return cache.get(key) as T;
    },
  };
  const findings: Finding[] = [];
  const unknown: Unknown[] = [];
  const passed: Passed[] = [];
  for (const rule of rules) {
    if (rule.appliesTo && !rule.appliesTo(ctx)) continue;
    const missing = rule.requires.filter((k) => snapshot[k].status !== "ok");
    if (missing.length > 0) {
      unknown.push({ check: rule.title, rule: rule.id, stage: rule.stage, reason: missing.map((k) => `${k}: ${factReason(snapshot[k])}`).join("; ") });
      continue;
    }
    let outcomes;
    try {
      outcomes = rule.check(ctx);
    } catch (err) {
      // A rule bug must not sink the whole diagnosis: report the check as unknown with the reason.
      unknown.push({ check: rule.title, rule: rule.id, stage: rule.stage, reason: `internal error in rule: ${(err as Error).message}` });
      continue;
    }
    for (const o of outcomes) {
      if (o.kind === "finding") {
        if (!rule.codes.includes(o.code)) throw new Error(`rule ${rule.id} emitted ${o.code}, which it does not declare`);
        const info = CAUSES[o.code];
        findings.push({
          code: o.code,
          severity: o.severity ?? info.severity,
          category: info.category,
          stage: rule.stage,
          rule: rule.id,
          title: o.title,
          message: o.message,
          subject: o.subject,
          evidence: o.evidence,
          remediation: o.remediation,
          ...(o.confidence ? { confidence: o.confidence } : {}),
          docs: `${DOCS_BASE}${rule.id}.md`,
        });
      } else if (o.kind === "unknown") {
        unknown.push({ check: o.check, rule: rule.id, stage: rule.stage, ...(o.subject ? { subject: o.subject } : {}), reason: o.reason });
      } else {
        passed.push({ check: o.check, rule: rule.id, stage: rule.stage, ...(o.subject ? { subject: o.subject } : {}), message: o.message });
      }
    }
  }
  const dedup = dedupeFindings(findings);
  const unknownMerged = mergeUnknowns(unknown);
  const stageIndex = (s: string) => STAGES.indexOf(s as (typeof STAGES)[number]);
  dedup.sort((a, b) => stageIndex(a.stage) - stageIndex(b.stage) || SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.code.localeCompare(b.code) || a.subject.localeCompare(b.subject));
  unknownMerged.sort((a, b) => stageIndex(a.stage) - stageIndex(b.stage));
  passed.sort((a, b) => stageIndex(a.stage) - stageIndex(b.stage));
  const clusters = snapshot.clusters.status === "ok" ? snapshot.clusters.value.map((c) => c.id || c.name) : [];
  const registries = snapshot.registries.status === "ok" ? snapshot.registries.value.map((r) => r.loginServer) : [];
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: "pulldoctor", version: VERSION },
    generatedAt: snapshot.now,
    subjects: { clusters, registries, images: snapshot.targets.images },
    findings: dedup,
    unknown: unknownMerged,
    passed,
    inputs: { kind: snapshot.input.kind, ...(snapshot.input.location ? { location: snapshot.input.location } : {}), files: snapshot.input.files },
    summary: {
      errors: dedup.filter((f) => f.severity === "error").length,
      warnings: dedup.filter((f) => f.severity === "warning").length,
      infos: dedup.filter((f) => f.severity === "info").length,
      unknown: unknownMerged.length,
      passed: passed.length,
    },
  };
}

/** Checks that cannot be made for the same reason are listed once, naming every check. */
function mergeUnknowns(list: Unknown[]): Unknown[] {
  const byKey = new Map<string, Unknown>();
  for (const u of list) {
    const key = `${u.stage}\u0000${u.subject ?? ""}\u0000${u.reason}`;
    const prev = byKey.get(key);
    if (!prev) byKey.set(key, { ...u });
    else if (!prev.check.split("; ").includes(u.check)) prev.check = `${prev.check}; ${u.check}`;
  }
  return [...byKey.values()];
}

/** The same code on the same subject is one finding; its evidence lines are merged. */
function dedupeFindings(findings: Finding[]): Finding[] {
  const byKey = new Map<string, Finding>();
  for (const f of findings) {
    const key = `${f.code}\u0000${f.subject.toLowerCase()}`;
    const prev = byKey.get(key);
    if (!prev) {
      byKey.set(key, { ...f, evidence: [...f.evidence], remediation: [...f.remediation] });
      continue;
    }
    for (const e of f.evidence) if (!prev.evidence.some((x) => x.source === e.source && x.path === e.path && x.observed === e.observed)) prev.evidence.push(e);
    for (const r of f.remediation) if (!prev.remediation.includes(r)) prev.remediation.push(r);
    if (SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[prev.severity]) prev.severity = f.severity;
  }
  return [...byKey.values()];
}

export function exitCodeFor(report: Report): 0 | 1 {
  return report.findings.some((f) => f.severity === "error") ? 1 : 0;
}
