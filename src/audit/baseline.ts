// A nightly audit compared with an earlier one (`--baseline`): which findings are new, which are unchanged, and which
// are gone. Pure: the caller reads the file; this module only checks its shape and compares.
import type { CauseCode, Severity } from "../codes/causes.js";
import type { Finding } from "../engine/types.js";
import { normId } from "../snapshot/ids.js";
import { isObj } from "../evidence/util.js";
import { AUDIT_SCHEMA_VERSION, isRegistryOnlyCode, registryFindingKey, type AuditResult } from "./audit.js";

export type BaselineState = "new" | "unchanged";

/** A finding of the baseline that the current audit no longer reports. */
export interface ResolvedFinding {
  /** the cluster it was reported on (id, and name when the baseline gave one); absent for registry-only codes, which belong to the registry */
  cluster?: string;
  clusterName?: string;
  code: CauseCode;
  severity: Severity;
  subject: string;
  title: string;
}

export interface BaselineComparison {
  file: string;
  /** when the baseline audit ran */
  generatedAt?: string;
  new: number;
  unchanged: number;
  resolved: ResolvedFinding[];
  /** differences between the two runs' options that make findings new or gone by themselves */
  caveats?: string[];
}

/** The parts of an earlier `audit --format json` result the comparison reads. */
export interface AuditBaseline {
  file: string;
  generatedAt?: string;
  expiringWithinDays?: number;
  findings: { cluster?: string; clusterName?: string; finding: Pick<Finding, "code" | "severity" | "subject" | "title" | "rule"> }[];
}

export class BaselineError extends Error {}

/**
 * What makes two findings of two runs the same finding: the cluster (none for registry-only codes, reported once per
 * registry however many clusters pull from it), the rule, the code and the subject. Ids compare case-insensitively, as
 * ARM does. Messages and evidence are left out: they carry dates and counts that change from night to night.
 */
function identity(cluster: string | undefined, f: Pick<Finding, "code" | "subject" | "rule">): string {
  const owner = isRegistryOnlyCode(f.code) ? "" : normId(cluster) || (cluster ?? "");
  return `${owner}\u0000${f.rule}\u0000${f.code}\u0000${normId(f.subject) || f.subject}`;
}

/** Check that `text` is an earlier `pulldoctor audit --format json` result and keep its findings; a BaselineError names the file otherwise. */
export function parseAuditBaseline(text: string, file: string): AuditBaseline {
  let v: unknown;
  try {
    v = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    throw new BaselineError(`--baseline ${file} is not JSON: give the output of an earlier \`pulldoctor audit --format json\``);
  }
  if (!isObj(v) || v.kind !== "audit") {
    const what = isObj(v) && Array.isArray(v.findings) ? "a diagnose report" : "not an audit result";
    throw new BaselineError(`--baseline ${file} is ${what}: give the output of an earlier \`pulldoctor audit --format json\``);
  }
  if (v.schemaVersion !== AUDIT_SCHEMA_VERSION) {
    throw new BaselineError(`--baseline ${file} has audit schema version ${JSON.stringify(v.schemaVersion)}; this pulldoctor reads version ${AUDIT_SCHEMA_VERSION}`);
  }
  if (!Array.isArray(v.clusters) || !Array.isArray(v.registries)) throw new BaselineError(`--baseline ${file} has no clusters or registries list: is it a whole audit result?`);
  const findings: AuditBaseline["findings"] = [];
  const take = (cluster: string | undefined, clusterName: string | undefined, list: unknown, where: string) => {
    if (list === undefined) return;
    if (!Array.isArray(list)) throw new BaselineError(`--baseline ${file}: ${where}.findings is not a list`);
    for (const f of list) {
      if (!isObj(f) || typeof f.code !== "string" || typeof f.subject !== "string" || typeof f.rule !== "string") {
        throw new BaselineError(`--baseline ${file}: a finding of ${where} lacks its code, rule or subject`);
      }
      const severity = f.severity === "error" || f.severity === "warning" || f.severity === "info" ? f.severity : "warning";
      findings.push({ cluster, ...(clusterName ? { clusterName } : {}), finding: { code: f.code as CauseCode, rule: f.rule, subject: f.subject, severity, title: typeof f.title === "string" ? f.title : f.code } });
    }
  };
  v.clusters.forEach((c, i) => {
    if (!isObj(c)) throw new BaselineError(`--baseline ${file}: clusters[${i}] is not an object`);
    take(typeof c.id === "string" ? c.id : undefined, typeof c.name === "string" ? c.name : undefined, c.findings, `clusters[${i}]`);
  });
  v.registries.forEach((r, i) => {
    if (!isObj(r)) throw new BaselineError(`--baseline ${file}: registries[${i}] is not an object`);
    take(undefined, undefined, r.findings, `registries[${i}]`);
  });
  const window = isObj(v.options) && typeof v.options.expiringWithinDays === "number" ? v.options.expiringWithinDays : undefined;
  return { file, ...(typeof v.generatedAt === "string" ? { generatedAt: v.generatedAt } : {}), ...(window !== undefined ? { expiringWithinDays: window } : {}), findings };
}

/**
 * The audit with each finding marked new or unchanged against the baseline, and the baseline's findings that are gone.
 * Counts follow the summary's rule: registry-only codes once per registry, the rest once per cluster and subject.
 */
export function compareWithBaseline(result: AuditResult, baseline: AuditBaseline): AuditResult {
  const before = new Map<string, AuditBaseline["findings"][number]>();
  for (const b of baseline.findings) {
    const key = identity(b.cluster, b.finding);
    if (!before.has(key)) before.set(key, b);
  }
  const seen = new Set<string>();
  const counted = new Set<string>();
  let fresh = 0;
  let unchanged = 0;
  const mark = (cluster: string | undefined, f: Finding): Finding => {
    const key = identity(cluster, f);
    seen.add(key);
    const state: BaselineState = before.has(key) ? "unchanged" : "new";
    if (!counted.has(key)) {
      counted.add(key);
      if (state === "new") fresh++;
      else unchanged++;
    }
    return { ...f, baselineState: state };
  };
  const clusters = result.clusters.map((c) => ({ ...c, findings: c.findings.map((f) => mark(c.id, f)) }));
  const registries = result.registries.map((r) => ({ ...r, findings: r.findings.map((f) => mark(undefined, f)) }));
  const caveats: string[] = [];
  const window = result.options.expiringWithinDays;
  if (baseline.expiringWithinDays !== undefined && baseline.expiringWithinDays !== window) {
    caveats.push(`the baseline used --expiring-within ${baseline.expiringWithinDays}, this run ${window}: SP_SECRET_EXPIRING findings may be new or gone because of that alone`);
  }
  const resolved: ResolvedFinding[] = [];
  for (const [key, b] of before) {
    if (seen.has(key)) continue;
    const registryOnly = isRegistryOnlyCode(b.finding.code);
    const owner = registryOnly || b.cluster === undefined ? {} : { cluster: b.cluster, ...(b.clusterName ? { clusterName: b.clusterName } : {}) };
    resolved.push({ ...owner, code: b.finding.code, severity: b.finding.severity, subject: b.finding.subject, title: b.finding.title });
  }
  return {
    ...result,
    clusters,
    registries,
    baseline: {
      file: baseline.file,
      ...(baseline.generatedAt ? { generatedAt: baseline.generatedAt } : {}),
      new: fresh,
      unchanged,
      resolved,
      ...(caveats.length > 0 ? { caveats } : {}),
    },
  };
}

/** A finding the baseline did not have, with what it is about: a cluster (registry-only codes: the registry). */
export interface NewFinding {
  kind: "cluster" | "registry";
  /** cluster name or registry login server */
  owner: string;
  ownerId: string;
  finding: Finding;
}

/** The new findings of a compared result, each once: registry-only codes per registry (from the registry list, or from a
 *  cluster's list when only a cluster view found one), the rest per cluster. */
export function newFindings(result: Pick<AuditResult, "clusters" | "registries">): NewFinding[] {
  const out: NewFinding[] = [];
  const registryKeys = new Set<string>();
  const registryById = new Map(result.registries.map((x) => [normId(x.id), x]));
  const addRegistryFinding = (f: Finding, fallback: { owner: string; ownerId: string }) => {
    const key = registryFindingKey(f);
    if (registryKeys.has(key)) return;
    registryKeys.add(key);
    const x = registryById.get(normId(f.subject));
    out.push({ kind: "registry", owner: x?.loginServer ?? fallback.owner, ownerId: x?.id ?? fallback.ownerId, finding: f });
  };
  for (const x of result.registries) for (const f of x.findings) if (f.baselineState === "new") addRegistryFinding(f, { owner: x.loginServer, ownerId: x.id });
  for (const c of result.clusters) {
    for (const f of c.findings) {
      if (f.baselineState !== "new") continue;
      if (isRegistryOnlyCode(f.code)) addRegistryFinding(f, { owner: c.name, ownerId: c.id });
      else out.push({ kind: "cluster", owner: c.name, ownerId: c.id, finding: f });
    }
  }
  // clusters first, as the summary lists them
  return [...out.filter((n) => n.kind === "cluster"), ...out.filter((n) => n.kind === "registry")];
}
